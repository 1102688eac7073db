"""The page a person works in and its API: the chat (messages, buttons, files) and the three grids (read, and
saved through the use case `bot.workplace.cells.set_cells`, beside the chat, never through it)."""

from __future__ import annotations

import logging
from typing import Any
from urllib.parse import quote

from aiohttp import web

from bot.channels.web import grids, pages
from bot.channels.web.auth import Auth, require, require_post
from bot.channels.web.chat import Person
from bot.channels.web.state import STATE, WebState
from bot.core.progress import default_year
from bot.importer import READABLE
from bot.interview.types import Input
from bot.storage import web_accounts as wa

log = logging.getLogger(__name__)
MAX_FILE = 10 * 1024 * 1024
FIRST_YEAR = 2008  # 《政府信息公开条例》 took effect on 1 May 2008: no report is older


def year_asked(state: WebState, asked: str | None) -> int:
    """The report year a county page shows: `?year=` when it is one reports can have (2008, the first
    year of the regulations, to the year being reported), else the year being reported."""
    current = default_year(state.engine.today())
    text = (asked or "").strip()
    if text.isdigit() and len(text) == 4 and FIRST_YEAR <= int(text) <= current:
        return int(text)
    return current


def person_of(state: WebState, auth: Auth) -> Person:
    return state.chat.person(auth.external_id, auth.login)


def nav(state: WebState, auth: Auth) -> str:
    items = [("/", "填报")] + ([("/county", "县级汇总")] if auth.coordinator or auth.operator else [])
    if auth.operator:
        items.append(("/operator", "管理"))
    return pages.nav_links(state.settings.prefix, items)


async def home(request: web.Request) -> web.Response:
    state: WebState = request.app[STATE]
    auth = require(request)
    person = person_of(state, auth)
    if not person.messages:
        await state.chat.send(person, Input(kind="command", text="start"), echo=False)
    html = pages.app_page(state.settings.prefix, auth.csrf, auth.login, nav(state, auth), await state.db(pages.clerk_desk, auth.external_id, state.engine))
    return web.Response(text=html, content_type="text/html")


async def messages(request: web.Request) -> web.Response:
    state: WebState = request.app[STATE]
    auth = require(request)
    after = int(request.query.get("after", "0") or 0) if request.query.get("after", "0").isdigit() else 0
    person = person_of(state, auth)
    await show_inbox(state, person)
    return web.json_response({"messages": [m for m in person.messages if m["id"] > after]})


async def show_inbox(state: WebState, person: Person) -> None:
    """The login's due notifications (the web page's own inbox, storage `Store.inbox`) join its chat, once each."""

    def due(store: Any) -> list[tuple[int, str]]:
        identity = store.identity("web", person.external_id)
        return [] if identity is None else [(d.id, d.text) for d in store.inbox(identity, state.clock.now()) if d.id > person.inbox_seen]

    for delivery_id, text in sorted(await state.db(due)):
        state.chat.record(person, "bot", text, note=True)
        person.inbox_seen = max(person.inbox_seen, delivery_id)


async def send(request: web.Request) -> web.Response:
    state: WebState = request.app[STATE]
    auth, _ = await require_post(request)
    try:
        body = await request.json()
    except ValueError:
        raise web.HTTPBadRequest(text="bad json") from None
    kind = body.get("kind") if isinstance(body, dict) else None
    text = str(body.get("text", ""))[:40000] if isinstance(body, dict) else ""
    if kind == "button":
        inp = Input(kind="button", text=text[:200])
    elif kind == "text" and text.strip():
        inp = Input.parse_text(text)
    else:
        raise web.HTTPBadRequest(text="nothing to send")
    new = await state.chat.send(person_of(state, auth), inp, label=str(body.get("label", ""))[:100])
    return web.json_response({"messages": new})


async def upload(request: web.Request) -> web.Response:
    state: WebState = request.app[STATE]
    auth = require(request)
    if not request.headers.get("X-CSRF-Token"):
        log.warning("upload without CSRF token (account %s)", auth.account_id)
        raise web.HTTPForbidden(text="请求无效（缺少安全令牌），请刷新页面后重试。")
    auth, form = await require_post(request)
    field = form.get("file") if form else None
    if not isinstance(field, web.FileField):
        raise web.HTTPBadRequest(text="no file")
    name = (field.filename or "").strip()[:200]
    data = field.file.read(MAX_FILE + 1)
    person = person_of(state, auth)
    if not name.lower().endswith(READABLE):
        note = state.chat.record(person, "bot", "只能上传 .docx、.txt 或 .json 格式的文件。")
        return web.json_response({"messages": [note]})
    inp = Input(kind="file", data=data if len(data) <= MAX_FILE else b"", size=len(data), filename=name)
    return web.json_response({"messages": await state.chat.send(person, inp)})


