"""The county view: the coordinator's dashboard as a sortable table, a unit's report read-only with
its findings, and the collection and nudges through the engine's own commands (/collect, /nudge).

Every unit named by a URL is checked with the chat's permission table (bot/access.py): a unit of
another county, or a stranger, is refused and the refusal logged.
"""

from __future__ import annotations

from html import escape
from typing import Any

from aiohttp import web

from bot.access import check
from bot.channels.web import grids, pages, profile, review
from bot.channels.web.api import FIRST_YEAR, content_type, nav, person_of, year_asked
from bot.channels.web.auth import require, require_post
from bot.channels.web.state import STATE, WebState
from bot.county.overview import STATUS_LABELS, county_status, short_name
from bot.interview.types import Input
from bot.limits import check_value, check_values
from bot.progress import default_year


def _dashboard(store: Any, state: WebState, user_id: int, wanted: str, year: int) -> tuple[str, list[Any], Any] | None:
    user = store.get_user(user_id)
    counties = store.coordinated_counties(user)
    if not counties:
        store.refuse(user, "county", "web:/county", "not a coordinator")
        return None
    county = next((c for c in counties if str(c.id) == wanted), counties[0])
    today = state.engine.today()
    rows = county_status(store, county, year, state.engine.fmt, state.engine.script, today)
    return f"{county.name}{year}年度", rows, counties


def _when(value: Any, state: WebState) -> tuple[str, str]:
    if value is None:
        return "—", ""
    local = value.astimezone(state.engine.zone)
    return f"{local:%m-%d %H:%M}", local.isoformat()


async def dashboard(request: web.Request) -> web.Response:
    state: WebState = request.app[STATE]
    auth = require(request)
    year = year_asked(state, request.query.get("year"))
    found = await state.db(_dashboard, state, auth.user_id, request.query.get("county", ""), year)
    prefix = state.settings.prefix
    if found is None:
        body = '<section class="card narrow"><h1>县级汇总</h1><p>此页面仅供县级协调人使用。协调人需由管理员或其他协调人邀请。</p></section>'
        return web.Response(text=pages.page(prefix, "县级汇总", body, csrf=auth.csrf, user=auth.login, nav=nav(state, auth)),
                            content_type="text/html", status=403)
    title, rows, counties = found
    table_rows = []
    for r in rows:
        when, when_key = _when(r.last_activity, state)
        link = f'<a href="{prefix}/county/unit/{r.unit.id}?year={year}">查看</a>'
        status = f"{r.label}（无法汇总：{r.problem}）" if r.problem else r.label
        table_rows.append([
            (str(r.unit.id), r.unit.id), (escape(r.name), r.name), (escape(status), r.status),
            (f"{r.done}/{r.parts}", r.done), (str(r.errors), r.errors), (when, when_key),
            (str(r.days_left), r.days_left), (link, ""),
        ])
    headers = [("编号", "num"), ("单位", "text"), ("状态", "text"), ("进度", "num"), ("错误", "num"), ("最后活动", "text"), ("剩余天数", "num"), ("", "text")]
    hidden = f'<input type="hidden" name="csrf" value="{escape(auth.csrf)}">'
    switch = "".join(f'<a href="{prefix}/county?county={c.id}&year={year}">{escape(c.name)}</a> ' for c in counties) if len(counties) > 1 else ""
    wanted = escape(request.query.get("county", ""))
    years = [y for y in (year - 1, year + 1) if FIRST_YEAR <= y <= default_year(state.engine.today())]
    switch += "".join(f'<a href="{prefix}/county?county={wanted}&year={y}" class="year">{y}年度</a> ' for y in years)
    body = (
        f'<section class="card wide"><h1>{escape(title)}</h1><p class="note">{switch}点表头排序。</p>'
        + pages.table(headers, table_rows, "dashboard")
        + f'<div class="actions"><form method="post" action="{prefix}/county/collect">{hidden}<button id="collect">下载定稿报告和汇总表（zip）</button></form>'
        f'<form method="post" action="{prefix}/county/nudge">{hidden}<button id="nudge" class="secondary">提醒落后的单位</button></form></div>'
        "</section>"
    )
    html = pages.page(prefix, "县级汇总", body, csrf=auth.csrf, scripts=("sort.js",), user=auth.login, nav=nav(state, auth))
    return web.Response(text=html, content_type="text/html")


def _unit_view(store: Any, state: WebState, user_id: int, unit_id: int, year: int) -> dict[str, Any] | None:
    user = store.get_user(user_id)
    unit = store.unit(unit_id)
    if check(store, user, unit, "read"):
        return None
    assert unit is not None
    record = store.report_for(unit.id, year, create=False)
    problem = check_value("unit.name", unit.name, state.engine.fmt) or (check_values(store.answers(record.id), state.engine.fmt) if record else None)
    if problem:  # stored past the limits (by hand, or an older release): said, not shown
        return {"unit": short_name(unit.name), "problem": problem.message}
    data = grids.state(store, user, state.engine.fmt, state.engine.script, record.id if record else None)
    return data | {"unit": unit.name, "reviewer": review.may_review(store, user_id, unit.id)}


