"""Notifications through Telegram: at most 25 messages a second overall and one a second per chat.

Telegram's 429 (RetryAfter) means the message was not taken: it is retried after the time Telegram asks
for, and all Telegram sending pauses that long. A user who blocked the bot (403) is marked and skipped
from then on. A timeout leaves it unknown whether the message went out: it is not retried.

When nothing can have reached Telegram (connection refused, DNS or TLS failure, no connection within the
connect timeout, 502/503 from its front: the request transport marks these errors `not_sent`), the
message goes back to the queue with a growing delay (2 s, 4 s, … at most 5 minutes) and Telegram sending
pauses as long, so a network blip at 09:00 delays the day's reminders instead of losing them.
"""

from __future__ import annotations

import logging

from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TelegramError, TimedOut

from bot.reminders.channel import ChannelSender, RateLimiter

log = logging.getLogger(__name__)
# The one button of a message the bot sends on its own: back to where the person stands (for a reviewer,
# the report to review). Its payload names nothing, so there is nothing in it to forge.
RESUME = InlineKeyboardMarkup([[InlineKeyboardButton("继续填写", callback_data="resume")]])
OPEN = InlineKeyboardMarkup([[InlineKeyboardButton("查看", callback_data="resume")]])


class TelegramSender(ChannelSender):
    channel = "telegram"

    def __init__(self, bot: Bot | None = None, limiter: RateLimiter | None = None, concurrency: int = 8):
        super().__init__(limiter or RateLimiter(25.0, 1.0), concurrency)
        self.bot = bot

    async def send(self, address: str, text: str, kind: str) -> tuple[str, float]:
        assert self.bot is not None, "the Telegram sender needs the bot"
        try:
            await self.bot.send_message(int(address), text, reply_markup=OPEN if kind == "review" else RESUME)
            self.reached()
            return "sent", 0.0
        except RetryAfter as exc:
            seconds = exc.retry_after.total_seconds() if hasattr(exc.retry_after, "total_seconds") else float(exc.retry_after)
            return self.throttled(seconds)
        except Forbidden:
            return "blocked", 0.0
        except BadRequest as exc:  # before NetworkError, its base class: Telegram refused, nothing sent
            log.warning("reminder to %s refused: %s", address, exc)
            return "failed", 0.0
        except (TimedOut, NetworkError) as exc:
            if getattr(exc, "not_sent", False):
                return self.unreachable(exc)
            return "unknown", 0.0  # may have gone out: never risk sending it twice
        except TelegramError as exc:
            log.warning("reminder to %s failed: %s", address, exc)
            return "failed", 0.0
