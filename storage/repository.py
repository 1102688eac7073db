"""The repository: the only code that talks to the database.

`Repository.transaction()` yields a `Store` bound to one transaction; the interview does all the
work of one incoming message inside one transaction, so an answer and the conversation position
are committed together, before any reply is sent. The Store's operations live in modules by purpose
(`storage.people`, `storage.reports`, `storage.outbox`, `storage.county`); `storage.db` holds the engine.
"""

from __future__ import annotations

import contextlib
import os
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

from sqlmodel import Session, SQLModel, create_engine

from storage.county import CountyStore
from storage.db import _sqlite_pragmas, default_url, upgrade_sqlite
from storage.identities import IdentityStore
from storage.models import CLOCK
from storage.outbox import OutboxStore
from storage.people import PeopleStore
from storage.reports import ReportsStore


class Repository:
    def __init__(self, url: str | None = None, data_dir: Path | None = None, now: Callable[[], datetime] | None = None):
        """`now` is the product's clock (aware UTC): every time written in a transaction comes from it."""
        self.now = now or (lambda: datetime.now(UTC))
        data_dir = data_dir or Path(os.environ.get("NIANBAO_DATA_DIR", "data"))
        self.url = url or default_url(data_dir)
        is_sqlite = self.url.startswith("sqlite")
        self.engine = create_engine(
            self.url,
            connect_args={"check_same_thread": False, "timeout": 30} if is_sqlite else {},
            pool_pre_ping=not is_sqlite,
        )
        if is_sqlite:
            _sqlite_pragmas(self.engine)
            upgrade_sqlite(self.engine)
        # SQLite has one writer at a time: queue our own transactions here rather than in SQLite's
        # sleeping busy handler (other processes still wait through busy_timeout).
        self._write_lock = threading.Lock() if is_sqlite else contextlib.nullcontext()
        SQLModel.metadata.create_all(self.engine)

    @contextmanager
    def transaction(self) -> Iterator[Store]:
        with self._write_lock, Session(self.engine, expire_on_commit=False) as session:
            store = Store(session)
            clock = CLOCK.set(self.now)
            try:
                yield store
                session.commit()
            except BaseException:
                session.rollback()
                raise
            finally:
                CLOCK.reset(clock)

    def dispose(self) -> None:
        self.engine.dispose()


class Store(PeopleStore, ReportsStore, OutboxStore, CountyStore, IdentityStore):
    """Operations inside one transaction."""
