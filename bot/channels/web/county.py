"""The county's desk on the web page: the dashboard (a sortable table), adding units by form (one, or many
pasted one a line), the year's zip and 汇总表.xlsx, nudges, and the clerk's 提交审核 and 年度 forms.

Every action is a use case of the conversation layer (bot/workplace/counties.py), the very functions the
chat's /addunit, /collect and /nudge call; each checks the person's right and logs a refusal (403 here).
A year selector (`?year=`, 2008 to the year being reported) is on every county page. The unit's page, its
documents and the review: review.py.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from aiohttp import web

from bot.channels.web import pages, review
from bot.channels.web.api import FIRST_YEAR, nav, person_of, year_asked
from bot.channels.web.auth import Auth, require, require_post
from bot.channels.web.state import STATE, WebState
from bot.core.progress import default_year
from bot.county.overview import county_status
from bot.interview.types import Input
from bot.workplace import counties

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def years(state: WebState) -> list[int]:
    """The years a county page offers, newest first."""
    return list(range(default_year(state.engine.today()), FIRST_YEAR - 1, -1))


def _county_id(value: Any) -> int | None:
    text = str(value or "")
    return int(text) if text.isdigit() and len(text) < 12 else None


def download(name: str, data: bytes, kind: str) -> web.Response:
    return web.Response(body=data, headers={"Content-Type": kind, "Content-Disposition": f"attachment; filename*=UTF-8''{quote(name)}"})


def refused(state: WebState, auth: Auth, text: str = "此页面仅供本县的协调人使用。协调人需由管理员或其他协调人邀请。") -> web.Response:
    html = pages.render("message.html", state.settings.prefix, "无权操作", csrf=auth.csrf, user=auth.login, nav=nav(state, auth),
                        text=text, back="")
    return web.Response(text=html, content_type="text/html", status=403)


def _dashboard(store: Any, state: WebState, user_id: int, county_id: int | None, year: int) -> dict[str, Any] | None:
    user = store.get_user(user_id)
    county = counties.county_of(store, user, county_id, "county")
    if county is None:
        return None
    today = state.engine.today()
    rows = county_status(store, county, year, state.engine.fmt, state.engine.script, today)
    table = []
    for r in rows:
        when = r.last_activity.astimezone(state.engine.zone) if r.last_activity else None
        table.append({"id": r.unit.id, "name": r.name, "status": f"{r.label}（无法汇总：{r.problem}）" if r.problem else r.label,
                      "status_key": r.status, "done": r.done, "parts": r.parts, "errors": r.errors,
                      "when": f"{when:%m-%d %H:%M}" if when else "—", "when_key": when.isoformat() if when else "",
                      "days": r.days_left, "behind": r.behind})
    return {"county": county, "counties": store.coordinated_counties(user), "rows": table, "levels": state.engine.fmt.levels}


async def dashboard(request: web.Request) -> web.Response:
    state: WebState = request.app[STATE]
    auth = require(request)
    year = year_asked(state, request.query.get("year"))
    found = await state.db(_dashboard, state, auth.user_id, _county_id(request.query.get("county")), year)
    if found is None:
        return refused(state, auth)
    html = pages.render("county.html", state.settings.prefix, "县级汇总", csrf=auth.csrf, user=auth.login, nav=nav(state, auth),
                        scripts=("sort.js",), year=year, years=years(state), **found)
    return web.Response(text=html, content_type="text/html")


async def add_units(request: web.Request) -> web.Response:
    """POST /county/units: names (one a line) and a level; the new units with their invitation links."""
    state: WebState = request.app[STATE]
    auth, form = await require_post(request)
    year = year_asked(state, str(form.get("year", "")))

    def add(store: Any) -> tuple[Any, counties.Added] | None:
        user = store.get_user(auth.user_id)
        county = counties.county_of(store, user, _county_id(form.get("county")), "addunit")
        if county is None:
            return None
        return county, counties.add_units(store, state.engine, user, county, str(form.get("names", ""))[:20000], str(form.get("level", "")))

    found = await state.db(add)
    if found is None:
        return refused(state, auth)
    county, added = found
    html = pages.render("added.html", state.settings.prefix, "添加单位", csrf=auth.csrf, user=auth.login, nav=nav(state, auth),
                        scripts=("copy.js",), county=county, added=added.units, problems=added.problem_lines(), year=year,
                        roles=review.ROLE_LABELS)
    return web.Response(text=html, content_type="text/html", status=200 if added.units or not added.problems else 400)


async def _for_county(state: WebState, auth: Any, county_param: Any, right: str, action: Any) -> Any:
    """A county use case, `action(store, person, county)`, in one transaction for the county the person
    coordinates (the one asked for, if they may); None when they may not (refused and logged)."""

    def run(store: Any) -> Any:
        user = store.get_user(auth.user_id)
        county = counties.county_of(store, user, _county_id(county_param), right)
        return None if county is None else action(store, user, county)

    return await state.db(run)


async def collect(request: web.Request) -> web.StreamResponse:
    """POST /county/collect: the chosen year's zip of final reports and 汇总表.xlsx, named with the year."""
    state: WebState = request.app[STATE]
    auth, form = await require_post(request)
    year = year_asked(state, str(form.get("year", "")))

    collected = await _for_county(state, auth, form.get("county"), "collect",
                                  lambda store, user, county: counties.collect(store, state.engine, user, county, year))
    if collected is None:
        return refused(state, auth)
    return download(collected.filename, collected.data, "application/zip")


