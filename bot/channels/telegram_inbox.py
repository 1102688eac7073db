"""No Telegram message lost to a crash: every update is stored before Telegram is told it arrived.

PTB's updater confirms a batch of updates to Telegram (by asking for the next ones) as soon as it has put
them on the application's queue. The queue below writes each update to the inbox (storage/inbox.py)
before accepting it, so the confirmation can only follow a durable write. The channel deletes an
update from the inbox when its handling has ended; what is left after a kill is put back on the queue
at start, and the interview's per-person sequence numbers keep it from counting twice.
"""

from __future__ import annotations

import asyncio
import json
import logging

from telegram import Bot, Update

from storage import inbox
from storage.repository import Repository

log = logging.getLogger(__name__)
CHANNEL = "telegram"


class DurableQueue(asyncio.Queue[object]):
    """The application's update queue; an update is in the inbox before it is in the queue."""

    def __init__(self, repo: Repository) -> None:
        super().__init__()
        self.repo = repo

    async def put(self, item: object) -> None:
        if isinstance(item, Update):
            new = await asyncio.to_thread(inbox.keep, self.repo, CHANNEL, item.update_id, json.dumps(item.to_dict(), ensure_ascii=False))
            if not new:  # queued already (replayed at start), or being handled by another process
                log.info("update %d received again; it is handled once", item.update_id)
                return
        await super().put(item)

    async def replay(self, bot: Bot) -> int:
        """Queue again the updates whose handling never ended (the bot was killed). Returns how many."""
        waiting = await asyncio.to_thread(inbox.waiting, self.repo, CHANNEL)
        for _, payload in waiting:
            update = Update.de_json(json.loads(payload), bot)
            if update is not None:
                await super().put(update)
        if waiting:
            log.warning("%d updates received before the last stop were not answered; handling them now", len(waiting))
        return len(waiting)

    async def handled(self, update: object) -> None:
        if isinstance(update, Update):
            await asyncio.to_thread(inbox.done, self.repo, CHANNEL, update.update_id)
