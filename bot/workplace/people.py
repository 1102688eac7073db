"""People and units in the chat: joining by invitation, inviting, members, leaving, switching units,
and a unit's change history.

Only an invitation lets someone into a unit or a county; there is no joining by name. Every button that
names a member, an invite or a unit is checked against the presser's role when pressed.
"""

from __future__ import annotations

import json
from datetime import UTC
from decimal import Decimal
from itertools import groupby
from typing import Any

from bot.access import ROLE_NAMES, access, entity_id
from bot.interview.applications import describe_application
from bot.interview.context import Ctx
from bot.interview.moves import Move, again, goto, resume
from bot.interview.state import ConvState
from bot.numbers import display
from bot.progress import STATUS_TEXT, default_year, is_content
from bot.workplace.counties import current_county
from bot.workplace.review import home as review_home
from storage.models import Member, ReportRecord, Unit
from storage.people import NewInvite
from storage.reports import APPLICATIONS

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
    unit = ctx.store.unit(invite.unit_id)  # type: ignore[arg-type]
    assert unit is not None
    role = ctx.store.role(ctx.user, unit.id)  # type: ignore[arg-type]  # may be stronger than the invite's
    switch_to(ctx, unit)
    if role == "reviewer":
        review_home(ctx, preface=f"您已加入“{unit.name}”，担任审核人。报告提交审核后会通知您。")
        return Move()
    if ctx.conv.step:
        return again(f"您已加入“{unit.name}”（{ROLE_NAMES.get(role or '', '')}），继续填写：")
    record = ctx.record
    joined = f"您已加入“{unit.name}”（{ROLE_NAMES.get(role or '', '')}），"
    return goto(ctx.script.first_step("table2").id, f"{joined}一起填写{record.year if record else ''}年度报告。")


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
    record = unit_report(ctx, unit.id)  # type: ignore[arg-type]
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
    for member, user in ctx.store.members(unit.id):  # type: ignore[arg-type]
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
    if member.role == "owner" and _owners(ctx, unit.id) <= 1:  # type: ignore[arg-type]
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
    record = unit_report(ctx, unit.id)  # type: ignore[arg-type]
    ctx.store.log_change(record.id, ctx.user, key, old, new, "member")  # type: ignore[arg-type, union-attr]


def cmd_leave(ctx: Ctx, args: str) -> None:
    """/leave: leave the current unit; the last owner cannot leave it ownerless."""
    record = ctx.record
    member = ctx.store.member(ctx.user, record.unit_id) if record else None
    if member is None:
        ctx.say("您目前不在任何单位中。")
        return
    unit = ctx.store.unit(member.unit_id)
    assert unit is not None
    if member.role == "owner" and _owners(ctx, unit.id) <= 1:  # type: ignore[arg-type]
        others = len(ctx.store.members(unit.id)) - 1  # type: ignore[arg-type]
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
        report = ctx.record if current else unit_report(ctx, unit.id, create=False)  # type: ignore[arg-type]
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
    if unit is None or ctx.store.role(ctx.user, unit.id) is None:  # type: ignore[arg-type]
        ctx.store.refuse(ctx.user, "switch", f"unit:{arg[:20]}", "not a member")
        ctx.say("您不是该单位的成员。")
        return None
    switch_to(ctx, unit)
    if ctx.store.role(ctx.user, unit.id) == "reviewer":  # type: ignore[arg-type]
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


# ---- history --------------------------------------------------------------------------------------


def _value(v: str | None) -> str:
    if v is None:
        return "空"
    value = json.loads(v)
    if isinstance(value, str):
        return (value[:20] + "…") if len(value) > 20 else (value or "空")
    if isinstance(value, dict):  # the 信息处理费 as stored: {"cases": 1, "amount_yuan": 300.0}
        return f"{value.get('cases', 0)}件，{display(Decimal(str(value.get('amount_yuan', 0))))}元"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _shown(ctx: Ctx, key: str, v: str | None) -> str:
    """A stored value as the clerk chose it: a level or a profile by its Chinese name, an application by
    what it was."""
    if key == APPLICATIONS and v is not None:
        return describe_application(ctx.fmt, json.loads(v))
    text = _value(v)
    if key == "unit.level":
        return ctx.fmt.levels.get(text, text)
    if key == "meta.profile" and text in ctx.fmt.profiles:
        return ctx.fmt.profiles[text].label
    return text


