"""The shape of a kind of step: how it asks, reads an answer, saves it, and says where to go next.

A kind never moves the conversation itself: each of its methods returns a Move for the engine.
"""

from __future__ import annotations

from typing import Any, ClassVar

from bot.format.interview import Step
from bot.interview.context import Ctx
from bot.interview.moves import STAY, Move
from bot.interview.parse import AnswerError
from bot.interview.types import Button


def head(header: str, preface: str) -> str:
    return (preface + "\n" if preface else "") + header + "\n"


def short(value: Any, n: int = 40) -> str:
    text = str(value)
    return text if len(text) <= n else text[:n] + "……"


def option_rows(ctx: Ctx, step: Step) -> list[list[Button]]:
    rows = [[ctx.button(o.label, f"opt:{o.value}")] for o in step.options]
    if len(step.options) == 2:
        rows = [[ctx.button(o.label, f"opt:{o.value}") for o in step.options]]
    return rows


def extras(ctx: Ctx, step: Step, skip: bool = False) -> list[Button]:
    row = []
    if step.help:
        row.append(ctx.button("说明", "help"))
    if skip:
        row.append(ctx.button("跳过", "skip"))
    return row


def chosen(step: Step, text: str) -> str:
    """The option a typed answer names (its label or value)."""
    match = [o for o in step.options if o.label == text.strip() or o.value == text.strip()]
    if not match:
        raise AnswerError("请点下面的按钮选择。")
    return match[0].value


class Kind:
    """One kind of step. Subclasses set `name` and override what differs."""

    name: ClassVar[str] = ""
    needs: ClassVar[tuple[str, ...]] = ()  # fields of the step this kind cannot do without

    def problems(self, step: Step) -> list[str]:
        """What is wrong with a step of this kind in the definition (checked when the engine starts)."""
        return [f"kind {self.name} needs {f}" for f in self.needs if not getattr(step, f)]

    def applies(self, ctx: Ctx, step: Step) -> bool:
        return True

    def ask(self, ctx: Ctx, step: Step, header: str, preface: str) -> Move:
        ctx.say(head(header, preface) + step.prompt, [extras(ctx, step)] if step.help else [])
        return STAY

    def answer(self, ctx: Ctx, step: Step, text: str) -> Move:
        raise AnswerError("请点下面的按钮选择。")

    def press(self, ctx: Ctx, step: Step, verb: str, arg: str) -> Move:
        return STAY

    def skip(self, ctx: Ctx, step: Step) -> Move:
        ctx.say("这一项不能跳过。如无此类情况请填0或点相应的按钮。")
        return STAY

    def back(self, ctx: Ctx, step: Step) -> Move | None:
        """/back inside this step's own follow-up questions; None: to the step before."""
        return None


class FillsTable(Kind):
    """A step that fills part of a table: not asked when the whole table was set to zero."""

    def applies(self, ctx: Ctx, step: Step) -> bool:
        return ctx.answers().get(f"meta.{step.part}_mode") != "zero"
