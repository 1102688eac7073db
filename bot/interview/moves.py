"""Where the conversation goes after an input: a step or a command says it, only the engine does it."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Move:
    """stay: nothing more is asked; again: ask the current step again (fresh: its sub-flow starts over);
    advance: the next step that applies; goto: a named step; back: the step before; resume: the current
    question, or the first; home: where this person belongs (their question, the review, the county)."""

    to: str = "stay"
    step: str = ""
    preface: str = ""
    fresh: bool = False


STAY = Move()


def again(preface: str = "", fresh: bool = False) -> Move:
    return Move("again", preface=preface, fresh=fresh)


def advance(preface: str = "", after: str = "") -> Move:
    """The next step that applies: after the current one, or after `after` (a conversation that had none)."""
    return Move("advance", step=after, preface=preface)


def goto(step: str, preface: str = "") -> Move:
    return Move("goto", step=step, preface=preface)


def back() -> Move:
    return Move("back")


def resume(preface: str = "") -> Move:
    return Move("resume", preface=preface)


def home(preface: str = "") -> Move:
    return Move("home", preface=preface)