async def summary(request: web.Request) -> web.StreamResponse:
    """GET /county/summary?year=: that year's 汇总表.xlsx alone."""
    state: WebState = request.app[STATE]
    auth = require(request)
    year = year_asked(state, request.query.get("year"))

    sheet = await _for_county(state, auth, request.query.get("county"), "collect",
                              lambda store, user, county: counties.summary_sheet(store, state.engine, user, county, year))
    if sheet is None:
        return refused(state, auth)
    return download(sheet[0], sheet[1], XLSX)


async def nudge(request: web.Request) -> web.Response:
    """POST /county/nudge: remind the units behind on the chosen year's report."""
    state: WebState = request.app[STATE]
    auth, form = await require_post(request)
    year = year_asked(state, str(form.get("year", "")))

    lines = await _for_county(state, auth, form.get("county"), "nudge",
                              lambda store, user, county: counties.nudge(store, state.engine, user, county, year))
    if lines is None:
        return refused(state, auth)
    html = pages.render("message.html", state.settings.prefix, f"提醒{year}年度落后的单位", csrf=auth.csrf, user=auth.login, nav=nav(state, auth),
                        text="\n".join(lines), back=f"/county?year={year}&county={_county_id(form.get('county')) or ''}")
    return web.Response(text=html, content_type="text/html")


# ---- the clerk's page: 提交审核 and the year, through the engine as the chat's own commands -------------


async def my_submit(request: web.Request) -> web.StreamResponse:
    state: WebState = request.app[STATE]
    auth, _ = await require_post(request)
    await state.chat.send(person_of(state, auth), Input(kind="command", text="submit"), label="提交审核")
    raise web.HTTPFound(state.url("/"))


async def my_year(request: web.Request) -> web.StreamResponse:
    """The report's year: /newyear YEAR (bot/interview/newyear.change_year): switch, relabel or make."""
    state: WebState = request.app[STATE]
    auth, form = await require_post(request)
    wanted = str(form.get("year", "")).strip()
    if not (wanted.isdigit() and len(wanted) == 4):
        raise web.HTTPBadRequest(text="请选择年度。")
    await state.chat.send(person_of(state, auth), Input(kind="command", text="newyear", args=wanted), label=f"切换到{wanted}年度")
    raise web.HTTPFound(state.url("/"))


def routes(app: web.Application) -> None:
    app.router.add_get("/county", dashboard)
    app.router.add_post("/county/units", add_units)
    app.router.add_post("/county/collect", collect)
    app.router.add_get("/county/summary", summary)
    app.router.add_post("/county/nudge", nudge)
    app.router.add_post("/my/submit", my_submit)
    app.router.add_post("/my/year", my_year)
    review.routes(app)
