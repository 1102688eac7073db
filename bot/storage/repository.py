"""The repository: the only code that talks to the database.

`Repository.transaction()` yields a `Store` bound to one transaction; the interview does all the
work of one incoming message inside one transaction, so an answer and the conversation position
are committed together, before any reply is sent. The Store's operations live in modules by purpose
(`bot.storage.people`, `bot.storage.reports`, `bot.storage.outbox`, `bot.storage.county`); `bot.storage.db` holds the engine.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

from sqlmodel import Session

from bot.storage.changes import ChangesStore
from bot.storage.county import CountyStore
from bot.storage.db import READ_ONLY, default_url, engine_for
from bot.storage.identities import IdentityStore
from bot.storage.migrate import auto_upgrade_allowed, ensure_current
from bot.storage.models import CLOCK
from bot.storage.outbox import OutboxStore
from bot.storage.people import PeopleStore
from bot.storage.reports import ReportsStore
from bot.storage.years import YearsStore


class Repository:
    def __init__(
        self,
        url: str | None = None,
        data_dir: Path | None = None,
        now: Callable[[], datetime] | None = None,
        auto_upgrade: bool | None = None,
        formats_dir: Path | None = None,
    ):
        """`url`: the database (default: SQLite in `data_dir`, default `data`). `now` is the product's clock
        (aware UTC): every time written in a transaction comes from it. `auto_upgrade`: bring an older
        database's tables up to date on start (the caller passes `Config.auto_upgrade`; None: on for SQLite
        only); a new database is always set up (bot/storage/migrate.py). `formats_dir`: where the format
        definitions the reports record are read from (default `bot/format/data/`; a variant of a format)."""
        self.formats_dir = formats_dir
        self.now = now or (lambda: datetime.now(UTC))
        self.url = url or default_url(data_dir or Path("data"))
        is_sqlite = self.url.startswith("sqlite")
        self.engine = engine_for(self.url)
        ensure_current(self.engine, auto_upgrade_allowed(self.url, auto_upgrade))
        # SQLite has one writer at a time: queue our own transactions here rather than in SQLite's
        # sleeping busy handler (other processes still wait through busy_timeout).
        self._write_lock = threading.Lock() if is_sqlite else contextlib.nullcontext()
        self.read_engine = self.engine.execution_options(**{READ_ONLY: True})

    @contextmanager
    def transaction(self) -> Iterator[Store]:
        with self._write_lock, Session(self.engine, expire_on_commit=False) as session:
            store = Store(session, self.formats_dir)
            clock = CLOCK.set(self.now)
            try:
                yield store
                session.commit()
            except BaseException:
                session.rollback()
                raise
            finally:
                CLOCK.reset(clock)

    @contextmanager
    def reading(self) -> Iterator[Store]:
        """A transaction that only reads: on SQLite it neither queues behind this process's writers nor takes
        the database's write lock (WAL readers see the last commit); never committed. Writing in it is a bug."""
        with Session(self.read_engine, expire_on_commit=False) as session:
            store = Store(session, self.formats_dir)
            clock = CLOCK.set(self.now)
            try:
                yield store
            finally:
                session.rollback()
                CLOCK.reset(clock)

    def dispose(self) -> None:
        self.engine.dispose()


class Store(PeopleStore, ReportsStore, OutboxStore, CountyStore, ChangesStore, YearsStore, IdentityStore):
    """Operations inside one transaction."""
