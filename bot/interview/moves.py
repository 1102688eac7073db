"""Where the conversation goes after an input: a step or a command says it, only the engine does it."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class To(StrEnum):
    """stay: nothing more is asked; again: ask the current step again (fresh: its sub-flow starts over);
    advance: the next step that applies; goto: a named step; back: the step before; resume: the current
    question, or the first; home: where this person belongs (their question, the review, the county)."""

    STAY = "stay"
    AGAIN = "again"
    ADVANCE = "advance"
    GOTO = "goto"
    BACK = "back"
    RESUME = "resume"
    HOME = "home"


@dataclass(frozen=True)
class Move:
    """Where to go (`To`), and what to say first."""

    to: To = To.STAY
    step: str = ""
    preface: str = ""
    fresh: bool = False


STAY = Move()


def again(preface: str = "", fresh: bool = False) -> Move:
    return Move(To.AGAIN, preface=preface, fresh=fresh)


def advance(preface: str = "", after: str = "") -> Move:
    """The next step that applies: after the current one, or after `after` (a conversation that had none)."""
    return Move(To.ADVANCE, step=after, preface=preface)


def goto(step: str, preface: str = "") -> Move:
    return Move(To.GOTO, step=step, preface=preface)


def back() -> Move:
    return Move(To.BACK)


def resume(preface: str = "") -> Move:
    return Move(To.RESUME, preface=preface)


def home(preface: str = "") -> Move:
    return Move(To.HOME, preface=preface)
