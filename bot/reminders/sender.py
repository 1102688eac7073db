"""Sending due reminders through Telegram within its limits, never twice.

At most 25 messages a second overall and one a second per chat. Telegram's 429 (RetryAfter) means the
message was not taken: it is retried after the time Telegram asks for, and all sending pauses that long.
A user who blocked the bot (403) is marked and skipped from then on. A timeout leaves it unknown whether
the message went out: it is not retried.

When nothing can have reached Telegram (connection refused, DNS or TLS failure, no connection within the
connect timeout, 502/503 from its front: the request transport marks these errors `not_sent`), the
message goes back to the queue with a growing delay (2 s, 4 s, … at most 5 minutes) and all sending
pauses as long, so a network blip at 09:00 delays the day's reminders instead of losing them.
"""

from __future__ import annotations

import asyncio
import logging
import time
from datetime import datetime, timedelta

from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TelegramError, TimedOut

from bot.reminders.schedule import Reminders

log = logging.getLogger(__name__)
MAX_BACKOFF = 300.0  # seconds between attempts while Telegram stays unreachable
# The one button of a message the bot sends on its own: back to where the person stands (for a reviewer,
# the report to review). Its payload names nothing, so there is nothing in it to forge.
RESUME = InlineKeyboardMarkup([[InlineKeyboardButton("继续填写", callback_data="resume")]])
OPEN = InlineKeyboardMarkup([[InlineKeyboardButton("查看", callback_data="resume")]])


class RateLimiter:
    def __init__(self, per_second: float = 25.0, per_chat_interval: float = 1.0):
        self.interval = 1.0 / per_second
        self.per_chat = per_chat_interval
        self.next_slot = 0.0
        self.chat_next: dict[str, float] = {}
        self.lock = asyncio.Lock()

    async def acquire(self, chat_id: str) -> None:
        async with self.lock:
            now = time.monotonic()
            start = max(now, self.next_slot, self.chat_next.get(chat_id, 0.0))
            self.next_slot = start + self.interval
            self.chat_next[chat_id] = start + self.per_chat
            if len(self.chat_next) > 10000:
                self.chat_next = {c: t for c, t in self.chat_next.items() if t > now}
        await asyncio.sleep(max(0.0, start - time.monotonic()))

    def pause(self, seconds: float) -> None:
        self.next_slot = max(self.next_slot, time.monotonic() + seconds)


class ReminderSender:
    def __init__(self, reminders: Reminders, limiter: RateLimiter | None = None, concurrency: int = 8):
        self.reminders = reminders
        self.limiter = limiter or RateLimiter()
        self.concurrency = concurrency
        self.last_full_plan = 0.0
        self.last_plan: datetime | None = None
        self.recovered = False
        self.outage_retries = 0  # consecutive sends that certainly did not reach Telegram
        self.resume_at = 0.0  # monotonic time before which nothing is sent (Telegram unreachable)

    async def tick(self, bot: Bot) -> int:
        """Keep plans current (each minute), release what is due, send what is pending. Returns messages sent."""
        if not self.recovered:
            unknown = await asyncio.to_thread(self.reminders.recover)
            if unknown:
                log.warning("%d reminders were being sent when the bot stopped; not sent again", unknown)
            self.recovered = True
        # changed reports every tick, every report every ten minutes (rows carry the product clock's times)
        started = self.reminders.now()
        full = time.monotonic() - self.last_full_plan > 600
        await asyncio.to_thread(self.reminders.refresh_plans, None if full else self.last_plan)
        self.last_plan = started - timedelta(seconds=1)
        if full:
            self.last_full_plan = time.monotonic()
        await asyncio.to_thread(self.reminders.release_due)
        # keep sending while messages are ready (a big fan-out would otherwise wait a tick per batch),
        # but give the plans a turn at least every minute
        sent, started_sending = 0, time.monotonic()
        while time.monotonic() - started_sending < 60:
            batch = await self.send_pending(bot)
            sent += batch
            if batch == 0:
                break
        return sent

    async def send_pending(self, bot: Bot, batch: int = 500) -> int:
        if time.monotonic() < self.resume_at:
            return 0
        pending = await asyncio.to_thread(self.reminders.pending, batch)
        queue: asyncio.Queue[tuple[int, str, str, str]] = asyncio.Queue()
        for item in pending:
            queue.put_nowait(item)
        sent = 0

        async def worker() -> None:
            nonlocal sent
            while not queue.empty() and time.monotonic() >= self.resume_at:  # an outage leaves the rest pending
                delivery_id, chat_id, text, kind = queue.get_nowait()
                await self.limiter.acquire(chat_id)
                if not await asyncio.to_thread(self.reminders.claim, delivery_id):
                    continue
                state, retry = await self._send(bot, chat_id, text, OPEN if kind == "review" else RESUME)
                await asyncio.to_thread(self.reminders.finish, delivery_id, state, retry)
                sent += state == "sent"

        await asyncio.gather(*(worker() for _ in range(self.concurrency)))
        return sent

    async def _send(self, bot: Bot, chat_id: str, text: str, markup: InlineKeyboardMarkup) -> tuple[str, float]:
        try:
            await bot.send_message(int(chat_id), text, reply_markup=markup)
            self.outage_retries = 0
            return "sent", 0.0
        except RetryAfter as exc:
            seconds = exc.retry_after.total_seconds() if hasattr(exc.retry_after, "total_seconds") else float(exc.retry_after)
            self.limiter.pause(seconds)
            return "retry", seconds
        except Forbidden:
            return "blocked", 0.0
        except BadRequest as exc:  # before NetworkError, its base class: Telegram refused, nothing sent
            log.warning("reminder to %s refused: %s", chat_id, exc)
            return "failed", 0.0
        except (TimedOut, NetworkError) as exc:
            if getattr(exc, "not_sent", False):
                self.outage_retries += 1
                seconds = min(MAX_BACKOFF, 2.0 ** min(self.outage_retries, 9))
                self.resume_at = time.monotonic() + seconds
                log.warning("Telegram unreachable (%s); retrying in %.0f s", exc, seconds)
                return "retry", seconds
            return "unknown", 0.0  # may have gone out: never risk sending it twice
        except TelegramError as exc:
            log.warning("reminder to %s failed: %s", chat_id, exc)
            return "failed", 0.0
