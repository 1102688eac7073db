"""The inbox of a web login: the notices the bot sent on its own (deadline reminders, review news,
coordinators' nudges), read from the delivery queue (bot/storage/notices.py).

`/inbox` lists them a page at a time, newest first, and marks what it shows read (saying which were new);
`POST /inbox/read-all` marks every one read; `GET /api/notices` is what static/notices.js polls to keep the
header's badge current and to show desktop notifications. The chat keeps showing them too (api.show_inbox).
"""

from __future__ import annotations

from datetime import UTC, datetime
from html import escape
from typing import Any

from aiohttp import web

from bot.channels.web import pages
from bot.channels.web.api import nav
from bot.channels.web.auth import require, require_post
from bot.channels.web.state import STATE, WebState
from bot.storage import notices

PAGE = 30  # notices a page of /inbox shows
LATEST = 5  # unread notices /api/notices returns (a desktop notification each, when new)
MAX_TEXT = 500  # characters of a notice's text in /api/notices
KINDS = {"reminder": "提醒", "review": "审核", "nudge": "催办"}


def kind_label(kind: str) -> str:
    return KINDS.get(kind, "通知")


def _local(state: WebState, when: datetime, pattern: str = "%Y-%m-%d %H:%M") -> str:
    """A stored time (UTC; SQLite gives it back naive) in Beijing time (the clock's zone)."""
    aware = when if when.tzinfo else when.replace(tzinfo=UTC)
    return aware.astimezone(state.engine.zone).strftime(pattern)


def _inbox(store: Any, state: WebState, user_id: int, before: int | None) -> dict[str, Any]:
    """A page of notices, marked read once shown; which of them were new; the unread left (older pages)."""
    user = store.get_user(user_id)
    now = state.clock.now()
    rows = notices.inbox_page(store, user, now, PAGE + 1, before)
    more, rows = len(rows) > PAGE, rows[:PAGE]
    new = [r.id or 0 for r in rows if r.read_at is None]
    notices.mark_read(store, user, new, now)
    items = [{"id": r.id, "kind": r.kind, "text": r.text, "at": _local(state, r.not_before), "new": r.id in new} for r in rows]
    return {"items": items, "more": more, "unread": notices.unread_count(store, user, now)}


def _before(text: str | None) -> int | None:
    value = (text or "").strip()
    return int(value) if value.isascii() and value.isdigit() and len(value) < 12 else None


def inbox_html(prefix: str, csrf: str, data: dict[str, Any], before: int | None) -> str:
    items = data["items"]
    rows = []
    for item in items:
        kind = item["kind"] if item["kind"] in KINDS else "other"
        tag = '<span class="tag new">新</span>' if item["new"] else '<span class="tag">已读</span>'
        rows.append(
            f'<li class="notice{" new" if item["new"] else ""}" data-id="{item["id"]}">'
            f'<div class="meta"><span class="kind {kind}">{escape(kind_label(item["kind"]))}</span>'
            f'<time>{escape(item["at"])}</time>{tag}</div>'
            f'<div class="text">{escape(item["text"])}</div></li>'
        )
    fresh = sum(1 for i in items if i["new"])
    if not items:
        listing = '<p class="empty">暂无通知。截止提醒、审核结果和县里的催办会显示在这里。</p>'
    else:
        listing = f'<ul class="notices" id="notices" data-newest="{items[0]["id"]}">{"".join(rows)}</ul>'
    summary = f"本页有{fresh}条新通知，现已标为已读。" if fresh else "本页没有新通知。"
    if data["unread"]:
        summary += f"其他通知中还有{data['unread']}条未读。"
    pager = []
    if before is not None:
        pager.append(f'<a href="{prefix}/inbox">最新通知</a>')
    if data["more"] and items:
        pager.append(f'<a href="{prefix}/inbox?before={items[-1]["id"]}" id="older">更早的通知</a>')
    fresh_link = f'<p id="inbox-fresh" class="fresh" hidden><a href="{prefix}/inbox">有新通知，点此刷新</a></p>' if before is None else ""
    return (
        f'<section class="card inbox"><h1>通知</h1><p class="note" id="inbox-summary">{escape(summary) if items else ""}</p>{fresh_link}'
        f'<div class="actions"><form method="post" action="{prefix}/inbox/read-all"><input type="hidden" name="csrf" value="{escape(csrf)}">'
        '<button type="submit" id="read-all" class="secondary">全部标为已读</button></form>'
        '<button type="button" id="notify-on" class="secondary" hidden>开启桌面通知</button>'
        f'<span id="notify-state" class="note" aria-live="polite"></span></div>{listing}'
        + (f'<p class="pager">{"　".join(pager)}</p>' if pager else "")
        + "</section>"
    )


async def inbox(request: web.Request) -> web.Response:
    state: WebState = request.app[STATE]
    auth = require(request)
    before = _before(request.query.get("before"))
    data = await state.db(_inbox, state, auth.user_id, before)
    prefix = state.settings.prefix
    html = pages.page(prefix, "通知", inbox_html(prefix, auth.csrf, data, before), csrf=auth.csrf, user=auth.login,
                      nav=nav(state, auth), unread=data["unread"])
    return web.Response(text=html, content_type="text/html")


async def read_all(request: web.Request) -> web.Response:
    state: WebState = request.app[STATE]
    auth, _ = await require_post(request)
    await state.db(lambda store: notices.mark_all_read(store, store.get_user(auth.user_id), state.clock.now()))
    raise web.HTTPSeeOther(state.url("/inbox"))


def _summary(store: Any, state: WebState, user_id: int) -> dict[str, Any]:
    unread, latest = notices.unread_latest(store, store.get_user(user_id), state.clock.now(), LATEST)
    return {"unread": unread, "latest": [
        {"id": r.id, "kind": r.kind, "label": kind_label(r.kind), "text": r.text[:MAX_TEXT], "at": _local(state, r.not_before)}
        for r in latest
    ]}


async def api_notices(request: web.Request) -> web.Response:
    """{"unread": n, "latest": [{id, kind, label, text, at}, …]}: the newest unread notices, newest first."""
    state: WebState = request.app[STATE]
    auth = require(request)
    return web.json_response(await state.read(_summary, state, auth.user_id))


def routes(app: web.Application) -> None:
    app.router.add_get("/inbox", inbox)
    app.router.add_post("/inbox/read-all", read_all)
    app.router.add_get("/api/notices", api_notices)
