"""The context of one input: the transaction, the person, their conversation, lazy report data, and the
helpers every flow uses (say, buttons, save, the person's rights). Steps, commands and the workplace
all work through it; none of them moves the conversation (they return a Move to the engine).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Protocol, TypeVar
from zoneinfo import ZoneInfo

from bot.core.kinds import as_status
from bot.core.limits import check_values, named
from bot.core.progress import is_content
from bot.core.report import Report
from bot.format.definition import FormatDef
from bot.format.interview import Script, Step
from bot.interview.parse import AnswerError
from bot.interview.state import ConvState, Sub
from bot.interview.types import Button, Outcome, Reply
from bot.storage.models import Conversation, ReportRecord, Unit, User
from bot.storage.reports import Replaced
from bot.storage.repository import Store
from bot.workplace.access import PERMISSIONS, REFUSED, check, entity_id, role_for

S = TypeVar("S", bound=Sub)
MAX_LABELS = 100  # labels of one prompt's buttons remembered (a /units list of many units stays bounded)


class Host(Protocol):
    """What the flows need of the engine that runs them."""

    fmt: FormatDef
    script: Script
    render_docx: Callable[[Report, str], bytes] | None
    invite_link: Callable[[str], str]
    admin_ids: frozenset[str]

    def today(self) -> date: ...

    @property
    def zone(self) -> ZoneInfo: ...

    def new_token(self) -> str: ...

    def help_for(self, role: str) -> str: ...


@dataclass
class Ctx:
    """Everything one input needs: the transaction, the person, their conversation, and lazy report data."""

    engine: Host
    store: Store
    user: User
    conv: Conversation
    state: ConvState
    outcome: Outcome = field(default_factory=Outcome)
    _answers: dict[str, Any] | None = None
    _pending: dict[tuple[int, str], tuple[dict[str, Any], dict[str, Any]]] = field(default_factory=dict)
    # Rows read during this input, held so that the session (whose identity map holds them weakly)
    # does not read them again; the role is looked up once per report.
    _rows: dict[tuple[type, int], Any] = field(default_factory=dict)
    _roles: dict[int, str | None] = field(default_factory=dict)
    _noted: list[int] = field(default_factory=list)  # audit rows written outside `save` (applications), for the change set
    last_change: int | None = None  # the change set of what this input changed in the conversation's report (flush)
    _ambiguous: set[str] = field(default_factory=set)  # labels of two buttons of this prompt with different actions

    @property
    def script(self) -> Script:
        return self.engine.script

    @property
    def fmt(self) -> FormatDef:
        return self.engine.fmt

    @property
    def report_id(self) -> int:
        """The report of the conversation, for a step that runs only once there is one (after 单位信息)."""
        assert self.conv.report_id is not None, "this step runs only on a report"
        return self.conv.report_id

    @property
    def record(self) -> ReportRecord | None:
        return self.record_of(self.conv.report_id) if self.conv.report_id else None

    def record_of(self, report_id: int) -> ReportRecord | None:
        key = (ReportRecord, report_id)
        if key not in self._rows:
            if report_id == self.conv.report_id:  # the conversation's: its unit and the role come along
                record, unit, role = self.store.report_place(report_id, self.user)
                if record is not None and unit is not None:
                    self._rows[(Unit, record.unit_id)] = unit
                if role is not None:  # not a member: a coordinator's role is looked up when needed
                    self._roles[report_id] = role
                self._rows[key] = record
            else:
                self._rows[key] = self.store.report_record(report_id)
        return self._rows[key]

    def step(self) -> Step | None:
        """The question the conversation stands at."""
        return self.script.step(self.conv.step) if self.conv.step else None

    def sub(self, kind: type[S]) -> S:
        """The current step's sub-flow state of this type (a fresh one if it holds another)."""
        if not isinstance(self.state.sub, kind):
            self.state.sub = kind()
        return self.state.sub

    def answers(self) -> dict[str, Any]:
        if self._answers is None:
            self._answers = self.store.answers(self.conv.report_id) if self.conv.report_id else {}
        return self._answers

    def report(self) -> Report:
        assert self.conv.report_id
        return self.store.load_report(self.conv.report_id, self.answers())

    def previous(self) -> Report | None:
        record = self.record
        return self.store.previous_report(record) if record else None

    def save(self, values: dict[str, Any], action: str = "answer") -> None:
        """Record answers; they are written together when the input has been handled (`flush`).
        A value outside the limits (`bot/core/limits.py`) is refused here, whichever step or command made it."""
        assert self.conv.report_id
        problem = check_values(values, self.fmt)
        if problem:
            raise AnswerError(problem.message)
        answers = self.answers()
        key = (self.conv.report_id, action)
        if key not in self._pending:
            self._pending[key] = ({}, dict(answers))
        self._pending[key][0].update(values)
        answers.update(values)

    def note_change(self, audit_id: int) -> None:
        """An audit row this input wrote to the conversation's report other than by `save` (an application
        entered or taken out): part of what /undo takes back."""
        self._noted.append(audit_id)

    def flush(self) -> None:
        """Write the recorded answers: one bulk statement per report and kind of change. A change to a
        submitted or final report puts it back to draft (logged)."""
        changed: dict[int, list[str]] = {}
        audits: dict[int, list[int]] = {self.conv.report_id: self._noted} if self._noted and self.conv.report_id else {}
        self._noted = []
        replaced: list[Replaced] = []
        for (report_id, action), (values, before) in self._pending.items():
            written = self.store.set_answers(report_id, values, self.user, action, current=before)
            changed.setdefault(report_id, []).extend(written)
            audits.setdefault(report_id, []).extend(written.audits)
            replaced += written.replaced
        self._pending.clear()
        if replaced:
            self.say(replaced_notice(self, replaced))
        for report_id, ids in audits.items():  # what this input changed, as one step /undo takes back
            change = self.store.record_change(report_id, self.user, ids)
            if change is not None and report_id == self.conv.report_id:
                self.last_change = change
        for report_id, keys in changed.items():
            record = self.record_of(report_id)
            if record is not None and keys:
                self._reopen_if_changed(record, keys)

    def _reopen_if_changed(self, record: ReportRecord, changed: list[str]) -> None:
        """A change to a submitted or final report puts it back to draft: logged, and the clerk is told."""
        if record.status == "draft" or not any(is_content(k) for k in changed):
            return
        was = as_status(record.status)
        if self.store.transition(record, (was,), "draft", self.user, "reopen" if was == "final" else "withdraw"):
            if was == "final":
                self.say("（注意：报告原已定稿，这次修改使它回到了草稿状态，改完后请重新提交审核。）")
            else:
                self.say("（注意：报告正在审核中，这次修改撤回了提交，改完后请重新提交审核：/submit）")

    def say(self, text: str, buttons: list[list[Button]] | None = None, document: tuple[str, bytes] | None = None) -> None:
        self.outcome.replies.append(Reply(text=text, buttons=buttons or [], document=document))

    def button(self, label: str, action: str) -> Button:
        """A button of the current prompt. Its label is remembered with its action: typing the label is
        pressing it (`pressed`). A label shared by two actions is not (the typed text stays an answer)."""
        labels = self.state.buttons
        key = label.strip()
        if labels.get(key, action) != action or key in self._ambiguous:
            self._ambiguous.add(key)
            labels.pop(key, None)
        elif len(labels) < MAX_LABELS:
            labels[key] = action
        return Button(label, f"{self.conv.prompt_token}:{action}")

    def pressed(self, text: str) -> str | None:
        """The action of the current prompt's button whose label is this typed text, or None."""
        return self.state.buttons.get(text.strip()) if self.conv.prompt_token else None

    def new_buttons(self) -> None:
        """A new prompt token: the buttons of older prompts stop working (and their labels are forgotten)."""
        self.conv.prompt_token = self.engine.new_token()
        self.state.buttons = {}
        self._ambiguous = set()

    def reset_answers(self) -> None:
        self._answers = None

    def unit(self) -> Unit | None:
        record = self.record
        if record is None:
            return None
        key = (Unit, record.unit_id)
        if key not in self._rows:
            self._rows[key] = self.store.unit(record.unit_id)
        return self._rows[key]

    def role(self) -> str | None:
        """The person's role for the report in the conversation (looked up once per input)."""
        report_id = self.conv.report_id or 0
        if report_id not in self._roles:
            record = self.record
            self._roles[report_id] = role_for(self.store, self.user, record.unit_id if record else None)
        return self._roles[report_id]

    def may(self, action: str) -> bool:
        return self.role() in PERMISSIONS[action]

    def allowed(self, unit: Unit | None, action: str) -> bool:
        """True if the person may do `action` with the unit; otherwise they are told why, and it is logged."""
        reason = check(self.store, self.user, unit, action)
        if reason:
            self.say(reason)
        return not reason

    def refuse(self, action: str, message: str = "") -> None:
        """Say no, and log it."""
        self.store.refuse(self.user, action, f"report:{self.conv.report_id}", message or REFUSED.get(action, ""))
        self.say(message or REFUSED.get(action, "您无权进行此操作。"))

    def refused_button(self, arg: str) -> None:
        self.store.refuse(self.user, "button", arg[:60], "malformed button")
        self.say("按钮无效。")

    def with_report(self, arg: str, action: Callable[[Ctx, int], None]) -> None:
        """Run a button's action on the report it names; a payload naming no report is refused."""
        report_id = entity_id(arg)
        if report_id is None or self.record_of(report_id) is None:
            self.refused_button(arg)
            return
        action(self, report_id)


def replaced_notice(ctx: Ctx, replaced: list[Replaced]) -> str:
    """Tell the later of two writers of one answer what the colleague had stored (both are in /history)."""
    names: dict[int | None, str] = {}
    lines = []
    for item in replaced[:3]:
        if item.author_id not in names:
            person = ctx.store.get_user(item.author_id) if item.author_id is not None else None
            names[item.author_id] = f"同事“{person.display_name[:20]}”" if person and person.display_name else "另一位同事"
        lines.append(f"· {named(item.key, ctx.fmt)}原为{names[item.author_id]}填写的 {_shown(item.old)}，现已改为您填写的 {_shown(item.new)}")
    more = f"\n（另有{len(replaced) - 3}项同样如此）" if len(replaced) > 3 else ""
    return "注意：您修改了同事填写的内容。\n" + "\n".join(lines) + more + "\n两次填写都记在修改记录中（/history）；如同事的数值才对，请重新填写。"


def _shown(value: Any) -> str:
    text = "空" if value in (None, "") else str(value) if not isinstance(value, dict | list) else "…"
    return text if len(text) <= 30 else text[:30] + "…"
