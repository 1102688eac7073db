"""A report's change history as people read it: /history, the names of keys and actions, stored values
shown as the clerk chose them (also for /undo's and the confirmations' messages)."""

from __future__ import annotations

import json
from datetime import UTC
from decimal import Decimal
from itertools import groupby

from bot.core.numbers import display
from bot.core.progress import STATUS_TEXT, is_content
from bot.interview.applications import describe_application
from bot.interview.context import Ctx
from bot.storage.models import id_of
from bot.storage.reports import APPLICATIONS
from bot.workplace.access import entity_id
from bot.workplace.people import unit_report


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
                "application": "逐件录入申请", "undo": "撤销修改", "join": "加入单位时带入单位信息"}


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
    ctx.say(history_text(ctx, id_of(record)) if record else "该单位还没有报告。")
