"""/undo: take back the last change this person made to the report in their conversation.

What one input changed is a change set (bot/storage/changes.py) naming its rows of the audit log, so an
undo works after a restart too. An answer someone else changed since is left as it is, and said.
The undo is itself audited (action "undo") and is not a change set: a second /undo goes one further back.
"""

from __future__ import annotations

import json
from typing import Any

from bot.core.progress import is_content
from bot.interview.applications import describe_application
from bot.interview.confirm import sync_rows
from bot.interview.context import Ctx
from bot.interview.moves import Move, again
from bot.storage.changes import old_values
from bot.storage.db import decode, encode
from bot.storage.models import AuditLog
from bot.storage.reports import APPLICATIONS
from bot.workplace.history import key_label

SHOWN = 10


def shown(value: Any) -> str:
    """A value as the clerk reads it in a list of changes."""
    if value is None or value == "":
        return "（空）"
    if isinstance(value, dict):
        return json.dumps(value, ensure_ascii=False)[:30]
    text = str(value)
    return text if len(text) <= 24 else text[:24] + "……"


def cmd_undo(ctx: Ctx, args: str) -> Move | None:
    report_id = ctx.conv.report_id
    if not report_id:
        ctx.say("还没有报告，没有可以撤销的修改。")
        return None
    change = ctx.store.last_change(report_id, ctx.user)
    if change is None:
        ctx.say("没有可以撤销的修改（只能撤销您本人在这份报告中的修改）。")
        return None
    rows = ctx.store.change_rows(change)
    apps = _undo_applications(ctx, report_id, [r for r in rows if r.key == APPLICATIONS])
    rows = [r for r in rows if r.key != APPLICATIONS]
    before = old_values(rows)
    after = {row.key: row.new for row in rows}  # each key's value after the change (encoded)
    answers = ctx.answers()
    restore: dict[str, Any] = {}
    remove: list[str] = []
    kept: list[str] = []
    for key, old in before.items():
        now = encode(answers[key]) if key in answers else None
        if now != after[key]:  # changed again since, by someone else or by an undo: not taken back
            kept.append(key)
        elif old is None:
            remove.append(key)
        else:
            restore[key] = old
    ctx.store.set_answers(report_id, restore, ctx.user, "undo", current=answers)
    ctx.store.remove_answers(report_id, remove, ctx.user, "undo")
    ctx.store.mark_undone(change)
    sync_rows(ctx, restore)
    ctx.reset_answers()
    lines = [f"已撤销您上一次的修改（{len(restore) + len(remove)}项）：", *apps]
    for key in [*restore, *remove][:SHOWN]:
        lines.append(f"· {key_label(ctx, key)}：{shown(decode(after[key]))} → {shown(restore.get(key))}")
    if len(restore) + len(remove) > SHOWN:
        lines.append(f"……共{len(restore) + len(remove)}项")
    if kept:
        lines.append("以下各项之后又被修改过，保持现在的值：" + "、".join(key_label(ctx, k) for k in kept[:SHOWN]))
    lines.append("再发一次 /undo 可以继续撤销更早的修改。")
    ctx.say("\n".join(lines))
    record = ctx.record
    if record is not None and any(is_content(k) for k in [*restore, *remove]):
        ctx._reopen_if_changed(record, [*restore, *remove])
    return again(fresh=True) if ctx.conv.step else None


def _undo_applications(ctx: Ctx, report_id: int, rows: list[AuditLog]) -> list[str]:
    """Take out the applications the change entered and put back those it took out, newest first; a line
    for each, to show. One removed meanwhile (by a colleague) stays removed."""
    lines: list[str] = []
    stored = {app.id: app for app in ctx.store.applications(report_id)}
    for row in reversed(rows):
        if row.new is not None:
            fields = decode(row.new)
            app = stored.get(fields.get("id"))
            if app is not None:
                ctx.store.delete_application(app, ctx.user, "undo")
                lines.append(f"· 表三申请：删除{describe_application(ctx.fmt, fields)}")
        elif row.old is not None:
            fields = decode(row.old)
            ctx.store.add_application(report_id, fields, ctx.user, "undo")
            lines.append(f"· 表三申请：恢复{describe_application(ctx.fmt, fields)}")
    return lines