def grid_html(layout: dict[str, Any], data: dict[str, Any]) -> str:
    """The three tables read-only, the cells named by findings or comments marked."""
    bad = {c for f in data.get("findings", []) if f["level"] == "error" and f["rule"] != "E-BLANK" for c in f["cells"]}
    noted = {c["target"] for c in data.get("comments", [])}
    values = data.get("values", {})
    out = []
    for key in grids.TABLES:
        grid = layout[key]
        out.append(f'<h2>{escape(grid["name"])}　{escape(grid["title"])}</h2><table class="grid readonly"><tbody>')
        columns = [c["label"] for c in grid.get("columns", [])]
        if columns:
            out.append("<tr><th></th>" + "".join(f"<th>{escape(label)}</th>" for label in columns) + "</tr>")
        block = None
        for row in grid["rows"]:
            labels = columns or list(row.get("header", [])[1:])
            if row.get("block") and row["block"] != block:
                block = row["block"]
                out.append(f'<tr class="block"><th>{escape(block)}</th>' + "".join(f"<th>{escape(h)}</th>" for h in labels) + "</tr>")
            cells = "".join(
                f'<td class="{"bad" if c["path"] in bad else ""}{" commented" if c["path"] in noted else ""}" data-path="{escape(c["path"])}"'
                f' data-part="{key}" data-label="{escape(row["label"])} {escape(labels[i] if i < len(labels) and c["path"].count(".") > 1 else "")}">'
                f'{escape(values.get(c["path"]) if values.get(c["path"]) is not None else "")}</td>'
                for i, c in enumerate(row["cells"])
            )
            out.append(f'<tr><th class="rowlabel depth{row.get("depth", 0)}">{escape(row["label"])}</th>{cells}</tr>')
        out.append("</tbody></table>")
    return "".join(out)


async def unit_page(request: web.Request) -> web.Response:
    state: WebState = request.app[STATE]
    auth = require(request)
    unit_id = request.match_info["unit"]
    year = year_asked(state, request.query.get("year"))
    found = await state.db(_unit_view, state, auth.user_id, int(unit_id), year) if unit_id.isdigit() and len(unit_id) < 12 else None
    prefix = state.settings.prefix
    if found is None:
        body = '<section class="card narrow"><h1>无权查看</h1><p>您无权查看该单位的报告。</p></section>'
        return web.Response(text=pages.page(prefix, "无权查看", body, user=auth.login, csrf=auth.csrf), content_type="text/html", status=403)
    if found.get("problem"):
        body = f'<section class="card"><h1>{escape(found["unit"])}</h1><p>保存的数据无法显示：{escape(found["problem"])}请该单位的填报人改正。</p></section>'
    elif found.get("report") is None:
        body = f'<section class="card"><h1>{escape(found["unit"])}</h1><p>该单位还没有开始填报{year}年度报告。</p></section>'
    else:
        shown = [f for f in found["findings"] if f["rule"] != "E-BLANK"]
        blanks = len(found["findings"]) - len(shown)
        findings = "".join(f'<li class="{escape(f["level"])}">{escape(f["message"])}</li>' for f in shown)
        findings += f'<li class="error">还有{blanks}个格子未填写。</li>' if blanks else ""
        comments = "".join(f'<li class="comment">审核意见：{escape(c["text"])}</li>' for c in found["comments"])
        body = (f'<section class="card wide"><h1>{escape(found["title"])}</h1><p>状态：{escape(STATUS_LABELS.get(found["status"], ""))}（只读）</p>'
                f'<ul class="findings">{findings or "<li>未发现表格问题。</li>"}{comments}</ul>'
                + (review.form_html(prefix, auth.csrf, int(unit_id), year, state.engine.script, found["status"]) if found["reviewer"] else "")
                + grid_html(grids.layout(state.engine.fmt), found) + "</section>")
    members = await state.db(profile.unit_members, auth.user_id, int(unit_id))  # its owner's and coordinators' only
    body += profile.members_html(prefix, auth.csrf, int(unit_id), members)
    html = pages.page(prefix, "单位报告", body, user=auth.login, csrf=auth.csrf, nav=nav(state, auth), scripts=("review.js",))
    return web.Response(text=html, content_type="text/html")


async def run_command(request: web.Request, command: str) -> web.StreamResponse:
    """The engine's command for this person; a document it sends is returned as the download."""
    state: WebState = request.app[STATE]
    auth, _ = await require_post(request)
    new = await state.chat.send(person_of(state, auth), Input(kind="command", text=command))
    doc = next((m["doc"] for m in new if m.get("doc")), None)
    if doc is not None:
        found = state.chat.document(auth.external_id, doc["id"])
        assert found is not None
        from urllib.parse import quote

        return web.Response(body=found[1], headers={"Content-Type": content_type(found[0]),
                                                    "Content-Disposition": f"attachment; filename*=UTF-8''{quote(found[0])}"})
    text = "\n".join(m["text"] for m in new if m["from"] == "bot")
    return web.Response(text=pages.message(state.settings.prefix, "结果", text, (state.url("/county"), "返回")), content_type="text/html")


async def collect(request: web.Request) -> web.StreamResponse:
    return await run_command(request, "collect")


async def nudge(request: web.Request) -> web.StreamResponse:
    return await run_command(request, "nudge")


def routes(app: web.Application) -> None:
    app.router.add_get("/county", dashboard)
    app.router.add_get("/county/unit/{unit}", unit_page)
    app.router.add_post("/county/collect", collect)
    app.router.add_post("/county/nudge", nudge)
    review.routes(app)
