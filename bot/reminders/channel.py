"""What every channel's sender of notifications shares: a rate limiter and the outage backoff.

A sender takes one message (address, text, kind) and answers what became of it:
  sent      — the channel took it;
  retry     — it certainly did not reach the channel (throttled, unreachable): queue it again after a delay;
  blocked   — the person cannot be reached there any more (Telegram 403, DingTalk: left the organisation);
  failed    — the channel refused it for good;
  unknown   — it may have gone out (a timeout after sending): never sent again.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable

log = logging.getLogger(__name__)
MAX_BACKOFF = 300.0  # seconds between attempts while a channel stays unreachable


class RateLimiter:
    """Sending slots: at most `per_second` in all, and one chat again only after `per_chat_interval`.

    `clock` and `sleep` are the loop's time by default; a test passes its own to check the slots exactly.
    """

    def __init__(self, per_second: float = 25.0, per_chat_interval: float = 1.0, clock: Callable[[], float] = time.monotonic,
                 sleep: Callable[[float], Awaitable[None]] = asyncio.sleep):
        self.per_second = per_second
        self.interval = 1.0 / per_second
        self.per_chat = per_chat_interval
        self.clock = clock
        self.sleep = sleep
        self.next_slot = 0.0
        self.chat_next: dict[str, float] = {}
        self.lock = asyncio.Lock()

    async def acquire(self, chat_id: str) -> float:
        """Wait for this chat's next slot; the slot's time."""
        async with self.lock:
            now = self.clock()
            start = max(now, self.next_slot, self.chat_next.get(chat_id, 0.0))
            self.next_slot = start + self.interval
            self.chat_next[chat_id] = start + self.per_chat
            if len(self.chat_next) > 10000:
                self.chat_next = {c: t for c, t in self.chat_next.items() if t > now}
        await self.sleep(max(0.0, start - self.clock()))
        return start

    def pause(self, seconds: float) -> None:
        self.next_slot = max(self.next_slot, self.clock() + seconds)


class ChannelSender:
    """One channel's way out. Subclasses implement `send`; a channel's outage pauses only that channel."""

    channel = ""

    def __init__(self, limiter: RateLimiter | None = None, concurrency: int = 8):
        self.limiter = limiter or RateLimiter()
        self.concurrency = concurrency
        self.outage_retries = 0  # consecutive sends that certainly did not reach the channel
        self.resume_at = 0.0  # monotonic time before which nothing is sent (channel unreachable)

    @property
    def paused(self) -> bool:
        return time.monotonic() < self.resume_at

    async def send(self, address: str, text: str, kind: str) -> tuple[str, float]:
        """(state, seconds to wait before a retry)."""
        raise NotImplementedError

    def reached(self) -> None:
        self.outage_retries = 0

    def unreachable(self, why: object) -> tuple[str, float]:
        """Nothing can have reached the channel: back off 2 s, 4 s, … at most five minutes, all its sending
        paused. Sends that were in flight together fail together: they count as one attempt."""
        if not self.paused:
            self.outage_retries += 1
            seconds = min(MAX_BACKOFF, 2.0 ** min(self.outage_retries, 9))
            self.resume_at = time.monotonic() + seconds
            log.warning("%s unreachable (%s); retrying in %.0f s", self.channel, why, seconds)
        return "retry", max(0.0, self.resume_at - time.monotonic())

    def throttled(self, seconds: float) -> tuple[str, float]:
        """The channel asked us to slow down: everything on it waits that long, this message is queued again."""
        self.limiter.pause(seconds)
        return "retry", seconds
