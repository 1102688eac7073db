"""Reminders in the database: deadlines, plans, which reminders are due, and claiming them to send.

A delivery goes pending → sending → sent. It is claimed (sending) in its own committed transaction just
before the message is sent, and never goes back: a process killed between the claim and the answer
leaves it "unknown", and it is not sent again. So a reminder is never sent twice.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from bot.checks.validate import open_errors
from bot.core.progress import parts_done_from
from bot.format.interview import load_script
from bot.reminders.plan import ZONE, Planned, plan
from bot.reminders.workcalendar import WorkCalendar
from bot.storage.models import County, Deadline, Reminder, ReportRecord, Unit, User, id_of
from bot.storage.outbox import PlanInputs
from bot.storage.protocols import CountyKeysStore, ScheduleStore
from bot.storage.repository import Repository

USEFUL_FOR = timedelta(hours=20)  # a reminder missed while the bot was down is still sent within this


def default_deadline(year: int) -> date:
    """Townships and county departments: 31 January of the following year (条例第四十九条)."""
    return date(year + 1, 1, 31)


def county_keys(store: CountyKeysStore, unit: Unit) -> list[str]:
    """The keys a county deadline of this unit may be stored under: its county's id; for a lone unit (one
    that named its county at onboarding), that name and the id of every county of that name in its
    province, so that a county's date reaches every unit that named the county."""
    named = store.counties_named(unit.county) if unit.county_id is None and unit.county else []
    return keys_of(unit, named)


def keys_of(unit: Unit, named: list[County]) -> list[str]:
    """`county_keys`, given the counties named like the unit's (read once for many units when planning)."""
    if unit.county_id is not None:
        return [str(unit.county_id)]
    if not unit.county:
        return []
    same = [c for c in named if not (unit.province and c.province and c.province != unit.province)]
    return [unit.county, *(str(c.id) for c in same)]


def earliest(year: int, rows: list[Deadline]) -> tuple[date, str]:
    options = [(default_deadline(year), "法定截止日")]
    for row in rows:
        options.append((row.due, "县里规定的截止日" if row.scope == "county" else "本单位设定的截止日"))
    return min(options)


def deadline_for(store: ScheduleStore, record: ReportRecord, unit: Unit) -> tuple[date, str]:
    """The earliest of the default, the county's internal date and the unit's own date, and whose it is."""
    return deadline_of(record, unit, store.plan_inputs([record]))


def deadline_of(record: ReportRecord, unit: Unit, inputs: PlanInputs) -> tuple[date, str]:
    """`deadline_for`, from what planning read once for many reports."""
    keys = keys_of(unit, inputs.counties.get(unit.county or "", []))
    rows = [d for d in inputs.deadlines if d.year == record.year and (
        (d.scope == "unit" and d.scope_key == str(unit.id)) or (d.scope == "county" and d.scope_key in keys))]
    return earliest(record.year, rows)


def set_deadline(store: ScheduleStore, scope: str, key: str, year: int, due: date, user: User) -> None:
    store.set_deadline(scope, key, year, due, user)


def _utc(dt: datetime) -> datetime:
    return dt.astimezone(UTC)


@dataclass
class Released:
    deliveries: int = 0
    skipped: int = 0


# Jobs one process at a time does when several share a PostgreSQL database (advisory lock ids).
PLANNING, RELEASING = 7_272_021_01, 7_272_021_02


