"""Which county a person acts for: the operators (ADMIN_IDS) and the counties' coordinators."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, time

from bot.core.limits import unit_name_problem
from bot.county.collect import collect_zip, safe_name, summary_xlsx
from bot.county.overview import county_status
from bot.interview.context import Ctx, Host
from bot.storage.models import County, ReportRecord, Unit, User, id_of
from bot.storage.protocols import CountiesStore
from bot.workplace.access import check


def is_operator(ctx: Ctx) -> bool:
    return ctx.user.channel == "telegram" and ctx.user.external_id in ctx.engine.admin_ids


def current_county(ctx: Ctx, quiet: bool = False) -> County | None:
    """The county the coordinator acts for: the one chosen with /county, or their only one."""
    counties = ctx.store.coordinated_counties(ctx.user)
    chosen = next((c for c in counties if c.id == ctx.state.county), None)
    if chosen is None and len(counties) == 1:
        chosen = counties[0]
    if chosen is None and not quiet:
        if counties:
            ctx.say("您是多个县的协调人，请先选择：" + "、".join(f"/county {c.name}" for c in counties))
        else:
            ctx.store.refuse(ctx.user, "county", "", "not a coordinator")
            ctx.say("此命令仅供县级协调人使用。协调人需由管理员或其他协调人邀请。")
    return chosen


def county_for_deadline(ctx: Ctx, name: str) -> County | str | None:
    """The county a '/deadline 县名 日期' names, if this person may set its date: a coordinator of it, or an
    operator (who may also name a county known only from lone units' answers: returned as the name)."""
    mine = [c for c in ctx.store.coordinated_counties(ctx.user) if c.name == name]
    if mine:
        return mine[0]
    if is_operator(ctx):
        named = ctx.store.counties_named(name)
        return named[0] if len(named) == 1 else name
    ctx.store.refuse(ctx.user, "deadline", f"county:{name[:40]}", "not a coordinator of this county")
    return None


# ---- the county's desk: use cases the chat commands and the web page both call ---------------------
#
# Each takes the transaction's store, the engine (`Host`: format, script, clock, links, renderer) and the
# acting person; it checks the person's right (bot/workplace/access.py), logs a refusal, writes in the caller's one
# transaction and returns what happened. The chat's commands say it; the web page shows it.

MAX_UNITS_AT_ONCE = 200
UNIT_ROLES = ("clerk", "reviewer", "owner")


def county_of(store: CountiesStore, user: User, county_id: int | None, action: str) -> County | None:
    """The county the person coordinates (`county_id`, or their first); None, logged, when they coordinate none
    or not that one."""
    counties = store.coordinated_counties(user)
    chosen = next((c for c in counties if c.id == county_id), None) if county_id else (counties[0] if counties else None)
    if chosen is None:
        store.refuse(user, action, f"county:{county_id or ''}", "not a coordinator of this county")
    return chosen


@dataclass
class AddedUnit:
    unit: Unit
    links: dict[str, str]  # role → its one-time invitation link


@dataclass
class Added:
    units: list[AddedUnit] = field(default_factory=list)
    problems: list[tuple[str, str]] = field(default_factory=list)  # (name, why not added, in Chinese)

    def problem_lines(self) -> list[str]:
        return [f"“{name[:40]}”：{why}" if name else why for name, why in self.problems]


def add_units(store: CountiesStore, host: Host, user: User, county: County, text: str, level: str = "township") -> Added:
    """One unit or many (one name a line): each name checked once (`unit_name_problem`), a name the county
    already has (or the list repeats) not added again; each new unit gets a 填报人 and a 审核人 invitation."""
    result = Added()
    if not store.coordinates(user, county.id):
        store.refuse(user, "addunit", f"county:{county.id}", "not a coordinator of this county")
        result.problems.append(("", "只有本县的协调人可以添加单位。"))
        return result
    if level not in host.fmt.levels:
        level = "township"
    names = [line.strip() for line in text.splitlines() if line.strip()]
    if len(names) > MAX_UNITS_AT_ONCE:
        result.problems.append(("", f"一次最多添加{MAX_UNITS_AT_ONCE}个单位，请分批粘贴。"))
        return result
    known = {u.name for u in store.county_units(id_of(county))}
    for name in names:
        problem = unit_name_problem(name)
        if problem:
            result.problems.append((name, problem))
            continue
        if name in known:
            result.problems.append((name, f"{county.name}已有这个单位。"))
            continue
        known.add(name)
        unit = store.create_unit(None, name, level, county)
        links = {role: host.invite_link(store.create_invite(unit.id, user, role).token) for role in ("clerk", "reviewer")}
        result.units.append(AddedUnit(unit, links))
    if not names:
        result.problems.append(("", "请填写单位全称，每行一个。"))
    return result


def invite_link(store: CountiesStore, host: Host, user: User, unit_id: int, role: str) -> tuple[str, str]:
    """(link, '') for an invitation to the unit in that role; ('', reason) when refused (logged)."""
    unit = store.unit(unit_id)
    if role not in UNIT_ROLES:
        store.refuse(user, "invite", f"unit:{unit_id}", f"unknown role {role[:20]}")
        return "", "没有这个角色。"
    reason = check(store, user, unit, f"invite:{role}")
    if reason:
        return "", reason
    return host.invite_link(store.create_invite(unit_id, user, role).token), ""


def revoke_invite(store: CountiesStore, user: User, unit_id: int, key: str) -> str:
    """'' when the unit's open invitation (named by the start of its stored key) is revoked; else why not."""
    unit = store.unit(unit_id)
    reason = check(store, user, unit, "manage")
    if reason:
        return reason
    invite = store.invite_by_prefix(key) if len(key) == 12 and key.isalnum() else None
    if invite is None or invite.unit_id != unit_id:
        store.refuse(user, "revoke", f"unit:{unit_id}", "no such invite of this unit")
        return "没有找到这个邀请。"
    invite.revoked = True
    store.save(invite)
    return ""


def report_of(store: CountiesStore, user: User, unit_id: int, year: int) -> tuple[Unit, ReportRecord | None] | None:
    """The unit and its report of `year` (None when not started) if the person may read it; None, logged, if not."""
    unit = store.unit(unit_id)
    if check(store, user, unit, "read"):
        return None
    assert unit is not None
    return unit, store.report_for(unit_id, year, create=False)


@dataclass
class Collected:
    filename: str
    data: bytes
    count: int  # final reports in the zip
    pending: int  # units not final, only in the sheet
    broken: list[str]  # units whose stored data cannot be summed, with why

    def text(self, county: County, year: int) -> str:
        return (f"{county.name}{year}年度：{self.count}份定稿报告和汇总表。"
                + (f"另有{self.pending}个单位尚未定稿，只列在汇总表中。" if self.pending else "全部单位均已定稿。")
                + ("\n以下单位保存的数据无法汇总（汇总表“说明”一栏写明了原因），请其填报人改正：\n" + "\n".join(self.broken[:20])
                   if self.broken else ""))


def collect(store: CountiesStore, host: Host, user: User, county: County, year: int) -> Collected | None:
    """The zip of the year's final reports and its 汇总表.xlsx (both named with the year); None, logged, when
    the person does not coordinate the county or no renderer is configured."""
    if not store.coordinates(user, county.id):
        store.refuse(user, "collect", f"county:{county.id}", "not a coordinator of this county")
        return None
    render = host.render_docx
    if render is None:
        return None
    today = host.today()
    rows = county_status(store, county, year, host.fmt, host.script, today)
    filename, data, count = collect_zip(store, county, year, rows, host.fmt, host.zone, lambda r: render(r, "定稿"), today)
    broken = [f"· #{r.unit.id} {r.name}：{r.problem}" for r in rows if r.problem]
    return Collected(filename, data, count, len(rows) - count, broken)


def summary_sheet(store: CountiesStore, host: Host, user: User, county: County, year: int) -> tuple[str, bytes] | None:
    """The year's 汇总表.xlsx alone, named with the county and the year."""
    if not store.coordinates(user, county.id):
        store.refuse(user, "collect", f"county:{county.id}", "not a coordinator of this county")
        return None
    rows = county_status(store, county, year, host.fmt, host.script, host.today())
    return f"{safe_name(county.name)}{year}年度汇总表.xlsx", summary_xlsx(county, year, rows, host.fmt, host.zone)


def nudge(store: CountiesStore, host: Host, user: User, county: County, year: int) -> list[str]:
    """Remind the filling members of the units behind on `year`'s report, a unit at most once a day; what
    was done, as lines to show."""
    if not store.coordinates(user, county.id):
        store.refuse(user, "nudge", f"county:{county.id}", "not a coordinator of this county")
        return ["只有本县的协调人可以提醒。"]
    today = host.today()
    rows = [r for r in county_status(store, county, year, host.fmt, host.script, today) if r.behind]
    if not rows:
        return ["没有落后的单位：各单位都已提交审核或定稿。"]
    midnight = datetime.combine(today, time(0), host.zone).astimezone(UTC)
    already = store.reports_notified([r.record.id for r in rows if r.record is not None], "nudge", since=midnight)
    nudged = people = 0
    skipped, empty = [], []
    for row in rows:
        fill = [u for m, u in store.members(id_of(row.unit)) if m.role in ("owner", "clerk")]
        if not fill or row.record is None:
            empty.append(f"#{row.unit.id} {row.unit.name}（{'还没有人加入' if not fill else f'{year}年度还没有报告'}）")
            continue
        if row.record.id in already:
            skipped.append(row.unit.name)
            continue
        days = f"还有{row.days_left}天截止（{row.deadline.month}月{row.deadline.day}日）" if row.days_left >= 0 else f"已逾期{-row.days_left}天"
        text = (f"【{county.name}政务公开办提醒】{row.unit.name}{year}年度政府信息公开工作年度报告"
                f"目前{row.label}，已完成{row.done}/{row.parts}部分，{days}。请尽快完成并提交审核。")
        sent = store.notify(fill, text, "nudge", row.record.id)
        if sent:
            nudged, people = nudged + 1, people + sent
        else:
            empty.append(f"#{row.unit.id} {row.unit.name}（成员已屏蔽机器人或不在Telegram上）")
    lines = [f"已提醒{nudged}个落后单位（{people}人），消息将在一分钟内陆续发出。"]
    if skipped:
        lines.append(f"今天已提醒过、不再重复：{'、'.join(skipped[:20])}{'等' if len(skipped) > 20 else ''}。")
    if empty:
        lines.append(f"无法提醒：{'、'.join(empty[:20])}。可在单位页面重新生成邀请链接。")
    return lines
