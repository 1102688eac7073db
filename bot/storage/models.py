"""Database tables (sqlmodel). Every answer is a row, so nothing a clerk typed is ever overwritten unseen."""

from __future__ import annotations

from collections.abc import Callable
from contextvars import ContextVar
from datetime import UTC, date, datetime
from typing import Any, Protocol, cast

from sqlalchemy import Column, Index, Table, Text, UniqueConstraint
from sqlalchemy.engine import CursorResult, Result
from sqlmodel import Field, SQLModel

# The clock of the transaction in progress (set by `Repository.transaction`), so that every row's
# time follows the product's injected clock; outside a transaction, the machine's.
CLOCK: ContextVar[Callable[[], datetime]] = ContextVar("clock", default=lambda: datetime.now(UTC))


def utcnow() -> datetime:
    return CLOCK.get()()


class User(SQLModel, table=True):
    """A person on a channel: a Telegram or DingTalk user, a web login, or a terminal user."""

    __table_args__ = (UniqueConstraint("channel", "external_id"),)
    id: int | None = Field(default=None, primary_key=True)
    channel: str = Field(max_length=16)
    external_id: str = Field(max_length=64)
    display_name: str = Field(default="", max_length=256)  # Telegram: first and last name, 64 each, and more elsewhere
    chat_id: str = Field(default="", max_length=64)
    reminders_on: bool = True
    blocked: bool = False  # the user blocked the bot (Telegram 403, DingTalk: left the organisation)
    created_at: datetime = Field(default_factory=utcnow)
    # One person on several channels (/link): a linked identity names the identity whose roles, reports and
    # conversation it shares; that one's person_id is None.
    person_id: int | None = Field(default=None, foreign_key="user.id", index=True)
    last_seen_at: datetime | None = None  # when this identity last wrote: notifications go to the channel last used
    last_seq: int = 0  # a linked identity's last input id on its own channel (the conversation keeps the person's)
    notify_all: bool = False  # the person wants notifications on every linked channel, not only the last used
    # A person's e-mail address (政务邮箱) for notices: set on the web page's profile, or by a coordinator.
    # A person reached only on the web page gets each notice by e-mail too; notify_all: everyone with one.
    email: str = Field(default="", max_length=254)


class LinkCode(SQLModel, table=True):
    """A one-time code that links the identity typing it to the identity that asked for it (/link)."""

    __tablename__ = "link_code"
    code: str = Field(primary_key=True, max_length=16)
    user_id: int = Field(foreign_key="user.id", index=True)
    expires_at: datetime


class County(SQLModel, table=True):
    """A county (县、区): its 政务公开 office coordinates the units in it and may set an earlier deadline."""

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=32)
    province: str = Field(default="", max_length=32)
    city: str = Field(default="", max_length=32)
    created_by: int | None = Field(default=None, foreign_key="user.id")
    created_at: datetime = Field(default_factory=utcnow)


class Coordinator(SQLModel, table=True):
    """A person's role in a county: 协调人 (the county 政务公开 office). Read-only on the units' reports."""

    __table_args__ = (UniqueConstraint("user_id", "county_id"),)
    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="user.id", index=True)
    county_id: int = Field(foreign_key="county.id", index=True)
    created_at: datetime = Field(default_factory=utcnow)


class Unit(SQLModel, table=True):
    """A 乡镇人民政府 or county department: the owner of reports."""

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=128)
    level: str = Field(default="township", max_length=32)
    province: str = Field(default="", max_length=32)
    city: str = Field(default="", max_length=32)
    county: str = Field(default="", max_length=32)
    county_id: int | None = Field(default=None, foreign_key="county.id", index=True)  # None: a lone unit
    created_at: datetime = Field(default_factory=utcnow)


class Member(SQLModel, table=True):
    """A person's role in a unit: owner (created it), clerk (填报人) or reviewer (审核人)."""

    __table_args__ = (UniqueConstraint("user_id", "unit_id"),)
    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="user.id", index=True)
    unit_id: int = Field(foreign_key="unit.id", index=True)
    role: str = Field(default="clerk", max_length=16)
    created_at: datetime = Field(default_factory=utcnow)


class Invite(SQLModel, table=True):
    """A single-use (by default), expiring token that lets one more person join a unit, or a county as coordinator."""

    token: str = Field(primary_key=True, max_length=64)
    unit_id: int | None = Field(default=None, foreign_key="unit.id", index=True)
    county_id: int | None = Field(default=None, foreign_key="county.id", index=True)
    role: str = Field(default="clerk", max_length=16)  # owner | clerk | reviewer (a unit) | coordinator (a county)
    created_by: int = Field(foreign_key="user.id")
    expires_at: datetime
    max_uses: int = 1
    uses: int = 0
    revoked: bool = False
    created_at: datetime = Field(default_factory=utcnow)


