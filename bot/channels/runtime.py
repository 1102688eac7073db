"""The product's runtime: the periodic work of a running install, whatever channels it has.

One `Runtime` per process that runs the product (`nianbao run`, and `nianbao web`, which is the same with
no chat channel). It owns an APScheduler `AsyncIOScheduler` on the process's event loop with three jobs:

- `plans`   every `interval` seconds: keep changed reports' reminder plans current (every report's every
            ten minutes), then release the reminders that are due as deliveries (bot/storage/outbox.py);
- `deliver` every `interval` seconds: each channel's sender takes the pending deliveries of its channel
            (Telegram, DingTalk, the web inbox, e-mail) and sends them, each once;
- one-shot jobs a channel adapter asks for at start (Telegram: replaying the updates a killed run kept).

The plans and the outbox live in the database, so nothing is lost or sent twice across restarts or
SIGKILL: a delivery is claimed (committed) just before it leaves. With several processes on one
PostgreSQL database every process runs a runtime: an advisory lock lets exactly one plan and release at a
time, and the claim decides which sender sends. Channels are adapters: they receive inputs and deliver
what the outbox hands their sender; none owns a scheduler.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

from apscheduler.schedulers.asyncio import AsyncIOScheduler

from bot.reminders.channel import ChannelSender
from bot.reminders.schedule import Reminders
from bot.reminders.sender import ReminderSender

log = logging.getLogger(__name__)
INTERVAL = 5.0  # seconds between rounds of planning and of sending
Job = Callable[[], Awaitable[Any]]


class Runtime:
    def __init__(self, reminders: Reminders, senders: list[ChannelSender], *, interval: float = INTERVAL, plans: bool = True):
        """`plans`: this process keeps plans and releases reminders (all may; the advisory lock picks one)."""
        self.reminders = reminders
        self.outbox = ReminderSender(reminders, senders=senders, plans=plans)
        self.interval = interval
        self.scheduler: AsyncIOScheduler | None = None
        self._at_start: list[tuple[str, Job]] = []
        self.rounds = {"plans": 0, "deliver": 0}  # finished rounds of each job, for tests and /healthz

    @property
    def senders(self) -> dict[str, ChannelSender]:
        return self.outbox.senders

    def add_sender(self, sender: ChannelSender) -> None:
        self.outbox.senders[sender.channel] = sender

    def at_start(self, name: str, job: Job) -> None:
        """A one-shot job run as soon as the runtime starts, however late (e.g. Telegram's replay)."""
        if self.scheduler is not None:
            self.scheduler.add_job(self._guarded(name, job), id=name, name=name, misfire_grace_time=None)
        else:
            self._at_start.append((name, job))

    async def start(self) -> None:
        """Inside the running event loop: recover what a stopped process left half-sent, then schedule."""
        await self.outbox.recover()
        scheduler = AsyncIOScheduler(
            timezone=UTC,
            # a round that is late (a slow database, a long fan-out) runs once when it can, never piled up
            job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": None},
        )
        now = datetime.now(UTC)
        if self.outbox.plans:
            scheduler.add_job(self._guarded("plans", self._plans), "interval", seconds=self.interval, id="plans", next_run_time=now)
        scheduler.add_job(self._guarded("deliver", self._deliver), "interval", seconds=self.interval, id="deliver", next_run_time=now)
        self.scheduler = scheduler
        for name, job in self._at_start:
            scheduler.add_job(self._guarded(name, job), id=name, name=name, misfire_grace_time=None)
        self._at_start.clear()
        scheduler.start()

    async def stop(self) -> None:
        if self.scheduler is not None and self.scheduler.running:
            self.scheduler.shutdown(wait=False)
        self.scheduler = None
        for sender in self.senders.values():
            close = getattr(sender, "close", None)
            if close is not None:
                close()

    async def _plans(self) -> None:
        await self.outbox.plan_and_release()
        self.rounds["plans"] += 1

    async def _deliver(self) -> None:
        await self.outbox.deliver()
        self.rounds["deliver"] += 1

    @staticmethod
    def _guarded(name: str, job: Job) -> Job:
        async def run() -> None:
            try:
                await job()
            except Exception:  # logged; the next round runs as usual
                log.exception("the %s job failed", name)

        run.__name__ = name
        return run
