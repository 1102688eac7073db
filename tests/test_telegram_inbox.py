"""The polling inbox (bot/channels/telegram/inbox.py): a batch is written in one go before Telegram is told,
an update another process holds is not queued twice, and handled updates leave the inbox together."""

from __future__ import annotations

import asyncio

import pytest
from pgserver import current_url
from telegram import Update

from bot.channels.telegram.inbox import FORGET_AFTER, DurableQueue
from bot.storage import inbox
from bot.storage.repository import Repository

pytestmark = pytest.mark.both_databases  # tests/conftest.py: SQLite and PostgreSQL


def test_a_polled_batch_is_kept_once_and_forgotten_together_once_handled(tmp_path):
    repo = Repository(current_url() or None, data_dir=tmp_path)
    assert inbox.keep(repo, "telegram", 5, '{"update_id": 5}')  # another process received update 5 first

    async def scenario() -> tuple[list[int], list[int], list[int], list[int]]:
        queue = DurableQueue(repo)
        await queue.keep([Update(update_id=i) for i in (5, 6, 7)])
        kept = [i for i, _ in inbox.waiting(repo, "telegram")]
        for i in (5, 6, 7):
            await queue.put(Update(update_id=i))
        queued = [queue.get_nowait().update_id for _ in range(queue.qsize())]  # type: ignore[attr-defined]
        for i in queued:
            await queue.handled(Update(update_id=i))
        right_after = [i for i, _ in inbox.waiting(repo, "telegram")]
        await asyncio.sleep(FORGET_AFTER)
        for _ in range(100):  # bounded: the deletion runs in a thread moments after
            if len(inbox.waiting(repo, "telegram")) == 1:
                break
            await asyncio.sleep(0.05)
        return kept, queued, right_after, [i for i, _ in inbox.waiting(repo, "telegram")]

    kept, queued, right_after, later = asyncio.run(scenario())
    assert kept == [5, 6, 7]  # the whole batch, before the updater may confirm it
    assert queued == [6, 7]  # 5 is the other process's
    assert right_after == [5, 6, 7] and later == [5]
    repo.dispose()


def test_an_update_put_without_a_batch_is_kept_on_its_own_and_flushed_at_shutdown(tmp_path):
    repo = Repository(current_url() or None, data_dir=tmp_path)

    async def scenario() -> tuple[list[int], list[int]]:
        queue = DurableQueue(repo)
        await queue.put(Update(update_id=9))
        await queue.put(Update(update_id=9))  # received again: queued once
        kept = [i for i, _ in inbox.waiting(repo, "telegram")]
        await queue.handled(queue.get_nowait())  # type: ignore[arg-type]
        assert queue.empty()
        await queue.flush()  # at shutdown, without waiting
        return kept, [i for i, _ in inbox.waiting(repo, "telegram")]

    assert asyncio.run(scenario()) == ([9], [])
    repo.dispose()


def test_handled_updates_not_forgotten_during_an_outage_are_forgotten_later(tmp_path, monkeypatch):
    repo = Repository(current_url() or None, data_dir=tmp_path)
    real_done = inbox.done
    calls: list[list[int]] = []

    def away_once(repo_: Repository, channel: str, ids: list[int]) -> None:
        calls.append(list(ids))
        if len(calls) == 1:
            raise ConnectionError("database unreachable")
        real_done(repo_, channel, ids)

    async def scenario() -> list[int]:
        queue = DurableQueue(repo)
        await queue.keep([Update(update_id=i) for i in (1, 2)])
        for i in (1, 2):
            await queue.put(Update(update_id=i))
        await queue.handled(queue.get_nowait())  # type: ignore[arg-type]
        monkeypatch.setattr(inbox, "done", away_once)
        await queue.flush()  # fails: update 1 stays to be forgotten
        await queue.handled(queue.get_nowait())  # type: ignore[arg-type]
        await queue.flush()
        return [i for i, _ in inbox.waiting(repo, "telegram")]

    assert asyncio.run(scenario()) == []
    assert calls == [[1], [1, 2]]
    repo.dispose()