def key_label(ctx: Ctx, key: str) -> str:
    if key in {c.path for c in ctx.fmt.cells()}:
        return ctx.fmt.cell(key).name
    names = {"status": "报告状态", "unit.name": "单位名称", "unit.level": "单位层级", "meta.profile": "第六部分格式",
             "text.preamble": "前言", "unit.province": "所在省", "unit.city": "所在市", "unit.county": "所在县",
             "member.remove": "移出成员", "member.role": "成员角色", "member.leave": "成员退出",
             "unit.website": "公开网站", "unit.address": "办公地址", "unit.phone": "联系电话",
             "fee.cases": "信息处理费件数", "fee.amount_yuan": "信息处理费金额（元）", "info_fee": "信息处理费",
             APPLICATIONS: "表三申请"}
    if key.startswith("text."):
        section = next((s for s in ctx.fmt.sections if s.text == key[5:] or s.key == key[5:]), None)
        return f"正文“{section.heading}”" if section else f"正文（{key[5:]}）"
    return names.get(key, "其他内容")


ACTION_NAMES = {"answer": "填写", "upload": "上传文件填入", "docx": "生成文档", "submit": "提交审核", "approve": "审核通过",
                "return": "退回修改", "reopen": "定稿后修改", "withdraw": "审核中修改", "final": "直接定稿", "member": "成员变动",
                "application": "逐件录入申请", "undo": "撤销修改"}


def history_text(ctx: Ctx, report_id: int, limit: int = 30) -> str:
    """Recent changes, newest first; a bulk change (an upload, an all-zero table) as one line."""
    record = ctx.store.report_record(report_id)
    rows = [r for r in ctx.store.history(report_id, 500)
            if (r.key == "status" or r.key.startswith("member.") or is_content(r.key)) and _value(r.old) != _value(r.new)]  # a skip is no change
    if record is None or not rows:
        return "还没有修改记录。"
    names: dict[int | None, str] = {}
    lines: list[str] = []
    for (user_id, action, at), group in groupby(rows, key=lambda r: (r.user_id, r.action, r.at.replace(microsecond=0))):
        if len(lines) >= limit:
            break
        if user_id not in names:
            user = ctx.store.get_user(user_id) if user_id else None
            names[user_id] = (user.display_name if user else "") or "系统"
        when = at.replace(tzinfo=at.tzinfo or UTC).astimezone(ctx.engine.zone).strftime("%m-%d %H:%M")
        items = list(group)
        head = f"{when} {names[user_id]}"
        if len(items) > 3:
            apps = sum(1 for r in items if r.key == APPLICATIONS)
            cells = sum(1 for r in items if r.key.startswith("table")) - apps
            texts = sum(1 for r in items if r.key.startswith("text."))
            parts = (f"{cells}个格子" if cells else "", f"{texts}段正文" if texts else "", f"{apps}件申请" if apps else "")
            what = "、".join(x for x in parts if x) or f"{len(items)}项"
            lines.append(f"{head}：{ACTION_NAMES.get(action, action)}，改动{what}")
            continue
        for row in items:
            if row.key == "status":
                old, new = STATUS_TEXT.get(json.loads(row.old or '""'), "—"), STATUS_TEXT.get(json.loads(row.new or '""'), "—")
                lines.append(f"{head}：{ACTION_NAMES.get(action, action)}（{old} → {new}）")
            else:
                lines.append(f"{head}：{key_label(ctx, row.key)} {_shown(ctx, row.key, row.old)} → {_shown(ctx, row.key, row.new)}")
    return "\n".join([f"最近的修改记录（新的在前，共{len(lines)}条）："] + lines[:limit])


def cmd_history(ctx: Ctx, args: str) -> None:
    """/history: the current unit's recent changes; a coordinator: /history 编号 for a unit of the county."""
    unit_id = entity_id(args)
    if unit_id is None:
        record = ctx.record
        if record is None:
            ctx.say("还没有报告。")
            return
        unit = ctx.store.unit(record.unit_id)
    else:
        unit = ctx.store.unit(unit_id)
        record = unit_report(ctx, unit_id, create=False) if unit else None
    if not ctx.allowed(unit, "read"):
        return
    ctx.say(history_text(ctx, record.id) if record else "该单位还没有报告。")  # type: ignore[arg-type]
