"""What a conversation remembers between inputs, typed, stored as JSON in `Conversation.state`.

Version 1 (the release before) kept untyped dicts: `sub` with free-form keys and `await` for a comment
being typed. `load` reads both, so a conversation stopped mid-way before an upgrade resumes after it.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field, fields
from typing import Any

VERSION = 2


@dataclass
class Table3Entry:
    """表三 being filled: the way chosen, the row being asked, the application being entered."""

    flow: str = ""  # "" (choosing) | apps | rows | paste
    i: int = 0  # rows: index of the row being asked
    stage: str = "applicant"  # apps: applicant | arrival | result | detail
    who: str = ""
    when: str = ""
    group: str = ""


@dataclass
class DraftText:
    """A narrative section: the draft proposed, and whether typed text is being collected."""

    proposal: str = ""
    collect: str = ""  # "" | rewrite | rewrite_more | append


@dataclass
class OtherItems:
    item: int = 0  # which of 六's items is being asked


@dataclass
class FeeDetail:
    stage: str = ""  # "" | cases | amount: the follow-up questions after “收取了”


Sub = Table3Entry | DraftText | OtherItems | FeeDetail
SUB_TYPES: dict[str, type[Sub]] = {"table3": Table3Entry, "draft": DraftText, "items": OtherItems, "fee": FeeDetail}
SUB_NAMES = {cls: name for name, cls in SUB_TYPES.items()}


@dataclass
class CommentWait:
    """A reviewer typing a comment on a part of a report."""

    report: int
    part: str


@dataclass
class Pending:
    """A replacement of saved answers waiting for the clerk's 确认 (bot/interview/confirm.py)."""

    values: dict[str, Any] = field(default_factory=dict)
    action: str = "answer"  # the audit log's action when it is written
    step: str = ""  # the question it was asked at
    then: str = "advance"  # advance | again | resume | collect | stay | goto:<step> (bot/interview/confirm.py)
    done: str = ""  # what is said when it is written
    question: str = ""  # what it replaces, as asked (asked again after a restart)


@dataclass
class Detour:
    """A part chosen in /menu away from the question the clerk was at (bot/interview/detour.py): when that
    part is finished, the conversation goes back to `step` of report `report`."""

    part: str
    step: str
    report: int


@dataclass
class ConvState:
    sub: Sub | None = None  # the current step's sub-flow
    history: list[str] = field(default_factory=list)  # steps asked before, for /back
    positions: dict[str, str] = field(default_factory=dict)  # report id → its question, for switching units
    county: int | None = None  # the county a coordinator acts for
    comment: CommentWait | None = None
    pending: Pending | None = None
    buttons: dict[str, str] = field(default_factory=dict)  # label → action of the buttons of the current prompt
    detour: Detour | None = None  # a part edited from /menu, and the question to go back to after it


def _build(cls: type, data: dict[str, Any]) -> Any:
    names = {f.name for f in fields(cls)}
    return cls(**{k: v for k, v in data.items() if k in names})


def _sub_v1(sub: dict[str, Any]) -> Sub | None:
    if {"flow", "stage", "who", "i"} & set(sub):
        return _build(Table3Entry, sub)
    if {"proposal", "collect"} & set(sub):
        return DraftText(proposal=sub.get("proposal") or "", collect=sub.get("collect") or "")
    if "item" in sub:
        return OtherItems(item=int(sub["item"]))
    if "fee" in sub:
        return FeeDetail(stage=sub["fee"])
    return None


def _detour(raw: dict[str, Any]) -> Detour | None:
    try:
        return Detour(part=str(raw["part"]), step=str(raw["step"]), report=int(raw["report"]))
    except (KeyError, TypeError, ValueError):  # damaged: forgotten, the interview runs on as before
        return None


def load(text: str | None) -> ConvState:
    raw: dict[str, Any] = json.loads(text or "{}")
    version = raw.get("version", 1)
    state = ConvState(history=list(raw.get("history", [])), positions=dict(raw.get("positions", {})), county=raw.get("county"))
    if version == 1:
        state.sub = _sub_v1(raw.get("sub") or {})
        waiting = raw.get("await")
        if waiting and waiting.get("kind") == "comment":
            state.comment = CommentWait(report=int(waiting["report"]), part=waiting["part"])
        return state
    sub = raw.get("sub")
    if sub and sub.get("type") in SUB_TYPES:
        state.sub = _build(SUB_TYPES[sub["type"]], sub)
    if raw.get("comment"):
        state.comment = _build(CommentWait, raw["comment"])
    if raw.get("pending"):
        state.pending = _build(Pending, raw["pending"])
    if isinstance(raw.get("buttons"), dict):
        state.buttons = {str(k): str(v) for k, v in raw["buttons"].items()}
    if isinstance(raw.get("detour"), dict):  # absent before it was kept: nothing to go back to
        state.detour = _detour(raw["detour"])
    return state


def dump(state: ConvState) -> str:
    out: dict[str, Any] = {"version": VERSION}
    if state.sub is not None:
        out["sub"] = {"type": SUB_NAMES[type(state.sub)], **asdict(state.sub)}
    if state.history:
        out["history"] = state.history
    if state.positions:
        out["positions"] = state.positions
    if state.county is not None:
        out["county"] = state.county
    if state.comment is not None:
        out["comment"] = asdict(state.comment)
    if state.pending is not None:
        out["pending"] = asdict(state.pending)
    if state.buttons:
        out["buttons"] = state.buttons
    if state.detour is not None:
        out["detour"] = asdict(state.detour)
    return json.dumps(out, ensure_ascii=False)
