"""A part opened from /menu, away from the question the clerk was at, and the way back to it.

The rule: choosing a part in /menu (`goto:<part>`) while at a question of another part remembers that question
(`state.Detour`). When the chosen part's last step advances out of it, the conversation goes back to the
remembered question, or to 检查与生成 when the report is complete or the clerk was there, with one line
saying so, instead of running on into the parts after it. Choosing another part in between keeps the first
question remembered; choosing the part one is at, or 检查与生成, remembers nothing; leaving the part any other
way (/back out of it, a jump to 检查与生成 after an upload, another unit) forgets it.
"""

from __future__ import annotations

from bot.format.interview import Step
from bot.interview import steps
from bot.interview.context import Ctx
from bot.interview.show import parts_done
from bot.interview.state import Detour

FINISH = "finish"


def begin(ctx: Ctx, part: str) -> None:
    """The clerk chose `part` in /menu: remember where they were, unless there is nowhere to come back to."""
    report = ctx.conv.report_id
    kept = ctx.state.detour
    left = kept.step if kept is not None and kept.report == report else ctx.conv.step
    ctx.state.detour = None
    if not report or not left or part == FINISH or not known(ctx, left):
        return
    if ctx.script.step(left).part == part:  # the part the clerk is at: answered from its start, as before
        return
    ctx.state.detour = Detour(part=part, step=left, report=report)


def entered(ctx: Ctx, step: Step) -> None:
    """A question is asked: a remembered place is forgotten once the conversation is outside the chosen part."""
    detour = ctx.state.detour
    if detour is not None and (step.part != detour.part or detour.report != ctx.conv.report_id):
        ctx.state.detour = None


def way_back(ctx: Ctx, current: Step | None, following: Step) -> tuple[str, str] | None:
    """(step, line) when advancing from `current` to `following` finishes the chosen part; None otherwise."""
    detour = ctx.state.detour
    if detour is None or current is None or current.part != detour.part or following.part == detour.part:
        return None
    ctx.state.detour = None
    if detour.report != ctx.conv.report_id or not known(ctx, detour.step):
        return None
    title = ctx.script.part(detour.part).title
    finish = ctx.script.first_step(FINISH)
    at_finish = ctx.script.step(detour.step).part == FINISH
    if at_finish or complete(ctx):
        return finish.id, f"已改完「{title}」，报告已填完，回到{ctx.script.part(FINISH).title}："
    return applying(ctx, detour.step), f"已改完「{title}」，回到刚才的问题："


def complete(ctx: Ctx) -> bool:
    """Every part but 检查与生成 filled (and, for the tables, free of errors)."""
    done = parts_done(ctx)
    return all(p.key in done for p in ctx.script.parts if p.key != FINISH)


def known(ctx: Ctx, step_id: str) -> bool:
    """A step of this script (a remembered id from an older script is forgotten, never asked)."""
    return any(s.id == step_id for s in ctx.script.steps)


def applying(ctx: Ctx, step_id: str) -> str:
    """The remembered question, or the first after it that applies now (an answer in the part may have
    made it moot, e.g. 三张表都为0 for a question of 表四)."""
    i = ctx.script.index(step_id)
    while i < len(ctx.script.steps) - 1 and not steps.applies(ctx, ctx.script.steps[i]):
        i += 1
    return ctx.script.steps[i].id
