"""People and units in the chat: joining by invitation, inviting, members, leaving, switching units.
(A unit's change history: bot/workplace/history.py.)

Only an invitation lets someone into a unit or a county; there is no joining by name. Every button that
names a member, an invite or a unit is checked against the presser's role when pressed.
"""

from __future__ import annotations

from datetime import UTC
from typing import Any

from bot.core.progress import STATUS_TEXT, UNIT_CARD, default_year
from bot.interview.context import Ctx
from bot.interview.moves import Move, again, goto, resume
from bot.interview.state import ConvState
from bot.storage.models import Member, ReportRecord, Unit, id_of
from bot.storage.people import NewInvite
from bot.workplace.access import ROLE_NAMES, access, entity_id
from bot.workplace.counties import current_county
from bot.workplace.review import home as review_home

INVITE_ROLES = {"填报人": "clerk", "clerk": "clerk", "审核": "reviewer", "审核人": "reviewer", "reviewer": "reviewer",
                "负责人": "owner", "owner": "owner", "协调人": "coordinator", "coordinator": "coordinator"}


# ---- joining --------------------------------------------------------------------------------------


def join(ctx: Ctx, token: str) -> Move | None:
    """/start TOKEN. None when the token was no good (the caller goes on as with a plain /start)."""
    invite, reason = ctx.store.redeem_invite(token.strip(), ctx.user)
    if invite is None:
        ctx.store.refuse(ctx.user, "join", "invite", reason)
        ctx.say(reason)
        return None
    if invite.county_id is not None:
        county = ctx.store.county(invite.county_id)
        ctx.state.county = invite.county_id
        ctx.say(f"您已成为{county.name if county else ''}的协调人（县政务公开办）。\n{ctx.engine.help_for('coordinator')}")
        return Move()
    assert invite.unit_id is not None, "an invite names a county or a unit"
    unit = ctx.store.unit(invite.unit_id)
    assert unit is not None
    role = ctx.store.role(ctx.user, id_of(unit))  # may be stronger than the invite's
    switch_to(ctx, unit)
    if role == "reviewer":
        review_home(ctx, preface=f"您已加入“{unit.name}”，担任审核人。报告提交审核后会通知您。")
        return Move()
    fill_unit_card(ctx, unit)
    if ctx.conv.step:
        return again(f"您已加入“{unit.name}”（{ROLE_NAMES.get(role or '', '')}），继续填写：")
    record = ctx.record
    joined = f"您已加入“{unit.name}”（{ROLE_NAMES.get(role or '', '')}），"
    return goto(ctx.script.first_step("table2").id, f"{joined}一起填写{record.year if record else ''}年度报告。")


def fill_unit_card(ctx: Ctx, unit: Unit) -> None:
    """An invited clerk's report gets the unit's details the county (or the unit's creator) gave — name,
    level, province, city, county — where it has none yet: 单位信息 is then done, as for the clerk who
    typed them (and can be changed from /menu like any answer)."""
    if ctx.conv.report_id is None or not unit.name:
        return
    answers = ctx.answers()
    given = dict(zip(UNIT_CARD, (unit.name, unit.level, unit.province, unit.city, unit.county), strict=True))
    missing = {key: value for key, value in given.items() if value and not answers.get(key)}
    if missing:
        ctx.save(missing, action="join")


def _remember_place(ctx: Ctx) -> dict[str, str]:
    """Keep the question the conversation's report stands at, for coming back to it; the places kept."""
    positions = ctx.state.positions
    if ctx.conv.report_id and ctx.conv.step:
        positions[str(ctx.conv.report_id)] = ctx.conv.step
    while len(positions) > 20:
        positions.pop(next(iter(positions)))
    return positions


def unit_report(ctx: Ctx, unit_id: int, create: bool = True) -> ReportRecord | None:
    """The unit's report in progress: the one this person last left, else its newest year; a report is
    made (for the year being reported) only for a unit that has none. A new year is asked for (/newyear)."""
    reports = ctx.store.unit_reports(unit_id)
    left = [int(k) for k in ctx.state.positions if int(k) in {r.id for r in reports}]
    if left:
        return next(r for r in reports if r.id == left[-1])
    if reports:
        return reports[0]
    return ctx.store.report_for(unit_id, default_year(ctx.engine.today())) if create else None


def switch_to(ctx: Ctx, unit: Unit) -> None:
    """Make this unit's report in progress the one in the conversation, keeping each report's place."""
    positions = _remember_place(ctx)
    record = unit_report(ctx, id_of(unit))
    assert record is not None
    ctx.conv.report_id = record.id
    ctx.reset_answers()
    ctx.conv.step = positions.pop(str(record.id), "")
    ctx.state.sub = None
    ctx.state.history = []


# ---- inviting -------------------------------------------------------------------------------------


