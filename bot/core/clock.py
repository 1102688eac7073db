"""The one clock of the product: every "now" and "today" comes from here, so time is a parameter.

The report year, deadlines, reminders and "days left" all depend on the date in the configured time
zone (Asia/Shanghai by default), not on the machine's. Tests pass a `FixedClock` and move it by hand.
"""

from __future__ import annotations

import time
from datetime import UTC, date, datetime, timedelta
from typing import Protocol
from zoneinfo import ZoneInfo

DEFAULT_ZONE = "Asia/Shanghai"


class Clock(Protocol):
    zone: ZoneInfo

    def now(self) -> datetime:
        """The current instant, timezone-aware (UTC)."""
        ...

    def today(self) -> date:
        """The date in the clock's zone."""
        ...


class SystemClock:
    """The machine's clock, read in the configured zone."""

    def __init__(self, zone: str | ZoneInfo = DEFAULT_ZONE) -> None:
        self.zone = zone if isinstance(zone, ZoneInfo) else ZoneInfo(zone)

    def now(self) -> datetime:
        return datetime.now(UTC)

    def today(self) -> date:
        return datetime.now(self.zone).date()


class FixedClock:
    """A clock that stands still until told to move (tests, benchmarks, replays)."""

    def __init__(self, at: datetime | date, zone: str | ZoneInfo = DEFAULT_ZONE) -> None:
        self.zone = zone if isinstance(zone, ZoneInfo) else ZoneInfo(zone)
        self.set(at)

    def set(self, at: datetime | date) -> None:
        """Stand at `at`: an aware datetime, a naive one (read in the zone) or a date (09:00 in the zone)."""
        if not isinstance(at, datetime):
            at = datetime(at.year, at.month, at.day, 9, 0)
        if at.tzinfo is None:
            at = at.replace(tzinfo=self.zone)
        self._now = at.astimezone(UTC)

    def advance(self, delta: timedelta) -> None:
        self._now += delta

    def now(self) -> datetime:
        return self._now

    def today(self) -> date:
        return self._now.astimezone(self.zone).date()


class RunningClock:
    """A clock that starts at a given instant and runs on from there: rehearsals ("as if it were
    20 January") and end-to-end tests whose bot runs in other processes."""

    def __init__(self, start: datetime, zone: str | ZoneInfo = DEFAULT_ZONE) -> None:
        self.zone = zone if isinstance(zone, ZoneInfo) else ZoneInfo(zone)
        self._start = (start if start.tzinfo else start.replace(tzinfo=self.zone)).astimezone(UTC)
        self._origin = time.monotonic()

    def now(self) -> datetime:
        return self._start + timedelta(seconds=time.monotonic() - self._origin)

    def today(self) -> date:
        return self.now().astimezone(self.zone).date()


def parse_instant(text: str) -> datetime:
    """An ISO date (read as 09:00) or date and time; naive values are in the clock's zone."""
    value = datetime.fromisoformat(text.strip())
    return value.replace(hour=9) if len(text.strip()) == 10 else value
