"""The county coordinator (县政务公开办) in the chat: counties, units, invites, /dashboard, /nudge,
/collect, and a read-only look at any unit's report of the county with the checker run on it.

Operators (ADMIN_IDS) create counties and invite their first coordinator. A coordinator reads, never
edits; every unit named by a command or a button is checked to be in one of their counties.
"""

from __future__ import annotations

from typing import cast

from bot.core.limits import check_value, check_values
from bot.core.progress import STATUS_TEXT, check_report, default_year
from bot.county.overview import county_status, dashboard_text, short_name
from bot.interview.context import Ctx, Host
from bot.interview.show import deadline_of, findings_text, preview
from bot.interview.types import Button
from bot.render import DRAFT, document_filename
from bot.storage.models import ReportRecord, Unit, id_of
from bot.storage.repository import Store
from bot.workplace.access import access, entity_id
from bot.workplace.counties import add_units, collect, current_county, is_operator, nudge, report_of
from bot.workplace.history import cmd_history, history_text
from bot.workplace.people import cmd_members, invite_to
from bot.workplace.review import comment_lines, open_comments

MAX_UNIT_BUTTONS = 30


def cmd_county(ctx: Ctx, args: str) -> None:
    """Operator: /county 县名 [省 市] creates a county and a coordinator invite. Coordinator: switch county."""
    parts = args.split()
    mine = ctx.store.coordinated_counties(ctx.user)
    if parts and any(c.name == parts[0] for c in mine) and len(parts) == 1:
        county = next(c for c in mine if c.name == parts[0])
        ctx.state.county = county.id
        ctx.say(f"已切换到{county.name}。\n{ctx.engine.help_for('coordinator')}")
        return
    if not is_operator(ctx):
        if mine and not parts:
            ctx.say("您协调的县：" + "、".join(c.name for c in mine) + "。切换请发送 /county 县名。")
            return
        ctx.store.refuse(ctx.user, "county", args[:40], "not an operator")
        ctx.say("只有管理员可以创建县。")
        return
    if not parts or len(parts[0]) > 32 or len(parts) > 3:
        ctx.say("用法：/county 县名 [省 市]，例如：/county 阳城县 山西省 晋城市")
        return
    name, province, city = (parts + ["", ""])[:3]
    county = next(
        (c for c in ctx.store.counties_named(name) if c.province == province and c.city == city), None
    ) or ctx.store.create_county(name, province, city, ctx.user)
    invite = ctx.store.create_invite(None, ctx.user, "coordinator", county_id=county.id)
    ctx.say(
        f"{county.name}（编号{county.id}）。请把下面的链接发给县政务公开办的协调人，7天内有效，只能使用一次：\n"
        f"{ctx.engine.invite_link(invite.token)}"
    )


def cmd_addunit(ctx: Ctx, args: str) -> None:
    """/addunit 名称 [部门]: one unit, through the use case the web page's form calls too."""
    county = current_county(ctx)
    if county is None:
        return
    parts = args.split()
    level = "township"
    if parts and parts[-1] in ("部门", "县级部门"):
        level = "county_department"
        parts = parts[:-1]
    name = "".join(parts)
    if not name:
        ctx.say("用法：/addunit 单位全称，例如：/addunit 次营镇人民政府；县级部门：/addunit 阳城县教育局 部门")
        return
    added = add_units(ctx.store, ctx.engine, ctx.user, county, name, level)
    if not added.units:
        _, problem = added.problems[0]
        if name in {u.name for u in ctx.store.county_units(id_of(county))}:
            problem = f"{county.name}已有“{name}”。发送 /dashboard 查看编号，/open 编号 可重新生成邀请链接。"
        ctx.say(problem)
        return
    new = added.units[0]
    ctx.say(
        f"已添加“{name}”（编号{new.unit.id}）。请把链接分别发给该单位的填报人和审核人（7天内有效，各用一次）：\n"
        f"填报人：{new.links['clerk']}\n审核人：{new.links['reviewer']}"
    )