class Reminders:
    def __init__(self, repo: Repository, calendar: WorkCalendar, now: Callable[[], datetime]):
        self.repo = repo
        self.calendar = calendar
        self.now = now
        self.script = load_script()
        self._planned: dict[int, date] = {}  # report id → the deadline its reminders were last made for here

    # ---- plans --------------------------------------------------------------------------------

    def refresh_plans(self, since: datetime | None = None) -> int:
        """Make draft reports' planned reminders match their current deadlines. Returns rows changed.

        With `since` (wall-clock time of the last refresh) only reports changed since then are looked
        at, unless a deadline changed, which can move every report of a county.
        """
        changed = 0
        with self.repo.transaction() as store:
            if not store.only_one(PLANNING):  # another process is planning right now
                return 0
            records = store.reports_to_plan(since)
            inputs = store.plan_inputs(records)
            due: dict[int, date] = {}
            for record in records:
                unit = inputs.units.get(record.unit_id)
                if unit is None or record.id is None:
                    continue
                deadline, _ = deadline_of(record, unit, inputs)
                # a report changed by an answer keeps its deadline: its reminders need not be read again
                if since is None or self._planned.get(record.id) != deadline:
                    due[record.id] = deadline
            existing = store.reminders_of_reports(list(due))
            plans: dict[date, dict[str, Planned]] = {}  # most reports share a deadline
            for record in records:
                if record.id not in due:
                    continue
                deadline = due[record.id]
                if deadline not in plans:
                    plans[deadline] = {p.kind: p for p in plan(deadline, self.calendar)}
                changed += self._match(store, record, plans[deadline], existing.get(record.id, []))
        self._planned.update(due)  # committed
        return changed

    @staticmethod
    def _match(store: ScheduleStore, record: ReportRecord, wanted: dict[str, Planned], rows: list[Reminder]) -> int:
        """Make one report's planned reminders the wanted ones; sent or skipped ones stay. Rows changed."""
        changed = 0
        existing = {r.kind: r for r in rows}
        for kind, row in existing.items():
            if row.state != "planned":
                continue
            if kind not in wanted:
                store.delete(row)
                changed += 1
            elif _utc(wanted[kind].send_at) != _aware(row.due_at) or row.target != wanted[kind].target:
                row.due_at, row.target = _utc(wanted[kind].send_at), wanted[kind].target
                row.reason = "；".join(wanted[kind].reasons)[:255]
                store.add(row)
                changed += 1
        for kind, p in wanted.items():
            if kind not in existing:
                store.add(Reminder(report_id=id_of(record), kind=kind, due_at=_utc(p.send_at), target=p.target, reason="；".join(p.reasons)[:255]))
                changed += 1
        return changed

    # ---- releasing due reminders --------------------------------------------------------------

    def release_due(self) -> Released:
        """Due reminders become deliveries, one per member who wants them; stale or useless ones are skipped."""
        now = _utc(self.now())
        out = Released()
        with self.repo.transaction() as store:
            if not store.only_one(RELEASING):  # another process releases them: each once
                return out
            due = store.due_reminders(now)
            by_report: dict[int, list[Reminder]] = {}
            for r in due:
                by_report.setdefault(r.report_id, []).append(r)
            for report_id, reminders in by_report.items():
                latest = reminders[-1]
                for older in reminders[:-1]:
                    older.state, older.reason = "skipped", "已有更新的提醒"
                    store.add(older)
                    out.skipped += 1
                record = store.report_record(report_id)
                if record is None or record.status == "final":
                    latest.state, latest.reason = "skipped", "报告已定稿"
                elif now - _aware(latest.due_at) > USEFUL_FOR:
                    latest.state, latest.reason = "skipped", "错过发送时间且已过时"
                else:
                    latest.state = "released"
                    out.deliveries += self._deliveries(store, record, latest)
                store.add(latest)
                out.skipped += latest.state == "skipped"
        return out

    def _deliveries(self, store: ScheduleStore, record: ReportRecord, reminder: Reminder) -> int:
        # a submitted report waits for its reviewers: they are reminded too
        members = store.members_with_roles(record.unit_id, ["owner", "clerk"] + (["reviewer"] if record.status == "review" else []))
        wanted = [user for user in members if user.reminders_on]
        return store.notify(wanted, self.text(store, record, reminder), "reminder", record.id, reminder_id=reminder.id, not_before=_utc(self.now()))

    def text(self, store: ScheduleStore, record: ReportRecord, reminder: Reminder) -> str:
        answers = store.answers(id_of(record))
        report = store.load_report(id_of(record), answers)
        done = parts_done_from(answers, report.format, self.script)
        errors = open_errors(report)  # blank cells and unwritten sections are what "parts done" counts
        today = self.now().astimezone(ZONE).date()
        unit = report.unit.get("name", "")
        head = f"【年报提醒】{unit}{record.year}年度政府信息公开工作年度报告：已完成 {len(done)}/{len(self.script.parts)} 部分"
        head += f"，还有{errors}个错误需要改正。" if errors else "。"
        if record.status == "review":
            head += "报告已提交审核，等待审核人审核通过。"
        if reminder.kind.startswith("late"):
            body = "报告已超过截止日期，请尽快完成并报送。"
        else:
            left = self.calendar.working_days_between(today, reminder.target)
            when = "今天就是" if left == 0 else f"还有{left}个工作日"
            body = f"{when}截止（请在{reminder.target.month}月{reminder.target.day}日前完成）。"
            if reminder.reason and "按此前最后一个工作日" in reminder.reason:
                body += "截止日在节假日内，请在假期前完成。"
        return f"{head}\n{body}\n发送 /remind off 可关闭提醒。"

    # ---- sending ------------------------------------------------------------------------------

    def recover(self) -> int:
        """After a restart: deliveries left in 'sending' may or may not have gone out. Never resend them."""
        with self.repo.transaction() as store:
            return store.forget_sending()

    def pending(self, limit: int, channels: tuple[str, ...] = ("telegram",), lease: float = 0.0) -> list[tuple[int, str, str, str, str]]:
        """(id, channel, address, text, kind) of deliveries ready to send on these channels: reminders,
        nudges and review news alike; reserved for `lease` seconds for this sender when given."""
        now = _utc(self.now())
        with self.repo.transaction() as store:
            return store.pending_deliveries(now, limit, channels, timedelta(seconds=lease))

    def unlease(self, delivery_ids: list[int]) -> None:
        """Give back reserved deliveries that were not tried."""
        with self.repo.transaction() as store:
            store.unlease_deliveries(delivery_ids)

    def claim(self, delivery_id: int) -> bool:
        """Mark one delivery as being sent, committed before the message leaves. False if someone else has it."""
        with self.repo.transaction() as store:
            return store.claim_delivery(delivery_id)

    def finish(self, delivery_id: int, state: str, retry_after: float = 0.0) -> None:
        """sent | retry (back to pending after retry_after seconds: the channel did not take it) | blocked | failed | unknown."""
        self.finish_many([(delivery_id, state, retry_after)])

    def finish_many(self, outcomes: list[tuple[int, str, float]]) -> None:
        """What became of several sent deliveries, in one transaction (id, state, retry_after each)."""
        now = _utc(self.now())
        with self.repo.transaction() as store:
            for delivery_id, state, retry_after in outcomes:
                row = store.delivery(delivery_id)
                if row is None:
                    continue
                row.lease_until = None
                if state == "retry":
                    row.state, row.not_before = "pending", now + timedelta(seconds=retry_after)
                else:
                    row.state = state
                    if state == "sent":
                        row.sent_at = now
                    if state == "blocked":
                        user = store.get_user(row.user_id)
                        if user is not None:
                            user.blocked = True
                            store.add(user)
                store.add(row)


def _aware(dt: datetime) -> datetime:
    return dt if dt.tzinfo else dt.replace(tzinfo=UTC)

