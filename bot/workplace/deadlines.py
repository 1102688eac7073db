"""/deadline and /remind: when a report is due (the unit's, the county's, the law's), and whether to be reminded."""

from __future__ import annotations

from datetime import date

from bot.core.progress import default_year
from bot.interview.context import Ctx
from bot.reminders.schedule import deadline_for, set_deadline
from bot.workplace.counties import county_for_deadline, current_county


def cmd_remind(ctx: Ctx, args: str) -> None:
    arg = args.strip().lower()
    if arg in ("off", "关", "关闭"):
        ctx.user.reminders_on = False
    elif arg in ("on", "开", "开启"):
        ctx.user.reminders_on = True
    elif arg:
        ctx.say("用法：/remind off 关闭截止日期提醒，/remind on 重新开启。")
        return
    ctx.store.save(ctx.user)
    ctx.say("截止日期提醒：" + ("已开启。" if ctx.user.reminders_on else "已关闭。发送 /remind on 可重新开启。"))


def cmd_deadline(ctx: Ctx, args: str) -> None:
    """/deadline shows it; /deadline YYYY-MM-DD sets the unit's; a coordinator or operator sets a
    county's: /deadline 县名 YYYY-MM-DD."""
    parts = args.split()
    record = ctx.record
    year = record.year if record else default_year(ctx.engine.today())
    due = None
    if parts:
        try:
            due = date.fromisoformat(parts[-1])
        except ValueError:
            ctx.say("日期应写成 YYYY-MM-DD，例如：/deadline 2027-01-20")
            return
        if not (date(year, 12, 1) <= due <= date(year + 1, 12, 31)):
            ctx.say(f"{year}年度报告的截止日期应在{year}年12月至{year + 1}年之间。")
            return
    if len(parts) == 2 and due is not None:
        county = county_for_deadline(ctx, parts[0])
        if county is None:
            ctx.say("只有该县的协调人或管理员可以设定全县的截止日期。")
            return
        key = county if isinstance(county, str) else str(county.id)
        set_deadline(ctx.store, "county", key, year, due, ctx.user)
        ctx.say(f"已设定{parts[0]}{year}年度报告的截止日期：{due.isoformat()}。")
        return
    if record is None:
        ctx.say("请先填写单位信息。" if not current_county(ctx, quiet=True) else "设定全县截止日期：/deadline 县名 YYYY-MM-DD")
        return
    unit = ctx.store.unit(record.unit_id)
    assert unit is not None
    if due is not None:
        if not ctx.may("edit"):
            ctx.refuse("edit")
            return
        set_deadline(ctx.store, "unit", str(unit.id), record.year, due, ctx.user)
    deadline, whose = deadline_for(ctx.store, record, unit)
    ctx.say(f"{record.year}年度报告的截止日期：{deadline.isoformat()}（{whose}）。将在截止前30、14、7、3、1天和当天的工作日上午9点提醒。")