def cmd_invite(ctx: Ctx, args: str) -> None:
    """/invite [填报人|审核人|负责人|协调人]: a link for the current unit (or, 协调人, the current county)."""
    role = INVITE_ROLES.get(args.strip() or "填报人")
    if role is None:
        ctx.say("用法：/invite 填报人、/invite 审核人 或 /invite 负责人（协调人可用 /invite 协调人）。")
        return
    if role == "coordinator":
        county = current_county(ctx)
        if county is None:
            return
        invite = ctx.store.create_invite(None, ctx.user, "coordinator", county_id=county.id)
        ctx.say(_invite_text(ctx, invite, f"{county.name}协调人"))
        return
    record = ctx.record
    if record is None:
        ctx.say("请先创建单位（回答单位名称）后再邀请同事。")
        return
    invite_to(ctx, ctx.store.unit(record.unit_id), role)


def invite_to(ctx: Ctx, unit: Unit | None, role: str) -> None:
    if not ctx.allowed(unit, f"invite:{role}"):
        return
    assert unit is not None
    invite = ctx.store.create_invite(unit.id, ctx.user, role)
    ctx.say(_invite_text(ctx, invite, f"“{unit.name}”的{ROLE_NAMES[role]}"))


def _invite_text(ctx: Ctx, invite: NewInvite, what: str) -> str:
    return (
        f"请把下面的链接发给{what}，7天内有效，只能使用一次：\n{ctx.engine.invite_link(invite.token)}\n"
        "对方点开链接（或在对话中发送上面的 /start 命令）即可加入。发送 /members 可查看和撤销未使用的邀请。"
    )


# ---- members --------------------------------------------------------------------------------------


def cmd_members(ctx: Ctx, unit_id: int | None = None) -> None:
    """The unit's members and open invites; a manager gets buttons to change roles, remove and revoke."""
    record = ctx.record
    unit = ctx.store.unit(unit_id) if unit_id else (ctx.store.unit(record.unit_id) if record else None)
    if unit is None:
        ctx.say("还没有单位。")
        return
    if not ctx.allowed(unit, "read"):
        return
    manager = access(ctx.store, ctx.user, unit).may("manage")
    ctx.new_buttons()
    lines = [f"“{unit.name}”的成员："]
    buttons = []
    for member, user in ctx.store.members(id_of(unit)):
        lines.append(f"· {user.display_name or '（未命名）'}：{ROLE_NAMES.get(member.role, member.role)}")
        if manager and user.id != ctx.user.id:
            row = [ctx.button(f"移出 {user.display_name[:8]}", f"mremove:{member.id}")]
            if member.role != "owner":
                row.append(ctx.button(f"设为负责人 {user.display_name[:8]}", f"mowner:{member.id}"))
            buttons.append(row)
    invites = ctx.store.open_invites(unit_id=unit.id)
    if invites:
        lines.append("未使用的邀请：")
        for invite in invites:
            expires = invite.expires_at.replace(tzinfo=invite.expires_at.tzinfo or UTC).astimezone(ctx.engine.zone)
            lines.append(f"· {ROLE_NAMES.get(invite.role, invite.role)}，{expires:%m-%d %H:%M}前有效")
            if manager:
                buttons.append([ctx.button(f"撤销{ROLE_NAMES.get(invite.role, '')}邀请（{expires:%m-%d %H:%M}）", f"revoke:{invite.token[:12]}")])
    lines.append("发送 /invite 填报人 或 /invite 审核人 邀请同事；发送 /leave 退出本单位。")
    ctx.say("\n".join(lines), buttons)


def _member_for_manager(ctx: Ctx, arg: str) -> tuple[Member | None, Unit | None]:
    member_id = entity_id(arg)
    member = ctx.store.member_by_id(member_id) if member_id else None
    unit = ctx.store.unit(member.unit_id) if member else None
    if not ctx.allowed(unit, "manage") or member is None or unit is None:
        return None, None
    return member, unit


def _owners(ctx: Ctx, unit_id: int) -> int:
    return sum(1 for m, _ in ctx.store.members(unit_id) if m.role == "owner")


def remove_member(ctx: Ctx, arg: str) -> None:
    member, unit = _member_for_manager(ctx, arg)
    if member is None or unit is None:
        return
    if member.role == "owner" and _owners(ctx, id_of(unit)) <= 1:
        ctx.say("不能移出唯一的负责人。请先把其他成员设为负责人。")
        return
    ctx.store.remove_member(member)
    _log_member(ctx, unit, "member.remove", {"user": member.user_id, "role": member.role}, None)
    ctx.say("已移出该成员。")
    cmd_members(ctx, unit.id)


