"""A unit's page: the whole report read-only (tables in their official layout, every text, findings, open
comments, history), its .docx and publish-ready HTML, the members with invitations per role and revoking,
and the reviewer's form.

Reading, inviting and revoking are use cases of bot/workplace/counties.py (refusals logged, 403). The review
goes to the engine as the chat's own buttons and messages (/review, 添加意见 → part → “行名 列名：意见”,
审核通过, 退回修改), so the engine checks the reviewer's right and records everything exactly as in the chat.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from aiohttp import web

from bot.channels.web import grids, pages, profile
from bot.channels.web.api import FIRST_YEAR, nav, person_of, year_asked
from bot.channels.web.auth import require, require_post
from bot.channels.web.chat import Person
from bot.channels.web.state import STATE, WebState
from bot.checks.validate import validate
from bot.core.limits import check_value, check_values
from bot.core.progress import default_year
from bot.county.overview import STATUS_LABELS, short_name
from bot.interview.types import Input
from bot.render import DRAFT, document_filename
from bot.render.html import html_filename, layouts, report_html, table_html
from bot.render.layout import LayoutCell
from bot.storage.models import id_of
from bot.workplace import counties
from bot.workplace.access import ROLE_NAMES, access, check
from bot.workplace.coordinate import report_history
from bot.workplace.review import target_label

ROLE_LABELS = {"clerk": "填报人", "reviewer": "审核人", "owner": "负责人"}


def _unit_id(request: web.Request) -> int:
    text = request.match_info["unit"]
    if not text.isdigit() or len(text) > 11:
        raise web.HTTPNotFound()
    return int(text)


def _labels(fmt: Any) -> dict[str, str]:
    """Each cell's “行名 列名”, as a reviewer's comment starts (the chat's `locate` reads it back)."""
    out = {}
    for grid in grids.layout(fmt).values():
        columns = [c["label"] for c in grid.get("columns", [])]
        for row in grid["rows"]:
            names = columns or list(row.get("header", [])[1:])
            for i, cell in enumerate(row["cells"]):
                column = names[i] if i < len(names) and cell["path"].count(".") > 1 else ""
                out[cell["path"]] = f"{row['label']} {column}".strip()
    return out


def _view(store: Any, state: WebState, user_id: int, unit_id: int, year: int) -> dict[str, Any] | None:
    user = store.get_user(user_id)
    found = counties.report_of(store, user, unit_id, year)
    if found is None:
        return None
    unit, record = found
    engine = state.engine
    role = access(store, user, unit).role
    view: dict[str, Any] = {
        "unit": unit, "record": record, "role": role, "manager": access(store, user, unit).may("manage"),
        "invite_roles": [r for r in ROLE_LABELS if access(store, user, unit).may(f"invite:{r}")],
        "invites": [], "members": profile.unit_members(store, user_id, unit_id), "problem": "", "report": None,
    }
    if view["manager"]:
        view["invites"] = [{"key": i.token[:12], "role": ROLE_NAMES.get(i.role, i.role),
                            "expires": f"{i.expires_at.astimezone(engine.zone):%m-%d %H:%M}"} for i in store.open_invites(unit_id=unit_id)]
    problem = check_value("unit.name", unit.name, engine.fmt) or (check_values(store.answers(record.id), engine.fmt) if record else None)
    if problem:  # stored past the limits (by hand, or an older release): said, not shown
        view["problem"] = problem.message
        return view
    if record is None:
        return view
    report = store.load_report(record.id)
    comments = store.comments(record.id) if record.open_comments else []
    view |= {"report": report, "findings": validate(report), "history": report_history(store, engine, id_of(record)),
             "comments": [{"target": c.target, "where": target_label(engine.fmt, engine.script, c.target), "text": c.text} for c in comments]}
    return view


def _tables(view: dict[str, Any], fmt: Any) -> dict[str, str]:
    """Each table's HTML in its official layout, its value cells carrying what the review form needs."""
    bad = {c for f in view["findings"] if f.level == "error" and f.rule != "E-BLANK" for c in f.cells}
    noted = {c["target"] for c in view["comments"]}
    labels = _labels(fmt)

    def attrs(cell: LayoutCell) -> dict[str, str]:
        if cell.kind != "value" or not cell.path:
            return {}
        marks = " ".join(m for m, on in (("value", True), ("bad", cell.path in bad), ("commented", cell.path in noted)) if on)
        return {"class": marks, "data-path": cell.path, "data-part": cell.path.split(".")[0], "data-label": labels.get(cell.path, "")}

    return {key: table_html(layout, inline=False, cell_attrs=attrs, table_class=f"grid readonly official {key}")
            for key, layout in layouts(view["report"]).items()}


async def unit_page(request: web.Request) -> web.Response:
    state: WebState = request.app[STATE]
    auth = require(request)
    unit_id = _unit_id(request)
    year = year_asked(state, request.query.get("year"))
    view = await state.db(_view, state, auth.user_id, unit_id, year)
    prefix = state.settings.prefix
    if view is None:
        html = pages.render("message.html", prefix, "无权查看", csrf=auth.csrf, user=auth.login, nav=nav(state, auth),
                            text="您无权查看该单位的报告。", back="")
        return web.Response(text=html, content_type="text/html", status=403)
    report = view["report"]
    fmt = state.engine.fmt
    shown = [f for f in view.get("findings", []) if f.rule != "E-BLANK"]
    html = pages.render(
        "unit.html", prefix, "单位报告", csrf=auth.csrf, user=auth.login, nav=nav(state, auth), scripts=("review.js", "copy.js"),
        view=view, year=year, years=list(range(default_year(state.engine.today()), FIRST_YEAR - 1, -1)),
        short=short_name(view["unit"].name), status=STATUS_LABELS.get(view["record"].status, "") if view["record"] else "",
        title_text=report.title() if report else "", findings=shown, blanks=len(view.get("findings", [])) - len(shown),
        tables=_tables(view, fmt) if report else {}, sections=fmt.sections, texts=report.text if report else {},
        reviewer=view["role"] == "reviewer", parts=[p for p in state.engine.script.parts if p.key != "finish"],
        members_html=profile.members_html(prefix, auth.csrf, unit_id, view["members"]), roles=ROLE_LABELS,
    )
    return web.Response(text=html, content_type="text/html")


def _report(store: Any, user_id: int, unit_id: int, year: int, fmt: Any) -> tuple[Any, Any, Any] | None:
    """(record, report, stored final document) for a download; None when refused (logged)."""
    found = counties.report_of(store, store.get_user(user_id), unit_id, year)
    if found is None:
        return None
    unit, record = found
    if record is None or check_value("unit.name", unit.name, fmt) or check_values(store.answers(record.id), fmt):
        return record, None, None
    stored = store.document(record.id) if record.status == "final" else None
    return record, store.load_report(record.id), stored


async def _download(request: web.Request, kind: str) -> web.StreamResponse:
    state: WebState = request.app[STATE]
    auth = require(request)
    year = year_asked(state, request.query.get("year"))
    found = await state.db(_report, auth.user_id, _unit_id(request), year, state.engine.fmt)
    if found is None:
        raise web.HTTPForbidden(text="您无权查看该单位的报告。")
    record, report, stored = found
    if report is None:
        raise web.HTTPNotFound(text="该单位还没有这一年度的报告，或保存的数据无法显示。")
    if kind == "html":
        name, data, mime = html_filename(report), report_html(report).encode("utf-8"), "text/html; charset=utf-8"
    elif stored is not None:  # the approved file, byte for byte
        name, data, mime = stored.filename, stored.data, "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    else:
        render = state.engine.render_docx
        if render is None:
            raise web.HTTPServiceUnavailable(text="文档生成功能暂不可用。")
        data = await state.chat.run(lambda: render(report, DRAFT))  # off the event loop, outside the transaction
        name, mime = document_filename(report, DRAFT), "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    return web.Response(body=data, headers={"Content-Type": mime, "Content-Disposition": f"attachment; filename*=UTF-8''{quote(name)}"})


async def docx(request: web.Request) -> web.StreamResponse:
    return await _download(request, "docx")


async def html_version(request: web.Request) -> web.StreamResponse:
    return await _download(request, "html")


async def invite(request: web.Request) -> web.Response:
    """POST /county/unit/N/invite (role): a one-time link, shown with a copy button."""
    state: WebState = request.app[STATE]
    auth, form = await require_post(request)
    unit_id, role = _unit_id(request), str(form.get("role", ""))
    link, reason = await state.db(lambda store: counties.invite_link(store, state.engine, store.get_user(auth.user_id), unit_id, role))
    back = f"/county/unit/{unit_id}?year={year_asked(state, str(form.get('year', '')))}"
    html = pages.render("invited.html", state.settings.prefix, "邀请链接", csrf=auth.csrf, user=auth.login, nav=nav(state, auth),
                        scripts=("copy.js",), link=link, reason=reason, role=ROLE_LABELS.get(role, ""), back=back)
    return web.Response(text=html, content_type="text/html", status=403 if reason else 200)


async def revoke(request: web.Request) -> web.StreamResponse:
    state: WebState = request.app[STATE]
    auth, form = await require_post(request)
    unit_id, key = _unit_id(request), str(form.get("key", ""))
    reason = await state.db(lambda store: counties.revoke_invite(store, store.get_user(auth.user_id), unit_id, key))
    if reason:
        html = pages.render("message.html", state.settings.prefix, "无法撤销", csrf=auth.csrf, user=auth.login, nav=nav(state, auth),
                            text=reason, back=f"/county/unit/{unit_id}")
        return web.Response(text=html, content_type="text/html", status=403)
    raise web.HTTPFound(state.url(f"/county/unit/{unit_id}?year={year_asked(state, str(form.get('year', '')))}#members"))


# ---- the review: the chat's buttons, pressed ---------------------------------------------------------


def _token(store: Any, external_id: str) -> str:
    return str(store.conversation(store.user("web", external_id)).prompt_token or "")


async def _press(state: WebState, person: Person, action: str, label: str) -> list[dict[str, Any]]:
    """A button of the reviewer's current prompt (as /review shows it), pressed."""
    token = await state.db(_token, person.external_id)
    return await state.chat.send_locked(person, Input(kind="button", text=f"{token}:{action}"), label=label)


async def review(request: web.Request) -> web.Response:
    state: WebState = request.app[STATE]
    auth, form = await require_post(request)
    unit_id = _unit_id(request)
    year = year_asked(state, str(form.get("year", "")))

    def reviewable(store: Any) -> tuple[str, Any]:
        """('', the year's report) when the person reviews this unit; else why not (logged)."""
        reason = check(store, store.get_user(auth.user_id), store.unit(unit_id), "review")
        return reason, None if reason else store.report_for(unit_id, year, create=False)

    reason, record = await state.db(reviewable)
    if reason:
        html = pages.render("message.html", state.settings.prefix, "无权审核", csrf=auth.csrf, user=auth.login, nav=nav(state, auth),
                            text=reason, back=f"/county/unit/{unit_id}?year={year}")
        return web.Response(text=html, content_type="text/html", status=403)
    if record is None:
        raise web.HTTPNotFound(text="该单位还没有报告。")
    action = str(form.get("action", ""))
    person = person_of(state, auth)
    rid = record.id
    async with person.lock:
        new = await state.chat.send_locked(person, Input(kind="command", text="review"))
        if action == "comment":
            part = str(form.get("part", ""))
            text = str(form.get("text", "")).strip()
            if part not in {p.key for p in state.engine.script.parts} or not text:
                raise web.HTTPBadRequest(text="请选择部分并填写意见。")
            new += await _press(state, person, f"comment:{rid}", "添加意见")
            choose = next((b["data"] for m in new for line in m.get("buttons") or [] for b in line
                           if b["data"].endswith(f":cpart:{rid}:{part}")), None)
            if choose is not None:  # refused otherwise: the engine said why, and logged it
                new += await state.chat.send_locked(person, Input(kind="button", text=choose), label=part)
                new += await state.chat.send_locked(person, Input(kind="text", text=text))
        elif action in ("approve", "return"):
            new += await _press(state, person, f"{action}:{rid}", "审核通过" if action == "approve" else "退回修改")
        else:
            raise web.HTTPBadRequest(text="unknown action")
    now = await state.db(lambda store: store.report_record(rid))
    if action in ("approve", "return") and now is not None and now.status == record.status:  # not done: the engine said why
        said = [m["text"] for m in new if m.get("from") == "bot"][-1:]
        html = pages.render("message.html", state.settings.prefix, "未完成", csrf=auth.csrf, user=auth.login, nav=nav(state, auth),
                            text="\n".join(said) or "操作没有完成，请刷新后重试。", back=f"/county/unit/{unit_id}?year={year}")
        return web.Response(text=html, content_type="text/html", status=409)
    raise web.HTTPFound(state.url(f"/county/unit/{unit_id}?year={year}#review-form"))


def routes(app: web.Application) -> None:
    app.router.add_get("/county/unit/{unit}", unit_page)
    app.router.add_get("/county/unit/{unit}/docx", docx)
    app.router.add_get("/county/unit/{unit}/html", html_version)
    app.router.add_post("/county/unit/{unit}/invite", invite)
    app.router.add_post("/county/unit/{unit}/revoke", revoke)
    app.router.add_post("/county/unit/{unit}/review", review)
