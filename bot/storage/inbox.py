"""Updates received but not yet answered, kept until they are.

Telegram forgets an update once the bot asks for the next ones, which happens as soon as a batch is
queued, long before it is handled. Each update is therefore written here first; it is deleted when its
handling has ended, and whatever is still here after a crash is handled again at start (the interview's
per-person sequence number keeps a handled one from counting twice).
"""

from __future__ import annotations

from sqlalchemy import delete
from sqlmodel import col, select

from bot.storage.db import among, insert_rows
from bot.storage.models import InboxUpdate, table_of, utcnow
from bot.storage.repository import Repository


def keep(repo: Repository, channel: str, update_id: int, payload: str) -> bool:
    """Store an update durably (committed when this returns). False when it is here already: received
    twice (Telegram delivering again, or to another process), so it must not be handled again."""
    return update_id in keep_many(repo, channel, [(update_id, payload)])


def keep_many(repo: Repository, channel: str, updates: list[tuple[int, str]]) -> set[int]:
    """Store a batch of (update id, payload) durably, in one transaction; the ids that were not here already."""
    if not updates:
        return set()
    table = table_of(InboxUpdate)
    with repo.transaction() as store:
        now = utcnow()
        rows = [{"channel": channel, "update_id": i, "payload": p, "received_at": now} for i, p in updates]
        return {int(i) for i in insert_rows(store.session, table, rows, skip_conflicts=True, returning=table.c.update_id)}


def done(repo: Repository, channel: str, update_ids: list[int]) -> None:
    """Forget updates whose handling has ended."""
    if not update_ids:
        return
    with repo.transaction() as store:
        store.session.execute(
            delete(InboxUpdate).where(col(InboxUpdate.channel) == channel, among(store.session, InboxUpdate.update_id, update_ids))
        )


def waiting(repo: Repository, channel: str) -> list[tuple[int, str]]:
    """(update id, payload) of the updates whose handling never ended, oldest first."""
    with repo.transaction() as store:
        rows = store.session.exec(
            select(col(InboxUpdate.update_id), col(InboxUpdate.payload)).where(col(InboxUpdate.channel) == channel).order_by(col(InboxUpdate.update_id))
        ).all()
        return [(int(i), p) for i, p in rows]