def _year(ctx: Ctx, args: str) -> int | None:
    """The report year a command names ('/collect 2025'), else the year being reported; None (said why) for a
    year no report can have."""
    current = default_year(ctx.engine.today())
    text = args.strip().removesuffix("年度").removesuffix("年")
    if not text:
        return current
    if text.isdigit() and len(text) == 4 and 2008 <= int(text) <= current:
        return int(text)
    ctx.say(f"年度应在2008至{current}之间，例如：2025。")
    return None


def cmd_dashboard(ctx: Ctx, args: str) -> None:
    county = current_county(ctx)
    if county is None:
        return
    today = ctx.engine.today()
    year = int(args) if args.strip().isdigit() and len(args.strip()) == 4 else default_year(today)
    rows = county_status(ctx.store, county, year, ctx.fmt, ctx.script, today)
    ctx.new_buttons()
    buttons = []
    if len(rows) <= MAX_UNIT_BUTTONS:
        pairs = [ctx.button(f"查看 {r.unit.name[:10]}", f"open:{r.unit.id}") for r in rows]
        buttons = [pairs[i : i + 2] for i in range(0, len(pairs), 2)]
    ctx.say(dashboard_text(county, year, rows, today, ctx.engine.zone), buttons)


def cmd_nudge(ctx: Ctx, args: str = "") -> None:
    """Remind the units that are behind (on the year named, else the year being reported); a unit once a day."""
    county = current_county(ctx)
    year = _year(ctx, args) if county is not None else None
    if county is not None and year is not None:
        ctx.say("\n".join(nudge(ctx.store, ctx.engine, ctx.user, county, year)).replace("可在单位页面重新生成邀请链接", "发送 /open 编号 可重新生成邀请链接"))


def cmd_collect(ctx: Ctx, args: str = "") -> None:
    """/collect [年度]: the zip of that year's final reports and its 汇总表 (the year being reported by default)."""
    county = current_county(ctx)
    year = _year(ctx, args) if county is not None else None
    if county is None or year is None:
        return
    collected = collect(ctx.store, ctx.engine, ctx.user, county, year)
    if collected is None:
        ctx.say("文档生成功能暂不可用。")
        return
    ctx.say(collected.text(county, year), document=(collected.filename, collected.data))


# ---- one unit, read-only ----------------------------------------------------------------------------


def _unit(ctx: Ctx, arg: str) -> Unit | None:
    """The unit a command or button names, if the person may read it; otherwise refused and logged."""
    unit_id = entity_id(arg)
    if unit_id is None:
        ctx.say("请写出单位编号（数字），例如：/open 12（编号见 /dashboard）。")
        return None
    unit = ctx.store.unit(unit_id)
    if not ctx.allowed(unit, "read"):
        return None
    return unit


def _this_year(ctx: Ctx, unit: Unit) -> ReportRecord | None:
    """The unit's report of the year being reported, if one has been started."""
    return ctx.store.report_for(id_of(unit), default_year(ctx.engine.today()), create=False)


