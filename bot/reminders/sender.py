"""Sending due notifications (reminders, nudges, review news) through each person's channel, never twice.

Each channel has its own sender (`bot.reminders.channel.ChannelSender`): Telegram, DingTalk (from its
channel package) and the web page's inbox, each with its own rate limit, error handling and outage
pause, so a Telegram outage does not hold back DingTalk. A delivery is claimed (pending → sending,
committed) just before its message leaves and never goes back; a process killed in between leaves it
'unknown', never sent again. Several sender processes may run on one database: each reserves a batch
for a minute (a lease), and the claim decides who sends.
"""

from __future__ import annotations

import asyncio
import logging
import time
from datetime import datetime, timedelta

from bot.reminders.channel import ChannelSender, RateLimiter
from bot.reminders.schedule import Reminders

log = logging.getLogger(__name__)
LEASE = 60.0  # seconds a listed batch stays reserved for this process
OUTCOMES_BATCH = 16  # sent messages whose outcome is written in one transaction

__all__ = ["RateLimiter", "ReminderSender"]


class ReminderSender:
    def __init__(self, reminders: Reminders, senders: list[ChannelSender], *, plans: bool = True):
        """`senders`: one per channel this process delivers on (the channels layer builds them).
        `plans`: this process also keeps reminder plans and releases what is due (one process should)."""
        self.reminders = reminders
        self.senders = {s.channel: s for s in senders}
        self.plans = plans
        self.last_full_plan = 0.0
        self.last_plan: datetime | None = None
        self.recovered = False

    @property
    def outage_retries(self) -> int:
        """Consecutive sends that certainly did not reach Telegram."""
        telegram = self.senders.get("telegram")
        return telegram.outage_retries if telegram else 0

    async def tick(self) -> int:
        """Keep plans current, release what is due, send what is pending (the three steps the product's
        runtime schedules on their own). Returns messages sent."""
        await self.recover()
        if self.plans:
            await self.plan_and_release()
        return await self.deliver()

    async def recover(self) -> int:
        """Once, before the first send: deliveries a stopped process left in 'sending' become 'unknown'."""
        if self.recovered:
            return 0
        unknown = await asyncio.to_thread(self.reminders.recover)
        if unknown:
            log.warning("%d notifications were being sent when the product stopped; not sent again", unknown)
        self.recovered = True
        return unknown

    async def plan_and_release(self) -> None:
        """Changed reports' plans every call, every report's every ten minutes (rows carry the product
        clock's times); then the reminders that are due become deliveries."""
        started = self.reminders.now()
        full = time.monotonic() - self.last_full_plan > 600
        await asyncio.to_thread(self.reminders.refresh_plans, None if full else self.last_plan)
        self.last_plan = started - timedelta(seconds=1)
        if full:
            self.last_full_plan = time.monotonic()
        await asyncio.to_thread(self.reminders.release_due)

    async def deliver(self) -> int:
        """Send while messages are ready (a big fan-out would otherwise wait a round per batch), for at
        most a minute. Returns messages sent."""
        sent, started_sending = 0, time.monotonic()
        while time.monotonic() - started_sending < 60:
            batch = await self.send_pending()
            sent += batch
            if batch == 0:
                break
        return sent

    async def send_pending(self, batch: int = 500) -> int:
        """One batch per channel that is not paused, the channels side by side."""
        ready = tuple(c for c, s in self.senders.items() if not s.paused)
        if not ready:
            return 0
        pending = await asyncio.to_thread(self.reminders.pending, batch, ready, LEASE)
        by_channel: dict[str, list[tuple[int, str, str, str]]] = {}
        for delivery_id, channel, address, text, kind in pending:
            by_channel.setdefault(channel, []).append((delivery_id, address, text, kind))
        counts = await asyncio.gather(*(self._send_all(self.senders[c], items) for c, items in by_channel.items()))
        return sum(counts)

    async def _send_all(self, sender: ChannelSender, items: list[tuple[int, str, str, str]]) -> int:
        queue: asyncio.Queue[tuple[int, str, str, str]] = asyncio.Queue()
        for item in items:
            queue.put_nowait(item)
        sent = 0
        # What became of each sent message is written in batches: a delivery claimed and sent but not yet
        # marked is 'sending', which a kill turns into 'unknown', never sent again. So batching the
        # outcomes loses nothing and repeats nothing; the claim before each send is what must be single.
        outcomes: list[tuple[int, str, float]] = []

        async def record() -> None:
            batch = outcomes[:]
            outcomes.clear()
            if batch:
                await asyncio.to_thread(self.reminders.finish_many, batch)

        async def worker() -> None:
            nonlocal sent
            while not queue.empty() and not sender.paused:  # an outage leaves the rest pending
                delivery_id, address, text, kind = queue.get_nowait()
                await sender.limiter.acquire(address)
                if not await asyncio.to_thread(self.reminders.claim, delivery_id):
                    continue
                state, retry = await sender.send(address, text, kind)
                outcomes.append((delivery_id, state, retry))
                sent += state == "sent"
                if len(outcomes) >= OUTCOMES_BATCH:
                    await record()

        try:
            await asyncio.gather(*(worker() for _ in range(sender.concurrency)))
        finally:
            await record()
        if not queue.empty():  # the channel paused: what was not tried is free for the next round at once
            left = [queue.get_nowait()[0] for _ in range(queue.qsize())]
            await asyncio.to_thread(self.reminders.unlease, left)
        return sent
