"""Notifications for people who work on the web page: the delivery row is the message in their inbox.

"Sending" only marks it delivered; the page lists a person's due notifications itself (`Store.inbox`),
so nothing is lost when no sender runs, and nothing can be shown twice.
"""

from __future__ import annotations

from bot.reminders.channel import ChannelSender, RateLimiter


class WebInboxSender(ChannelSender):
    channel = "web"

    def __init__(self) -> None:
        super().__init__(RateLimiter(per_second=1000.0, per_chat_interval=0.0), concurrency=2)

    async def send(self, address: str, text: str, kind: str) -> tuple[str, float]:
        return "sent", 0.0
