"""Edited messages: a person corrects a message they sent (Telegram lets them edit it).

Each typed answer is recorded with the question it answered and the conversation's state then
(storage: answer_input). An edit of the message that answered the last question, or the one before,
answers that question again with the corrected text, says so, and shows what the checker now finds in
what changed; the conversation then goes on from the right place. An edit of anything older changes
nothing and says so.
"""

from __future__ import annotations

from bot.checks.validate import validate
from bot.interview import steps
from bot.interview.context import Ctx
from bot.interview.moves import STAY, Move, again
from bot.interview.show import findings_text
from bot.interview.state import dump, load
from bot.interview.stepkind import short
from bot.interview.types import Input

TOO_OLD = ("您修改了一条较早的消息。已保存的回答不会因修改旧消息而改变；"
           "如需修改，请发送 /menu 找到那一项重新填写，或发送 /undo 撤销您上一次的修改。")
NOT_EDITABLE = ("draft",)  # a text collected over several messages: an edit cannot say which part it replaces


def note(ctx: Ctx, inp: Input, step: str, state: str) -> None:
    """After a typed answer has been handled and written: remember which question this message answered."""
    if inp.kind == "text" and inp.ref and step and ctx.conv.report_id:
        ctx.store.note_answer(ctx.user, ctx.conv.report_id, inp.ref, step, state, ctx.last_change)


def on_edit(ctx: Ctx, inp: Input) -> Move:
    recent = ctx.store.recent_answers(ctx.user, 2)
    match = next((r for r in recent if r.message == inp.ref and r.report_id == ctx.conv.report_id), None)
    step = ctx.script.step(match.step) if match is not None else None
    if match is None or step is None or step.kind in NOT_EDITABLE or not ctx.may("edit"):
        ctx.say(TOO_OLD)
        return again() if ctx.conv.step else STAY
    newest = match.id == recent[0].id
    here, sub, history = ctx.conv.step, ctx.state.sub, list(ctx.state.history)
    then = load(match.state)
    ctx.conv.step, ctx.state.sub = match.step, then.sub
    before = dict(ctx.answers())
    move = steps.answer(ctx, step, inp.text)
    changed = {k for k, v in ctx.answers().items() if before.get(k) != v}
    title = ctx.script.part(step.part).title
    if not changed:
        if any("尚未保存" in r.text for r in ctx.outcome.replies):
            ctx.say(f"您修改后的消息（“{short(inp.text)}”）无法识别，原来的回答保持不变。")
        else:
            ctx.say(f"您修改后的消息与原来的回答相同（{title}），没有改动。")
        ctx.conv.step, ctx.state.sub, ctx.state.history = here, sub, history
        return again() if here else STAY
    lines = [f"已按您修改后的消息更新了“{title}”中的回答：{short(inp.text)}"]
    findings = [f for f in validate(ctx.report(), ctx.previous()) if set(f.cells) & changed]
    lines.append(findings_text("重新检查发现：", findings, 5) if findings else "重新检查：这一项没有发现问题。")
    ctx.say("\n".join(lines))
    if newest:  # the last answer corrected: go on from it, as if it had been sent so
        return move
    ctx.conv.step, ctx.state.sub, ctx.state.history = here, sub, history  # the one before: back where we were
    return again()


def state_now(ctx: Ctx) -> str:
    """The conversation's state before an input, to answer its question again after an edit."""
    return dump(ctx.state)
