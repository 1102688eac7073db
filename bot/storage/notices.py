"""The web page's inbox: a web login's notices (delivery rows of channel "web") and their read state.

A notice counts when it is due (`not_before <= now`) and in a state a person may see (pending, sending,
sent: one the sender has not given up on). Each function is one query, however many notices the person
has: the inbox is read a page at a time (newest first, by id: `before_id` continues after the page), the
count is counted in the database, and marking read is one UPDATE.

`user` is the web identity (the `User` row of channel "web" a web account belongs to): notices are
queued to the identity they are delivered on (bot/storage/outbox.py `notify`).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import func, update
from sqlmodel import col, select

from bot.storage.models import Delivery, User, rowcount
from bot.storage.repository import Store

CHANNEL = "web"
SHOWN = ("pending", "sending", "sent")
MAX_PAGE = 100


def _mine(user: User, now: datetime) -> list[Any]:
    """The conditions of a person's due, visible web notices."""
    return [
        Delivery.channel == CHANNEL,
        Delivery.user_id == user.id,
        Delivery.not_before <= now,
        col(Delivery.state).in_(SHOWN),
    ]


def unread_count(store: Store, user: User, now: datetime) -> int:
    """How many of the person's due notices are unread."""
    query = select(func.count(col(Delivery.id))).where(*_mine(user, now), col(Delivery.read_at).is_(None))
    return int(store.session.exec(query).one())


def unread_latest(store: Store, user: User, now: datetime, limit: int = 5) -> tuple[int, list[Delivery]]:
    """(how many are unread, the newest `limit` of them, newest first), in one query: the count is a
    window over the unread rows, computed before the limit."""
    total = func.count(col(Delivery.id)).over().label("total")
    query = (
        select(Delivery, total)
        .where(*_mine(user, now), col(Delivery.read_at).is_(None))
        .order_by(col(Delivery.id).desc())
        .limit(max(1, min(limit, MAX_PAGE)))
    )
    rows = store.session.exec(query).all()
    return (int(rows[0][1]) if rows else 0), [row for row, _ in rows]


def inbox_page(store: Store, user: User, now: datetime, limit: int = 30, before_id: int | None = None) -> list[Delivery]:
    """The person's due notices, newest first: `limit` of them (at most MAX_PAGE), those older than
    `before_id` when given (the next page starts below the last id of this one)."""
    query = select(Delivery).where(*_mine(user, now))
    if before_id is not None:
        query = query.where(col(Delivery.id) < before_id)
    query = query.order_by(col(Delivery.id).desc()).limit(max(1, min(limit, MAX_PAGE)))
    return list(store.session.exec(query).all())


def mark_read(store: Store, user: User, ids: Sequence[int], now: datetime) -> int:
    """Mark these of the person's notices read (others' ids, and notices read already, are left alone);
    how many were unread."""
    wanted = sorted({int(i) for i in ids})[:MAX_PAGE + 1]
    if not wanted:
        return 0
    result = store.session.execute(
        update(Delivery)
        .where(col(Delivery.id).in_(wanted), col(Delivery.channel) == CHANNEL, col(Delivery.user_id) == user.id, col(Delivery.read_at).is_(None))
        .values(read_at=now)
        .execution_options(synchronize_session=False)
    )
    return int(rowcount(result) or 0)


def mark_all_read(store: Store, user: User, now: datetime) -> int:
    """Mark every due unread notice of the person read; how many there were."""
    result = store.session.execute(
        update(Delivery)
        .where(*_mine(user, now), col(Delivery.read_at).is_(None))
        .values(read_at=now)
        .execution_options(synchronize_session=False)
    )
    return int(rowcount(result) or 0)