async def document(request: web.Request) -> web.StreamResponse:
    state: WebState = request.app[STATE]
    auth = require(request)
    found = state.chat.document(auth.external_id, request.match_info["doc"])
    if found is None:
        log.warning("document %s asked by account %s, not theirs or gone", request.match_info["doc"][:30], auth.account_id)
        raise web.HTTPNotFound(text="文件不存在或已过期，请重新生成。")
    name, data = found
    shown = "inline" if name.lower().endswith(".png") else "attachment"  # a page picture is shown in the chat
    return web.Response(body=data, headers={
        "Content-Type": content_type(name),
        "Content-Disposition": f"{shown}; filename*=UTF-8''{quote(name)}",
    })


def content_type(name: str) -> str:
    lower = name.lower()
    if lower.endswith(".docx"):
        return "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    if lower.endswith(".zip"):
        return "application/zip"
    if lower.endswith(".json"):
        return "application/json"
    if lower.endswith(".pdf"):
        return "application/pdf"
    if lower.endswith(".png"):
        return "image/png"
    return "application/octet-stream"


def _person(store: Any, user_id: int) -> Any:
    """The person a web login belongs to (itself, or the account it was linked to): the engine's too."""
    return store.person(store.get_user(user_id))


def _grid_state(store: Any, state: WebState, user_id: int) -> dict[str, Any]:
    user = _person(store, user_id)
    report_id = store.conversation(user).report_id
    return grids.state(store, user, state.engine.fmt, state.engine.script, report_id)


def _grid_version(store: Any, user_id: int) -> str:
    """What the grids show changes only with this: the report, its table answers, status, comments, the role.
    Cheap (a few indexed reads), so an unchanged grid is answered 304 without loading and checking the report."""
    user = _person(store, user_id)
    report_id = store.conversation(user).report_id
    record = store.report_record(report_id) if report_id else None
    if record is None:
        return f"none-{report_id}"
    last = wa.last_table_change(store, record.id)
    role = grids.role_for(store, user, record.unit_id)
    return f"{record.id}-{last}-{record.status}-{record.open_comments}-{role}"


async def grid_get(request: web.Request) -> web.Response:
    state: WebState = request.app[STATE]
    auth = require(request)
    etag = '"' + await state.read(_grid_version, auth.user_id) + '"'
    headers = {"ETag": etag, "Cache-Control": "private, no-cache"}
    if request.headers.get("If-None-Match") == etag:
        return web.Response(status=304, headers=headers)
    data = await state.read(_grid_state, state, auth.user_id)
    return web.json_response({"layout": grids.layout(state.engine.fmt)} | data, headers=headers)


async def grid_save(request: web.Request) -> web.Response:
    """A grid's save: the use case `set_cells`, directly (never the chat's conversation); the grid as saved."""
    state: WebState = request.app[STATE]
    auth, _ = await require_post(request)
    table = request.match_info["table"]
    if table not in grids.TABLES:
        raise web.HTTPNotFound()
    try:
        body = await request.json()
    except ValueError:
        raise web.HTTPBadRequest(text="bad json") from None
    cells = grids.cells_of(state.engine.fmt, table, body) if isinstance(body, dict) else None
    if cells is None:
        return web.json_response({"error": "表格数据不完整，请刷新页面后重试。"}, status=400)
    pool = state.chat.pool
    if pool is None:
        status, data = await state.db(grids.save, state.engine, auth.external_id, table, body.get("report"), cells)
    else:  # in the interview's worker processes: the save's CPU is not this process's (bench/web_load.py --only grid)
        try:
            status, data = await pool.call(grids.save_in, auth.external_id, table, body.get("report"), cells)
        except RuntimeError:
            status, data = 503, {"error": "保存没有完成，请再保存一次。已保存的内容不受影响。"}
    return web.json_response(data, status=status)


def routes(app: web.Application) -> None:
    app.router.add_get("/", home)
    app.router.add_get("/api/messages", messages)
    app.router.add_post("/api/send", send)
    app.router.add_post("/api/upload", upload)
    app.router.add_get("/doc/{doc}", document)
    app.router.add_get("/api/grid", grid_get)
    app.router.add_post("/api/grid/{table}", grid_save)
