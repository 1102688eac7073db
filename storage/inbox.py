"""Updates received but not yet answered, kept until they are.

Telegram forgets an update once the bot asks for the next ones, which happens as soon as a batch is
queued, long before it is handled. Each update is therefore written here first; it is deleted when its
handling has ended, and whatever is still here after a crash is handled again at start (the interview's
per-person sequence number keeps a handled one from counting twice).
"""

from __future__ import annotations

from sqlalchemy import delete
from sqlmodel import select

from storage.db import insert_new
from storage.models import InboxUpdate
from storage.repository import Repository


def keep(repo: Repository, channel: str, update_id: int, payload: str) -> bool:
    """Store an update durably (committed when this returns). False when it is here already: received
    twice (Telegram delivering again, or to another process), so it must not be handled again."""
    with repo.transaction() as store:
        return insert_new(store.session, InboxUpdate(channel=channel, update_id=update_id, payload=payload))


def done(repo: Repository, channel: str, update_id: int) -> None:
    with repo.transaction() as store:
        store.session.execute(delete(InboxUpdate).where(InboxUpdate.channel == channel, InboxUpdate.update_id == update_id))  # type: ignore[arg-type]


def waiting(repo: Repository, channel: str) -> list[tuple[int, str]]:
    """(update id, payload) of the updates whose handling never ended, oldest first."""
    with repo.transaction() as store:
        rows = store.session.exec(
            select(InboxUpdate.update_id, InboxUpdate.payload).where(InboxUpdate.channel == channel).order_by(InboxUpdate.update_id)  # type: ignore[arg-type]
        ).all()
        return [(int(i), p) for i, p in rows]