def make_owner(ctx: Ctx, arg: str) -> None:
    member, unit = _member_for_manager(ctx, arg)
    if member is None or unit is None:
        return
    old = member.role
    member.role = "owner"
    ctx.store.save(member)
    _log_member(ctx, unit, "member.role", {"user": member.user_id, "role": old}, {"user": member.user_id, "role": "owner"})
    ctx.say("已设为负责人。")
    cmd_members(ctx, unit.id)


def revoke(ctx: Ctx, arg: str) -> None:
    invite = ctx.store.invite_by_prefix(arg) if len(arg) == 12 else None
    unit = ctx.store.unit(invite.unit_id) if invite and invite.unit_id else None
    if not ctx.allowed(unit, "manage"):
        return
    assert invite is not None
    invite.revoked = True
    ctx.store.save(invite)
    ctx.say("已撤销该邀请，链接不能再使用。")


def _log_member(ctx: Ctx, unit: Unit, key: str, old: Any, new: Any) -> None:
    """Membership changes go into the unit's current report's audit log."""
    record = unit_report(ctx, id_of(unit))
    assert record is not None, "unit_report makes a report when the unit has none"
    ctx.store.log_change(id_of(record), ctx.user, key, old, new, "member")


def cmd_leave(ctx: Ctx, args: str) -> None:
    """/leave: leave the current unit; the last owner cannot leave it ownerless."""
    record = ctx.record
    member = ctx.store.member(ctx.user, record.unit_id) if record else None
    if member is None:
        ctx.say("您目前不在任何单位中。")
        return
    unit = ctx.store.unit(member.unit_id)
    assert unit is not None
    if member.role == "owner" and _owners(ctx, id_of(unit)) <= 1:
        others = len(ctx.store.members(id_of(unit))) - 1
        ctx.say(
            f"您是“{unit.name}”唯一的负责人，不能退出。"
            + ("请先发送 /members 把其他成员设为负责人。" if others else "单位里没有其他成员，请先邀请同事并设为负责人。")
        )
        return
    if args.strip() != "确认":
        ctx.say(f"确定要退出“{unit.name}”吗？退出后不能再查看和填写该单位的报告。确认请发送：/leave 确认")
        return
    _log_member(ctx, unit, "member.leave", {"user": member.user_id, "role": member.role}, None)
    ctx.store.remove_member(member)
    ctx.conv.report_id = None
    ctx.conv.step = ""
    ctx.state = ConvState(positions=ctx.state.positions, county=ctx.state.county)
    ctx.reset_answers()
    ctx.say(f"已退出“{unit.name}”。发送 /units 查看您所在的其他单位。")


# ---- several units --------------------------------------------------------------------------------


def cmd_units(ctx: Ctx) -> None:
    ctx.new_buttons()
    rows = []
    lines = ["您所在的单位："]
    for member, unit in ctx.store.memberships(ctx.user):
        current = ctx.record is not None and ctx.record.unit_id == unit.id
        report = ctx.record if current else unit_report(ctx, id_of(unit), create=False)
        year = f"，{report.year}年度{STATUS_TEXT.get(report.status, '')}" if report is not None else ""
        lines.append(f"· {unit.name}（{ROLE_NAMES.get(member.role, member.role)}{year}）{'←当前' if current else ''}")
        if not current:
            rows.append([ctx.button(f"切换到 {unit.name}", f"switch:{unit.id}")])
    for county in ctx.store.coordinated_counties(ctx.user):
        lines.append(f"· {county.name}（协调人）：/dashboard")
    if len(lines) == 1:
        lines = ["您还没有加入任何单位。发送 /start 创建本单位，或点同事发来的邀请链接加入。"]
    lines.append("发送 /newunit 可以再建一个单位；发送 /newyear 为当前单位新建下一年度的报告。")
    ctx.say("\n".join(lines), rows)


def switch(ctx: Ctx, arg: str) -> Move | None:
    unit_id = entity_id(arg)
    unit = ctx.store.unit(unit_id) if unit_id else None
    if unit is None or ctx.store.role(ctx.user, id_of(unit)) is None:
        ctx.store.refuse(ctx.user, "switch", f"unit:{arg[:20]}", "not a member")
        ctx.say("您不是该单位的成员。")
        return None
    switch_to(ctx, unit)
    if ctx.store.role(ctx.user, id_of(unit)) == "reviewer":
        review_home(ctx, preface=f"已切换到“{unit.name}”。")
        return None
    record = ctx.record
    status = STATUS_TEXT.get(record.status, "") if record else ""
    return resume(f"已切换到“{unit.name}”{record.year if record else ''}年度报告（{status}）：")


def cmd_newunit(ctx: Ctx) -> Move:
    _remember_place(ctx)
    ctx.conv.report_id = None
    ctx.conv.step = ""
    ctx.reset_answers()
    return goto(ctx.script.steps[0].id, "新建一个单位。已有单位的进度都已保存，发送 /units 可切换回去。")
