"""No Telegram message lost to a crash: Telegram is told an update arrived only once it is safe.

PTB's updater confirms a batch of updates to Telegram (by asking for the next ones) as soon as it has put
them on the application's queue. The bot below writes each batch to the inbox (bot/storage/inbox.py) before
handing it to the updater, so the confirmation can only follow a durable write. The channel deletes an
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
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

from telegram import Bot, Update
from telegram.ext import ExtBot

from bot.storage import inbox
from bot.storage.repository import Repository

log = logging.getLogger(__name__)
CHANNEL = "telegram"
ANSWER_WITHIN = 50.0  # seconds; Telegram gives up on a webhook request after about a minute
FORGET_AFTER = 0.2  # seconds a handled update stays in the inbox, so that deletions go together


class DurableQueue(asyncio.Queue[object]):
    """The application's update queue under polling; an update is in the inbox before it is in the queue.

    `InboxBot` writes each polled batch in one transaction (`keep`) before the updater puts its updates
    here; an update put without that (none in the bot, but any caller may) is written on its own. The
    inbox rows of handled updates are deleted together, at most FORGET_AFTER seconds later: one
    transaction per batch instead of two per update, which on SQLite also competed with the interview
    for the one write lock. A kill in between leaves a few handled updates behind; at start they are
    put back, and the sequence numbers answer them with the current question again, nothing counted twice.
    """

    def __init__(self, repo: Repository) -> None:
        super().__init__()
        self.repo = repo
        self._kept: dict[int, bool] = {}  # update id → new in the inbox, for a batch `keep` has written
        self._handled: list[int] = []
        self._forgetting: asyncio.Task[None] | None = None

    async def keep(self, updates: Sequence[Update]) -> None:
        """Write a batch of polled updates to the inbox, in one transaction, before Telegram is told."""
        rows = [(u.update_id, json.dumps(u.to_dict(), ensure_ascii=False)) for u in updates]
        new = await asyncio.to_thread(inbox.keep_many, self.repo, CHANNEL, rows)
        self._kept.update((u.update_id, u.update_id in new) for u in updates)

    async def put(self, item: object) -> None:
        if isinstance(item, Update):
            new = self._kept.pop(item.update_id, None)
            if new is None:
                payload = json.dumps(item.to_dict(), ensure_ascii=False)
                new = await asyncio.to_thread(inbox.keep, self.repo, CHANNEL, item.update_id, payload)
            if not new:  # queued already (replayed at start), or being handled by another process
                log.info("update %d received again; it is handled once", item.update_id)
                return
        await super().put(item)

    async def replay(self, bot: Bot) -> int:
        """Queue again the updates whose handling never ended (the bot was killed). Returns how many."""
        return await _replay(self.repo, bot, super().put)

    async def handled(self, update: object) -> None:
        if isinstance(update, Update):
            self._handled.append(update.update_id)
            if self._forgetting is None:
                self._forgetting = asyncio.create_task(self._forget_soon())

    async def _forget_soon(self) -> None:
        await asyncio.sleep(FORGET_AFTER)
        await self.flush()

    async def flush(self) -> None:
        """Delete the handled updates from the inbox now (also at shutdown)."""
        self._forgetting = None
        ids, self._handled = self._handled, []
        try:
            await asyncio.to_thread(inbox.done, self.repo, CHANNEL, ids)
        except Exception as exc:  # the database is away: deleted with the next ones (or replayed, answered as seen)
            self._handled = ids + self._handled
            log.warning("could not forget %d handled updates yet: %s", len(ids), exc)


class InboxBot(ExtBot[None]):
    """The bot under polling: each batch of updates is in the inbox (`DurableQueue.keep`) before
    `get_updates` returns it, so before the updater confirms it to Telegram by asking for the next."""

    def __init__(self, queue: DurableQueue, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._inbox = queue

    async def get_updates(self, *args: Any, **kwargs: Any) -> tuple[Update, ...]:
        updates = await super().get_updates(*args, **kwargs)
        if updates:
            await self._inbox.keep(updates)
        return updates


async def _replay(repo: Repository, bot: Bot, put: Callable[[object], Awaitable[None]]) -> int:
    """Put the updates kept in the inbox (their handling never ended) on a queue; how many."""
    waiting = await asyncio.to_thread(inbox.waiting, repo, CHANNEL)
    for _, payload in waiting:
        update = Update.de_json(json.loads(payload), bot)
        if update is not None:
            await put(update)
    if waiting:
        log.warning("%d updates received before the last stop were not answered; handling them now", len(waiting))
    return len(waiting)


class AnsweredQueue(asyncio.Queue[object]):
    """The application's update queue under the webhook: putting an update (what the webhook request
    does before it answers 200) returns once the update has been handled, or failed with an apology.

    A process killed meanwhile never answers, so Telegram delivers the update again, to this process or
    another; the interview's per-person sequence number keeps a handled one from counting twice.
    Updates a polling run left in the inbox (killed, then started with the webhook) are replayed at
    start and deleted from the inbox once handled.
    """

    def __init__(self, repo: Repository) -> None:
        super().__init__()
        self.repo = repo
        self._handling: dict[int, asyncio.Future[None]] = {}
        self._replayed: set[int] = set()

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
        async def put(update: object) -> None:
            assert isinstance(update, Update)
            self._replayed.add(update.update_id)
            await super(AnsweredQueue, self).put(update)

        return await _replay(self.repo, bot, put)

    async def handled(self, update: object) -> None:
        if isinstance(update, Update):
            waiting = self._handling.pop(update.update_id, None)
            if waiting is not None and not waiting.done():
                waiting.set_result(None)
            if update.update_id in self._replayed:
                self._replayed.discard(update.update_id)
                await asyncio.to_thread(inbox.done, self.repo, CHANNEL, [update.update_id])

    async def flush(self) -> None:
        """Nothing waits to be forgotten: replayed updates are deleted as they are handled."""
