"""Notifications through DingTalk: a card with one button back to the interview, within DingTalk's limits.

DingTalk's throttling (HTTP 429, a QpsLimit/flow-control code, or the person listed among the
flow-controlled) pauses DingTalk sending and queues the message again; a person DingTalk no longer knows
(left the organisation) is marked like a Telegram user who blocked the bot; what certainly did not reach
DingTalk (connection refused, 502/503) is retried with the outage backoff; a timeout is not repeated.
"""

from __future__ import annotations

import logging

from bot.channels.dingtalk.api import DingTalkError, OpenApi
from bot.channels.dingtalk.cards import card, card_id
from bot.interview.types import Button
from bot.reminders.channel import ChannelSender, RateLimiter

log = logging.getLogger(__name__)
RESUME = [[Button("继续填写", "resume")]]
OPEN = [[Button("查看", "resume")]]


class DingTalkSender(ChannelSender):
    channel = "dingtalk"

    def __init__(self, api: OpenApi, limiter: RateLimiter | None = None, concurrency: int = 8):
        super().__init__(limiter or RateLimiter(api.settings.rate, 1.0), concurrency)
        self.api = api

    async def send(self, address: str, text: str, kind: str) -> tuple[str, float]:
        try:
            await self.api.send_card(address, card_id(), card(text, OPEN if kind == "review" else RESUME))
            self.reached()
            return "sent", 0.0
        except DingTalkError as exc:
            if exc.retry_after:
                return self.throttled(exc.retry_after)
            if exc.gone:
                return "blocked", 0.0
            if exc.not_sent:
                return self.unreachable(exc)
            if exc.status == 0 or exc.status >= 500:
                return "unknown", 0.0  # may have gone out: never risk sending it twice
            log.warning("DingTalk refused a notification to %s: %s", address, exc)
            return "failed", 0.0
