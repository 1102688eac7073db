"""The reminder plan for a deadline: when to send, and why a date moved.

By default 30, 14, 7, 3 and 1 days before the deadline and on the day, at 09:00 Asia/Shanghai. A date
that is not a working day moves to the working day before it; when the deadline itself is not a working
day, the plan counts to the last working day before it and names that day. After the deadline, one
reminder each working day, for up to ten working days.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from bot.reminders.workcalendar import WorkCalendar

OFFSETS = (30, 14, 7, 3, 1, 0)
LATE_DAYS = 10
SEND_AT = time(9, 0)
ZONE = ZoneInfo("Asia/Shanghai")


@dataclass(frozen=True)
class Planned:
    kind: str  # "before-30" … "before-0", "late-1" … "late-10"
    day: date
    send_at: datetime  # aware, Asia/Shanghai
    reasons: tuple[str, ...]  # why the day moved (empty when it did not)
    target: date  # the working day the clerk should finish by


def effective_deadline(deadline: date, calendar: WorkCalendar) -> date:
    return calendar.previous_working(deadline)


def plan(deadline: date, calendar: WorkCalendar, start: date | None = None) -> list[Planned]:
    """Reminders for a deadline; those before `start` (e.g. today) are left out."""
    target = effective_deadline(deadline, calendar)
    unknown = sorted(y for y in {deadline.year, deadline.year - 1} if not calendar.knows(y))
    calendar_note = [f"{'、'.join(map(str, unknown))}年的节假日安排未知，只按周末计算"] if unknown else []
    base_reasons = list(calendar_note)
    if target != deadline:
        base_reasons.insert(0, f"截止日{deadline.isoformat()}是{calendar.day(deadline).reason or '非工作日'}，按此前最后一个工作日{target.isoformat()}计算")
    out: list[Planned] = []
    seen: set[date] = set()
    for offset in OFFSETS:
        wanted = target - timedelta(days=offset)
        day = calendar.previous_working(wanted)
        reasons = list(base_reasons)
        if day != wanted:
            reasons.append(f"{wanted.isoformat()}是{calendar.day(wanted).reason}，提前到{day.isoformat()}")
        if day in seen:
            continue  # two offsets moved onto one day: one reminder
        seen.add(day)
        out.append(Planned(f"before-{offset}", day, datetime.combine(day, SEND_AT, ZONE), tuple(reasons), target))
    day = deadline
    for n in range(1, LATE_DAYS + 1):
        day = calendar.next_working_after(day)
        out.append(Planned(f"late-{n}", day, datetime.combine(day, SEND_AT, ZONE), tuple(calendar_note), target))
    if start is not None:
        out = [p for p in out if p.day >= start]
    return out
