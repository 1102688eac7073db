"""Messages the bot sends on its own (reminders, nudges, review news), deadlines, and refusals."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import select as sa_select
from sqlalchemy import update
from sqlmodel import col, select

from bot.storage.db import StoreBase, aware
from bot.storage.models import County, Deadline, Delivery, Member, Refusal, Reminder, ReportRecord, Unit, User, id_of, rowcount, utcnow


class OutboxStore(StoreBase):
    # ---- messages the bot sends on its own, and refusals ---------------------------------------

    def notify(
        self,
        users: list[User],
        text: str,
        kind: str,
        report_id: int | None = None,
        *,
        reminder_id: int | None = None,
        not_before: datetime | None = None,
    ) -> int:
        """Queue a message to each person on the channel they last used (on every linked channel if they
        chose so), where they can be reached and have not blocked the bot; that channel's sender delivers
        it, once. A person with an e-mail address gets it by e-mail too when the web page is their only
        channel, or when they asked for every channel. Returns how many were queued."""
        n = 0
        linked: dict[int | None, list[User]] = {}
        for identity in self.session.exec(select(User).where(col(User.person_id).in_([u.id for u in users]))).all():
            linked.setdefault(identity.person_id, []).append(identity)
        for user in users:
            identities = linked.get(user.id, [])
            targets: list[tuple[str, str, int]] = []
            for identity in reach(user, identities):
                place = route(identity)
                if place is not None:
                    targets.append((place[0], place[1], id_of(identity)))
            if by_email(user, identities):
                targets.append(("email", user.email, id_of(user)))
            for channel, address, user_id in targets:
                self.session.add(
                    Delivery(user_id=user_id, channel=channel, chat_id=address, text=text, kind=kind, report_id=report_id,
                             reminder_id=reminder_id, not_before=not_before or utcnow())
                )
                n += 1
        self.session.flush()
        return n

    def reports_notified(self, report_ids: list[int | None], kind: str, since: datetime) -> set[int | None]:
        """Those of the reports that had a message of this kind queued since then."""
        if not report_ids:
            return set()
        return set(
            self.session.exec(
                select(col(Delivery.report_id)).where(col(Delivery.kind) == kind, col(Delivery.report_id).in_(report_ids), col(Delivery.not_before) >= since)
            ).all()
        )

    def refuse(self, user: User | None, action: str, target: str, reason: str) -> None:
        self.session.add(Refusal(user_id=user.id if user else None, action=action[:32], target=target[:64], reason=reason[:255]))
        self.session.flush()

    def refusals(self, user: User | None = None) -> list[Refusal]:
        query = select(Refusal)
        if user is not None:
            query = query.where(Refusal.user_id == user.id)
        return list(self.session.exec(query.order_by(col(Refusal.id))).all())

    # ---- deadlines and planned reminders ----------------------------------------------------------

    def set_deadline(self, scope: str, key: str, year: int, due: date, user: User) -> None:
        row = self.session.exec(
            select(Deadline).where(Deadline.scope == scope, Deadline.scope_key == key, Deadline.year == year)
        ).first()
        if row is None:
            row = Deadline(scope=scope, scope_key=key, year=year, due=due, set_by=user.id)
        else:
            row.due, row.set_by = due, user.id
        self.save(row)

    def reports_to_plan(self, since: datetime | None) -> list[ReportRecord]:
        """Interview reports not yet final; with `since`, only those changed since then, unless a
        deadline was set since then (it can move every report of a county)."""
        query = select(ReportRecord).where(col(ReportRecord.status).in_(["draft", "review"]), col(ReportRecord.source) == "interview")
        if since is not None:
            deadline_moved = self.session.exec(select(Deadline.id).where(Deadline.set_at >= since)).first()
            if deadline_moved is None:
                query = query.where(ReportRecord.updated_at >= since)
        return list(self.session.exec(query).all())

    def plan_inputs(self, records: list[ReportRecord]) -> PlanInputs:
        """Everything planning these reports reads, in a handful of queries whatever their number (each
        report on its own took five, and every answer marks its report changed)."""
        unit_ids = sorted({r.unit_id for r in records})
        units = {u.id: u for part in _slices(unit_ids) for u in self.session.exec(select(Unit).where(col(Unit.id).in_(part))).all()}
        names = sorted({u.county for u in units.values() if u.county_id is None and u.county})
        counties: dict[str, list[County]] = {}
        for part in _slices(names):
            for county in self.session.exec(select(County).where(col(County.name).in_(part)).order_by(col(County.id))).all():
                counties.setdefault(county.name, []).append(county)
        years = sorted({r.year for r in records})
        deadlines = list(self.session.exec(select(Deadline).where(col(Deadline.year).in_(years))).all())
        return PlanInputs(units, counties, deadlines)

    def reminders_of_reports(self, report_ids: list[int]) -> dict[int, list[Reminder]]:
        """The reminders of these reports, by report id, in one query per thousand reports."""
        reminders: dict[int, list[Reminder]] = {}
        for part in _slices(sorted(report_ids)):
            for row in self.session.exec(select(Reminder).where(col(Reminder.report_id).in_(part))).all():
                reminders.setdefault(row.report_id, []).append(row)
        return reminders

    def due_reminders(self, now: datetime) -> list[Reminder]:
        return list(
            self.session.exec(
                select(Reminder).where(col(Reminder.state) == "planned", col(Reminder.due_at) <= now).order_by(col(Reminder.report_id), col(Reminder.due_at))
            ).all()
        )

    def members_with_roles(self, unit_id: int, roles: list[str]) -> list[User]:
        return list(
            self.session.exec(
                select(User).join(Member, col(Member.user_id) == User.id).where(col(Member.unit_id) == unit_id, col(Member.role).in_(roles))
            ).all()
        )

    # ---- deliveries -------------------------------------------------------------------------------

    def forget_sending(self) -> int:
        """Deliveries left in 'sending' by a stopped process become 'unknown' (never sent again); the leases
        of stopped senders end (a lease only spreads work, it guarantees nothing)."""
        result = self.session.execute(update(Delivery).where(col(Delivery.state) == "sending").values(state="unknown"))
        self.session.execute(update(Delivery).where(col(Delivery.lease_until).is_not(None)).values(lease_until=None))
        return int(rowcount(result) or 0)

    def pending_deliveries(self, now: datetime, limit: int, channels: tuple[str, ...] = ("telegram",),
                           lease: timedelta = timedelta(0)) -> list[tuple[int, str, str, str, str]]:
        """(id, channel, address, text, kind) of deliveries ready to send on these channels, oldest first.

        With a lease, the rows are reserved for this sender until then, so that several sender processes
        take different rows (PostgreSQL: rows another transaction is reserving are skipped, not waited for;
        SQLite: transactions take the write lock at their start, so they never overlap). Correctness does
        not rest on it: `claim_delivery` is the one atomic step that decides who sends."""
        query = (
            sa_select(col(Delivery.id), col(Delivery.channel), col(Delivery.chat_id), col(Delivery.text), col(Delivery.kind))
            .where(col(Delivery.state) == "pending", col(Delivery.not_before) <= now, col(Delivery.channel).in_(channels))
            .order_by(col(Delivery.id)).limit(limit)
        )
        if lease:
            query = query.where((col(Delivery.lease_until).is_(None)) | (col(Delivery.lease_until) <= now)).with_for_update(skip_locked=True)
        rows = [(int(i), str(ch), str(c), str(t), str(k)) for i, ch, c, t, k in self.session.execute(query).all()]
        if lease and rows:
            self.session.execute(update(Delivery).where(col(Delivery.id).in_([r[0] for r in rows])).values(lease_until=now + lease))
        return rows

    def unlease_deliveries(self, delivery_ids: list[int]) -> None:
        self.session.execute(update(Delivery).where(col(Delivery.id).in_(delivery_ids)).values(lease_until=None))

    def claim_delivery(self, delivery_id: int) -> bool:
        """pending → sending, atomically: of several processes trying, exactly one gets True."""
        result = self.session.execute(
            update(Delivery).where(col(Delivery.id) == delivery_id, col(Delivery.state) == "pending").values(state="sending", attempts=Delivery.attempts + 1)
        )
        return bool(rowcount(result))

    def delivery(self, delivery_id: int) -> Delivery | None:
        return self.session.get(Delivery, delivery_id)

    def inbox(self, user: User, now: datetime, limit: int = 50) -> list[Delivery]:
        """The web page's own inbox: a web person's notifications that are due, newest first."""
        return list(self.session.exec(
            select(Delivery).where(Delivery.user_id == user.id, Delivery.channel == "web", Delivery.not_before <= now,
                                   col(Delivery.state).in_(["pending", "sending", "sent"]))
            .order_by(col(Delivery.id).desc()).limit(limit)
        ).all())


EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
# The channels whose people are reached at their own address; a chat id of any other channel is a
# Telegram chat (the terminal has none; a test's people stand in for Telegram ones).
OWN_ADDRESS = ("dingtalk", "web")


def route(user: User) -> tuple[str, str] | None:
    """The channel and address a person is reached at, or None when there is none (the terminal)."""
    if user.channel == "web":
        return "web", user.external_id
    if user.channel in OWN_ADDRESS:
        return (user.channel, user.chat_id) if user.chat_id else None
    return ("telegram", user.chat_id) if user.chat_id else None


def reach(person: User, linked: list[User]) -> list[User]:
    """The identities a person's notification goes to: the reachable one used last, or all that are."""
    reachable = [u for u in (person, *linked) if not u.blocked and route(u) is not None]
    if person.notify_all or len(reachable) <= 1:
        return reachable
    return [max(reachable, key=lambda u: (aware(u.last_seen_at) if u.last_seen_at else EPOCH, u.id == person.id))]


def by_email(person: User, linked: list[User]) -> bool:
    """Whether a notice goes by e-mail too: the person has an address and either wants every channel or
    has no chat channel that reaches them (only the web page, whose inbox waits for a visit)."""
    if not person.email:
        return False
    if person.notify_all:
        return True
    places = [route(u) for u in (person, *linked) if not u.blocked]
    return all(place is None or place[0] == "web" for place in places)


@dataclass
class PlanInputs:
    units: dict[int | None, Unit]
    counties: dict[str, list[County]]  # by name, for units that only named their county
    deadlines: list[Deadline]  # of the reports' years


def _slices(values: list[Any], size: int = 1000) -> list[list[Any]]:
    """IN lists of a bounded length (SQLite's older builds allow 999 parameters a statement)."""
    return [values[i : i + size] for i in range(0, len(values), size)]