class ReportRecord(SQLModel, table=True):
    """One report per unit and year. Its content lives in `answer` rows."""

    __tablename__ = "report"
    __table_args__ = (UniqueConstraint("unit_id", "year"),)
    id: int | None = Field(default=None, primary_key=True)
    unit_id: int = Field(foreign_key="unit.id", index=True)
    year: int
    profile: str = Field(default="national", max_length=32)
    format_id: str = Field(default="gov-2021", max_length=32)  # the format definition it is written in (bot/format/data/)
    status: str = Field(default="draft", max_length=16)  # draft | review (submitted) | final (approved)
    source: str = Field(default="interview", max_length=16)  # interview | import (last year's, uploaded)
    open_comments: int = 0  # reviewer's comments not yet answered: the interview looks them up only when > 0
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)


class Answer(SQLModel, table=True):
    """The current value of one key of a report (a cell path, a text, a unit field or a fact), with its author."""

    report_id: int = Field(foreign_key="report.id", primary_key=True)
    key: str = Field(primary_key=True, max_length=64)
    value: str = Field(sa_column=Column(Text, nullable=False))  # JSON
    author_id: int | None = Field(default=None, foreign_key="user.id")
    answered_at: datetime = Field(default_factory=utcnow)


class AuditLog(SQLModel, table=True):
    """Every change of an answer (and of the report's status): who, when, from what, to what."""

    __tablename__ = "audit_log"
    id: int | None = Field(default=None, primary_key=True)
    report_id: int = Field(foreign_key="report.id", index=True)
    user_id: int | None = Field(default=None, foreign_key="user.id")
    key: str = Field(max_length=64)
    old: str | None = Field(default=None, sa_column=Column(Text))
    new: str | None = Field(default=None, sa_column=Column(Text))
    action: str = Field(default="answer", max_length=32)
    at: datetime = Field(default_factory=utcnow)


class Application(SQLModel, table=True):
    """One 政府信息公开申请 entered by the clerk, from which table 三 is built."""

    id: int | None = Field(default=None, primary_key=True)
    report_id: int = Field(foreign_key="report.id", index=True)
    applicant: str = Field(max_length=16)  # a table-三 column key
    arrival: str = Field(max_length=16)  # NEW | CARRY
    result: str = Field(max_length=16)  # a leaf row key, or FWD (not concluded by 31 December)
    created_by: int | None = Field(default=None, foreign_key="user.id")
    created_at: datetime = Field(default_factory=utcnow)


class Conversation(SQLModel, table=True):
    """Where a person stands in the interview. The only conversation state there is."""

    user_id: int = Field(foreign_key="user.id", primary_key=True)
    report_id: int | None = Field(default=None, foreign_key="report.id")
    step: str = Field(default="", max_length=64)
    state: str = Field(default="{}", sa_column=Column(Text, nullable=False))  # JSON: sub-flow data
    prompt_token: str = Field(default="", max_length=16)  # buttons of older prompts carry other tokens
    last_seq: int = 0  # the channel's id of the last input handled (Telegram's update_id), to drop redeliveries
    updated_at: datetime = Field(default_factory=utcnow)


class Deadline(SQLModel, table=True):
    """An earlier internal deadline: for a whole county (set by an operator) or for one unit (by its clerk)."""

    __table_args__ = (UniqueConstraint("scope", "scope_key", "year"),)
    id: int | None = Field(default=None, primary_key=True)
    scope: str = Field(max_length=16)  # county | unit
    scope_key: str = Field(max_length=128)  # the county's name, or the unit's id
    year: int  # the report year it applies to
    due: date
    set_by: int | None = Field(default=None, foreign_key="user.id")
    set_at: datetime = Field(default_factory=utcnow)


class Reminder(SQLModel, table=True):
    """One planned reminder of one report; unique, so a plan can be rebuilt without repeating one."""

    __table_args__ = (UniqueConstraint("report_id", "kind"),)
    id: int | None = Field(default=None, primary_key=True)
    report_id: int = Field(foreign_key="report.id", index=True)
    kind: str = Field(max_length=16)  # before-30 … before-0, late-1 … late-10
    due_at: datetime = Field(index=True)
    target: date  # the working day the clerk should finish by
    state: str = Field(default="planned", max_length=16, index=True)  # planned | released | skipped
    reason: str = Field(default="", max_length=255)


