"""/newyear: the clerk asks for the next year's report of the current unit. Only then is one made, and it
starts from the year before: 上年结转 from its 结转下年度, the unit's details, the section-六 profile.

`change_year` (`/newyear 2025`, and the web page's 年度 form): the report of that year, switched to when the
unit has one, the current one relabelled when nothing of it is filled yet, else made as /newyear makes it."""

from __future__ import annotations

from bot.core.progress import is_content
from bot.interview.context import Ctx
from bot.interview.moves import Move, goto, resume
from bot.interview.unitsteps import set_year
from bot.interview.uploads import carried, prefill_values
from bot.storage.models import id_of
from bot.workplace.people import unit_report


def cmd_newyear(ctx: Ctx, args: str) -> Move | None:
    record = ctx.record
    unit = ctx.unit()
    if record is None or unit is None:
        ctx.say("还没有单位。请先发送 /start 填写单位信息。")
        return None
    newest = unit_report(ctx, id_of(unit), create=False)
    last = max(r.year for r in ctx.store.unit_reports(id_of(unit)))
    wanted = args.strip().removesuffix("年度").removesuffix("年")
    year = int(wanted) if wanted.isdigit() else last + 1
    today = ctx.engine.today()
    if year > today.year or year < ctx.fmt.first_year:
        ctx.say(f"不能新建{year}年度的报告：年度应在{ctx.fmt.first_year}至{today.year}之间。用法：/newyear 或 /newyear 2026")
        return None
    existing = ctx.store.report_for(id_of(unit), year, create=False)
    if existing is not None and wanted.isdigit():
        return change_year(ctx, year)
    if existing is not None:
        ctx.say(f"“{unit.name}”已有{year}年度的报告。发送 /units 可以切换。")
        return None
    if wanted.isdigit() and not _filled(ctx):
        return change_year(ctx, year)
    source = ctx.store.report_for(id_of(unit), year - 1, create=False) or newest
    new = ctx.store.report_for(id_of(unit), year)
    assert new is not None and source is not None
    new.profile = source.profile
    ctx.store.save(new)
    previous = ctx.store.load_report(id_of(source))
    switch_to_report(ctx, id_of(new))
    filled = prefill_values(ctx, previous) if source.year == year - 1 else {}
    filled.update({"unit.name": unit.name, "unit.level": unit.level, "meta.profile": source.profile})
    ctx.save(filled, action="prefill")
    lines = [f"已新建“{unit.name}”{year}年度报告。"]
    if source.year == year - 1:
        lines.append(f"已从{source.year}年度报告预填：单位信息、第六部分格式，表三“上年结转”{carried(ctx, filled)}件。")
    lines.append(f"{source.year}年度的报告保持不变，发送 /units 可以切换回去。")
    return goto(ctx.script.first_step("table2").id, "\n".join(lines))


def switch_to_report(ctx: Ctx, report_id: int) -> None:
    """Put this report in the conversation, keeping the place of the one left."""
    if ctx.conv.report_id and ctx.conv.step:
        ctx.state.positions[str(ctx.conv.report_id)] = ctx.conv.step
    ctx.conv.report_id = report_id
    ctx.conv.step = ""
    ctx.state.sub, ctx.state.history = None, []
    ctx.reset_answers()


def _filled(ctx: Ctx) -> bool:
    """Whether the conversation's report holds anything of the report itself beyond the unit's details."""
    return any(is_content(k) and not k.startswith("unit.") and v not in (None, "") for k, v in ctx.answers().items())


def change_year(ctx: Ctx, year: int) -> Move | None:
    """The report of `year` for the conversation's unit: switched to when the unit has one; the current report
    relabelled (`unitsteps.set_year`) when nothing of it is filled yet. Said why not, otherwise."""
    record, unit = ctx.record, ctx.unit()
    if record is None or unit is None:
        ctx.say("还没有单位。请先发送 /start 填写单位信息。")
        return None
    if record.year == year:
        ctx.say(f"当前已是{year}年度的报告。")
        return None
    existing = ctx.store.report_for(id_of(unit), year, create=False)
    if existing is not None:
        switch_to_report(ctx, id_of(existing))
        ctx.conv.step = ctx.state.positions.pop(str(existing.id), "")
        return resume(f"已切换到“{unit.name}”{year}年度报告。{record.year}年度的报告保持不变。")
    if _filled(ctx):
        ctx.say(f"当前{record.year}年度的报告已有填写内容，不能直接改年度。发送 /newyear {year} 新建{year}年度的报告。")
        return None
    return resume(set_year(ctx, year))
