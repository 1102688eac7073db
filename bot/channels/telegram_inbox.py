"""No Telegram message lost to a crash: Telegram is told an update arrived only once it is safe.

PTB's updater confirms a batch of updates to Telegram (by asking for the next ones) as soon as it has put
them on the application's queue. The queue below writes each update to the inbox (storage/inbox.py)
before accepting it, so the confirmation can only follow a durable write. The channel deletes an
update from the inbox when its handling has ended; what is left after a kill is put back on the queue
at start, and the interview's per-person sequence numbers keep it from counting twice.

With the webhook, Telegram delivers again any update not answered 200, so nothing needs writing first:
the answer is simply held until the update is handled (`AnsweredQueue`). That saves two transactions
per update, the largest part of the channel's cost with several processes (bench/bot_load.py).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging

from telegram import Bot, Update

from storage import inbox
from storage.repository import Repository

log = logging.getLogger(__name__)
CHANNEL = "telegram"
ANSWER_WITHIN = 50.0  # seconds; Telegram gives up on a webhook request after about a minute


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


class AnsweredQueue(asyncio.Queue[object]):
    """The application's update queue under the webhook: putting an update (what the webhook request
    does before it answers 200) returns once the update has been handled, or failed with an apology.

    A process killed meanwhile never answers, so Telegram delivers the update again, to this process or
    another; the interview's per-person sequence number keeps a handled one from counting twice.
    """

    def __init__(self) -> None:
        super().__init__()
        self._handling: dict[int, asyncio.Future[None]] = {}

    async def put(self, item: object) -> None:
        if not isinstance(item, Update):
            await super().put(item)
            return
        waiting = self._handling.get(item.update_id)
        if waiting is None:  # not delivered again while still being handled here
            waiting = self._handling[item.update_id] = asyncio.get_running_loop().create_future()
            await super().put(item)
        with contextlib.suppress(TimeoutError):  # answered anyway: Telegram would deliver it again meanwhile
            await asyncio.wait_for(asyncio.shield(waiting), ANSWER_WITHIN)

    async def replay(self, bot: Bot) -> int:
        return 0  # nothing kept: Telegram delivers again what was not answered

    async def handled(self, update: object) -> None:
        if isinstance(update, Update):
            waiting = self._handling.pop(update.update_id, None)
            if waiting is not None and not waiting.done():
                waiting.set_result(None)