def open_unit(ctx: Ctx, arg: str) -> None:
    """A unit's report, read-only: status, progress, the checker's findings, open comments. `/open 12 2025`: that
    year's (the year being reported by default)."""
    unit_arg, _, year_arg = arg.strip().partition(" ")
    year = _year(ctx, year_arg)
    unit = _unit(ctx, unit_arg) if year is not None else None
    if unit is None or year is None:
        return
    found = report_of(ctx.store, ctx.user, id_of(unit), year)
    record = found[1] if found else None
    ctx.new_buttons()
    buttons = []
    if access(ctx.store, ctx.user, unit).role == "coordinator":  # may invite both roles (bot/workplace/access.py)
        buttons.append([ctx.button("邀请填报人", f"cinv:{unit.id}:clerk"), ctx.button("邀请审核人", f"cinv:{unit.id}:reviewer")])
    if record is None:
        joined = len(ctx.store.members(id_of(unit)))
        ctx.say(f"#{unit.id} {short_name(unit.name)}：{year}年度报告还没有开始（{joined}人已加入）。", buttons)
        return
    if _unreadable(ctx, unit, record, buttons):
        return
    report = ctx.store.load_report(id_of(record))
    result = check_report(report, ctx.store.previous_report(record), today=ctx.engine.today(), deadline=deadline_of(report))
    errors, warnings = result.errors, result.warnings
    lines = [f"#{unit.id} {report.title()}（只读）", f"状态：{STATUS_TEXT[record.status]}。{result.line()}"]
    if errors:
        lines.append(findings_text("错误：", errors, 15))
    if warnings:
        lines.append(findings_text("提醒：", warnings, 10))
    lines += comment_lines(ctx, open_comments(ctx, record))
    buttons.insert(0, [ctx.button("查看表格", f"cview:{unit.id}"), ctx.button("下载Word", f"cdocx:{unit.id}")])
    buttons.insert(1, [ctx.button("修改记录", f"chist:{unit.id}"), ctx.button("成员", f"cmembers:{unit.id}")])
    ctx.say("\n".join(lines), buttons)


def _unreadable(ctx: Ctx, unit: Unit, record: ReportRecord, buttons: list[list[Button]] | None = None) -> bool:
    """True, having said why, when the unit's stored values are outside the limits (`bot/core/limits.py`):
    written by hand or by an older release, they cannot be shown, checked or rendered."""
    problem = check_value("unit.name", unit.name, ctx.fmt) or check_values(ctx.store.answers(id_of(record)), ctx.fmt)
    if problem:
        ctx.say(f"#{unit.id} {short_name(unit.name)}：保存的数据无法显示（{problem.message}）请该单位的填报人改正。", buttons)
    return problem is not None


def view_unit(ctx: Ctx, arg: str) -> None:
    unit = _unit(ctx, arg)
    if unit is None:
        return
    record = _this_year(ctx, unit)
    if record is None:
        ctx.say("该单位还没有报告。")
    elif not _unreadable(ctx, unit, record):
        ctx.say(preview(ctx.store.load_report(id_of(record))))


def docx_of_unit(ctx: Ctx, arg: str) -> None:
    """The stored final document if there is one; otherwise a draft rendered now (marked 草稿)."""
    unit = _unit(ctx, arg)
    if unit is None:
        return
    record = _this_year(ctx, unit)
    if record is None:
        ctx.say("该单位还没有报告。")
        return
    stored = ctx.store.document(id_of(record)) if record.status == "final" else None
    if stored is not None:
        ctx.say("定稿文档：", document=(stored.filename, stored.data))
        return
    if ctx.engine.render_docx is None:
        ctx.say("文档生成功能暂不可用。")
        return
    if _unreadable(ctx, unit, record):
        return
    report = ctx.store.load_report(id_of(record))
    ctx.say("草稿（未定稿，仅供查看）：", document=(document_filename(report, DRAFT), ctx.engine.render_docx(report, DRAFT)))


def history_of_unit(ctx: Ctx, arg: str) -> None:
    cmd_history(ctx, arg)


def members_of_unit(ctx: Ctx, arg: str) -> None:
    unit = _unit(ctx, arg)
    if unit is not None:
        cmd_members(ctx, unit.id)


def invite_for_unit(ctx: Ctx, arg: str) -> None:
    unit_arg, _, role = arg.partition(":")
    if role not in ("clerk", "reviewer"):
        ctx.refused_button(arg)
        return
    unit = _unit(ctx, unit_arg)
    if unit is not None:
        invite_to(ctx, unit, role)


def report_history(store: Store, host: Host, report_id: int, limit: int = 30) -> str:
    """A report's recent changes as /history shows them, for a page that has no conversation (the web's unit page;
    the caller has checked the person may read the unit)."""
    from types import SimpleNamespace

    return history_text(cast(Ctx, SimpleNamespace(store=store, fmt=host.fmt, engine=host)), report_id, limit)