class Delivery(SQLModel, table=True):
    """A message to one person sent by the bot on its own: a deadline reminder, a coordinator's nudge, or
    news of a review, on one channel. pending → sending → sent; never back from sending (at most once)."""

    __table_args__ = (
        UniqueConstraint("reminder_id", "user_id", "channel", name="uq_delivery_reminder_user_channel"),  # once per channel
        Index("ix_delivery_inbox", "user_id", "channel", "id"),  # a person's web inbox, newest first (polled by open pages)
    )
    id: int | None = Field(default=None, primary_key=True)
    reminder_id: int | None = Field(default=None, foreign_key="reminder.id", index=True)  # None: not a planned reminder
    kind: str = Field(default="reminder", max_length=16)  # reminder | nudge | review
    report_id: int | None = Field(default=None, foreign_key="report.id", index=True)
    user_id: int = Field(foreign_key="user.id")
    channel: str = Field(default="telegram", max_length=16, index=True)  # telegram | dingtalk | web | email: whose sender takes it
    chat_id: str = Field(max_length=254)  # the address on that channel: Telegram chat, DingTalk userId, web login's external id, e-mail address
    text: str = Field(sa_column=Column(Text, nullable=False))
    state: str = Field(default="pending", max_length=16, index=True)  # pending | sending | sent | blocked | failed | unknown
    not_before: datetime = Field(default_factory=utcnow)
    lease_until: datetime | None = None  # a sender process has listed it to send until then; others leave it alone
    attempts: int = 0
    sent_at: datetime | None = None
    read_at: datetime | None = None  # the web inbox: when the person read it there (None: unread)


class Comment(SQLModel, table=True):
    """A reviewer's remark on a part (`table3`, `overview`) or a cell or row (`table3.GRANT.NP`) of a report."""

    id: int | None = Field(default=None, primary_key=True)
    report_id: int = Field(foreign_key="report.id", index=True)
    target: str = Field(max_length=64)
    text: str = Field(sa_column=Column(Text, nullable=False))
    author_id: int | None = Field(default=None, foreign_key="user.id")
    created_at: datetime = Field(default_factory=utcnow)
    resolved_at: datetime | None = None  # set when the clerk submits again


class Document(SQLModel, table=True):
    """The .docx as approved: what /collect hands to the county, byte for byte."""

    report_id: int = Field(foreign_key="report.id", primary_key=True)
    filename: str = Field(max_length=255)
    data: bytes
    made_at: datetime = Field(default_factory=utcnow)


class Refusal(SQLModel, table=True):
    """An attempt to touch what the person has no right to: kept for the operators to read."""

    id: int | None = Field(default=None, primary_key=True)
    user_id: int | None = Field(default=None, foreign_key="user.id", index=True)
    action: str = Field(max_length=32)
    target: str = Field(default="", max_length=64)  # unit:7, report:12, county:3, invite
    reason: str = Field(default="", max_length=255)
    at: datetime = Field(default_factory=utcnow)


class InboxUpdate(SQLModel, table=True):
    """An update received from a chat service and not yet answered (bot/storage/inbox.py)."""

    __tablename__ = "inbox_update"
    __table_args__ = (UniqueConstraint("channel", "update_id"),)
    id: int | None = Field(default=None, primary_key=True)
    channel: str = Field(max_length=16)
    update_id: int
    payload: str = Field(sa_column=Column(Text, nullable=False))
    received_at: datetime = Field(default_factory=utcnow)


class ChangeSet(SQLModel, table=True):
    """The audit rows one input of one person wrote to one report (ids first..last): what /undo takes back."""

    __tablename__ = "change_set"
    id: int | None = Field(default=None, primary_key=True)
    report_id: int = Field(foreign_key="report.id", index=True)
    user_id: int | None = Field(default=None, foreign_key="user.id", index=True)
    first_audit: int  # audit_log.id of its first row
    last_audit: int  # audit_log.id of its last row
    undone: bool = False
    at: datetime = Field(default_factory=utcnow)


class AnswerInput(SQLModel, table=True):
    """Which message of a person answered which question of a report: an edited message finds its answer."""

    __tablename__ = "answer_input"
    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="user.id", index=True)
    report_id: int = Field(foreign_key="report.id")
    message: str = Field(max_length=64)  # the channel's id of the message (Telegram: chat:message_id)
    step: str = Field(max_length=64)  # the question it answered
    state: str = Field(default="{}", sa_column=Column(Text, nullable=False))  # the conversation's state then (JSON)
    change_id: int | None = Field(default=None, foreign_key="change_set.id")  # what it changed, if anything
    at: datetime = Field(default_factory=utcnow)


class Stored(Protocol):
    id: int | None


def id_of(row: Stored) -> int:
    """A stored row's id. SQLModel types every id `int | None` (None only before the row is flushed)."""
    assert row.id is not None, "the row is not stored yet"
    return row.id


def table_of(model: type[SQLModel]) -> Table:
    """The model's Core table, for bulk statements (SQLModel declares `__table__` without a type)."""
    return cast(Table, model.__table__)  # type: ignore[attr-defined]  # set by SQLAlchemy's declarative mapping


def rowcount(result: Result[Any]) -> int:
    """Rows an UPDATE or DELETE matched (Session.execute is typed as returning a plain Result)."""
    return cast(CursorResult[Any], result).rowcount
