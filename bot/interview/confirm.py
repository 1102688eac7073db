"""Ask before replacing: an action that would overwrite answers the clerk gave (one-tap zeros on a
filled table, an upload over typed answers, a new draft over an edited text) first lists what it would
replace and waits for 确认 or 取消. The values wait in the conversation's state, in the database.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from bot.interview.context import Ctx
from bot.interview.moves import STAY, Move, advance, again, goto
from bot.interview.state import DraftText, Pending
from bot.workplace.history import key_label

SHOWN = 12


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, int | float | Decimal) and isinstance(b, int | float | Decimal) and not isinstance(a, bool):
        return Decimal(str(a)) == Decimal(str(b))
    return bool(a == b)


def replaced(ctx: Ctx, values: dict[str, Any]) -> list[str]:
    """The keys whose saved answer (not blank) these values would change; the bookkeeping (meta.*) aside."""
    answers = ctx.answers()
    return [
        key for key, value in values.items()
        if not key.startswith("meta.") and not _blank(answers.get(key)) and not _same(answers.get(key), value)
    ]


def _plain(values: dict[str, Any]) -> dict[str, Any]:
    """Values as JSON can hold them (a money cell's Decimal as its text, which is how it is stored)."""
    return {k: (str(v) if isinstance(v, Decimal) else v) for k, v in values.items()}


def shown(value: Any) -> str:
    if _blank(value):
        return "（空）"
    text = str(value) if not isinstance(value, dict) else "…"
    return text if len(text) <= 20 else text[:20] + "……"


def _move(ctx: Ctx, then: str, done: str) -> Move:
    if then == "collect":  # a narrative text being written over several messages: the next ones are added
        ctx.sub(DraftText).collect = "rewrite_more"
        then = "resume"
    if then == "advance":
        return advance(done)
    if then.startswith("goto:"):
        return goto(then[5:], done)
    if then == "again":
        return again(done, fresh=True)
    if then == "resume":  # the question again, its sub-flow kept (text being collected)
        return again(done)
    return STAY


def offer(ctx: Ctx, values: dict[str, Any], *, what: str, action: str = "answer", then: str = "advance", done: str = "") -> Move:
    """Save the values now if they replace nothing the clerk gave; otherwise list what they replace and ask."""
    changes = replaced(ctx, values)
    if not changes:
        ctx.save(values, action)
        sync_rows(ctx, values)
        if then == "stay" and done:
            ctx.say(done)
        return _move(ctx, then, done)
    answers = ctx.answers()
    lines = [f"{what}会替换已保存的{len(changes)}项内容："]
    lines += [f"· {key_label(ctx, k)}：{shown(answers.get(k))} → {shown(values[k])}" for k in changes[:SHOWN]]
    if len(changes) > SHOWN:
        lines.append(f"……共{len(changes)}项")
    lines.append("确定要替换吗？（替换后也可以发送 /undo 撤销）")
    question = "\n".join(lines)
    ctx.state.pending = Pending(values=_plain(values), action=action, step=ctx.conv.step, then=then, done=done, question=question)
    _ask(ctx, question)
    return STAY


def _ask(ctx: Ctx, question: str, fresh: bool = True) -> None:
    if fresh:
        ctx.new_buttons()
    ctx.say(question, [[ctx.button("确认替换", "confirm"), ctx.button("取消", "unconfirm")]])


def ask_again(ctx: Ctx, fresh: bool = True) -> bool:
    """A replacement still waiting (the person came back, /start): asked again. False if none waits.
    fresh=False: with the buttons of the prompt just shown (a command's that only reads), which stay valid."""
    pending = ctx.state.pending
    if pending is None or pending.step != ctx.conv.step or not pending.question:
        return False
    _ask(ctx, pending.question, fresh)
    return True


def confirm(ctx: Ctx, arg: str) -> Move | None:
    """确认: write what was waiting (if it still belongs to this question)."""
    pending = ctx.state.pending
    ctx.state.pending = None
    if pending is None or pending.step != ctx.conv.step or not ctx.conv.report_id:
        ctx.say("没有等待确认的操作。")
        return None
    if not ctx.may("edit"):
        ctx.refuse("edit")
        return None
    ctx.outcome.ack = "已替换"
    ctx.save(pending.values, pending.action)
    sync_rows(ctx, pending.values)
    if pending.then == "stay" and pending.done:
        ctx.say(pending.done)
    return _move(ctx, pending.then, pending.done)


def cancel(ctx: Ctx, arg: str) -> Move | None:
    ctx.state.pending = None
    ctx.outcome.ack = "已取消"
    return again("已取消，已保存的内容没有改动。", fresh=True) if ctx.conv.step else None


def sync_rows(ctx: Ctx, values: dict[str, Any]) -> None:
    """The unit's row and the report's row keep copies of some answers: they follow a change of them."""
    unit = ctx.unit()
    record = ctx.record
    if unit is not None and any(isinstance(values.get(f"unit.{k}"), str) and values[f"unit.{k}"] for k in ("name", "level", "province", "city", "county")):
        for key in ("name", "level", "province", "city", "county"):
            if isinstance(values.get(f"unit.{key}"), str) and values[f"unit.{key}"]:
                setattr(unit, key, values[f"unit.{key}"])
        ctx.store.save(unit)
    if record is not None and isinstance(values.get("meta.profile"), str) and record.profile != values["meta.profile"]:
        record.profile = values["meta.profile"]
        ctx.store.save(record)
