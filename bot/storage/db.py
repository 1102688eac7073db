"""The database itself: the engine's SQLite settings (schema versions: bot/storage/migrate.py), the
JSON encoding of answers, and the base every part of the Store builds on."""

from __future__ import annotations

import functools
import json
import sqlite3
import time
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy import any_, bindparam, event, text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DisconnectionError
from sqlmodel import Session, create_engine

from bot.core.numbers import format_decimal


def default_url(data_dir: Path) -> str:
    data_dir.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{data_dir / 'nianbao.sqlite3'}"


def encode(value: Any) -> str:
    if isinstance(value, Decimal):
        return json.dumps(format_decimal(value))
    return json.dumps(value, ensure_ascii=False)


def decode(text: str | None) -> Any:
    if text is None:
        return None
    try:
        if text.isascii() and text.isdigit():  # a count, most answers: 20 times faster than json.loads
            return int(text)
        return json.loads(text)
    except (ValueError, RecursionError):  # not JSON, or over 4,300 digits (written by hand): the limits refuse the text
        return text


IDLE_PING = 10.0  # seconds a pooled server connection may rest before it is checked on checkout


READ_ONLY = "nianbao_read_only"  # execution option of the engine Repository.reading uses


def engine_for(url: str) -> Engine:
    """The engine of a database URL: SQLite with the settings below, or a server (see `_server_settings`)."""
    is_sqlite = url.startswith("sqlite")
    engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30} if is_sqlite else {})
    if is_sqlite:
        _sqlite_pragmas(engine)
    else:
        _server_settings(engine)
    return engine


def _server_settings(engine: Engine) -> None:
    """A server's connections are pinged only after resting, and many rows go in one INSERT.

    SQLAlchemy's `pool_pre_ping` pings on every checkout: one more round trip per transaction, about a
    tenth of the CPU of an interview input (bench/bot_load.py). A connection back in use within
    IDLE_PING seconds has just worked; one that rested longer (a server restart, a proxy's idle cut) is
    pinged, and a dead one replaced before anyone uses it. A multi-row INSERT (a one-tap "all zero"
    writes a hundred cells and as many audit rows) is one statement instead of psycopg's one per row.
    """
    engine.dialect.use_insertmanyvalues_wo_returning = True

    @event.listens_for(engine, "checkin")
    def _on_checkin(_dbapi_conn: Any, record: Any) -> None:
        record.info["rested_since"] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _on_checkout(dbapi_conn: Any, record: Any, _proxy: Any) -> None:
        rested = record.info.get("rested_since")
        if rested is None or time.monotonic() - rested < IDLE_PING:
            return
        try:
            engine.dialect.do_ping(dbapi_conn)
        except Exception as exc:  # the pool retries the checkout with a new connection
            raise DisconnectionError() from exc


def _sqlite_pragmas(engine: Engine) -> None:
    """WAL for concurrent readers, foreign keys on, and BEGIN IMMEDIATE so writers queue instead of failing."""

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn, _record):
        dbapi_conn.isolation_level = None
        cursor = dbapi_conn.cursor()
        cursor.execute("PRAGMA busy_timeout=30000")
        _use_wal(cursor)
        cursor.execute("PRAGMA foreign_keys=ON")
        # NORMAL in WAL mode: a commit survives the process being killed at any moment (SIGKILL);
        # only an operating-system crash or power cut can lose the last commits.
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn):
        # a read (Repository.reading) begins deferred: in WAL mode it runs beside the one writer
        conn.exec_driver_sql("BEGIN" if conn.get_execution_options().get(READ_ONLY) else "BEGIN IMMEDIATE")


def _use_wal(cursor: Any, seconds: float = 30.0) -> None:
    """Put the database file in WAL mode (once: the mode is kept in the file).

    Switching needs the file to itself, and SQLite answers "database is locked" at once, without waiting
    as for other locks, while another connection is reading it: processes starting together on a new
    file do. Such a switch is tried again for up to `seconds`.
    """
    deadline = time.monotonic() + seconds
    while True:
        try:
            if str(cursor.execute("PRAGMA journal_mode").fetchone()[0]).lower() == "wal":
                return
            cursor.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or time.monotonic() > deadline:
                raise
            time.sleep(0.05)


def dialect_insert(session: Session, table: Any) -> Any:
    """An INSERT of this database's dialect, which can skip rows that conflict (ON CONFLICT DO NOTHING)."""
    if session.get_bind().dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as pg_insert

        return pg_insert(table)
    from sqlalchemy.dialects.sqlite import insert as sqlite_insert

    return sqlite_insert(table)


def insert_rows(session: Session, table: Any, rows: list[dict[str, Any]], skip_conflicts: bool = False,
                returning: Any = None) -> list[Any]:
    """Insert rows (all with the same columns) in one statement, skipping conflicting ones if asked; the
    `returning` column's values of the rows inserted.

    On PostgreSQL the rows travel as one array per column (INSERT … SELECT FROM unnest): psycopg rewrites
    a multi-row VALUES statement's placeholders on every call, uncached past 50 parameters, and for a
    one-tap "all zero" (150 cells, 150 audit rows: 1,800 parameters) that cost more CPU than the rest of
    the input (bench/engine_cost.py). Elsewhere, SQLAlchemy's multi-row INSERT.
    """
    if not rows:
        return []
    conn = session.connection()
    if conn.dialect.name != "postgresql":
        statement = dialect_insert(session, table)
        if skip_conflicts:
            statement = statement.on_conflict_do_nothing()
        if returning is None:
            conn.execute(statement, rows)
            return []
        return list(conn.execute(statement.returning(returning), rows).scalars())
    names = tuple(rows[0])
    statement = _unnest_insert(conn.dialect, table, names, skip_conflicts, None if returning is None else returning.name)
    result = conn.execute(statement, {name: [row[name] for row in rows] for name in names})
    return list(result.scalars()) if returning is not None else []


@functools.lru_cache(maxsize=64)
def _unnest_insert(dialect: Any, table: Any, names: tuple[str, ...], skip_conflicts: bool, returning: str | None) -> Any:
    """PostgreSQL: INSERT INTO table (names) SELECT * FROM unnest(one array per column) [ON CONFLICT DO NOTHING]."""
    quote = dialect.identifier_preparer.quote
    arrays = ", ".join(f"CAST(:{name} AS {table.c[name].type.compile(dialect=dialect)}[])" for name in names)
    sql = f"INSERT INTO {dialect.identifier_preparer.format_table(table)} ({', '.join(quote(n) for n in names)}) SELECT * FROM unnest({arrays})"
    if skip_conflicts:
        sql += " ON CONFLICT DO NOTHING"
    if returning is not None:
        sql += f" RETURNING {quote(returning)}"
    return text(sql)


def among(session: Session, column: Any, values: list[Any]) -> Any:
    """`column IN values`; on PostgreSQL `column = ANY(one array)`, a statement psycopg caches whatever the
    number of values (see `insert_rows`)."""
    if session.get_bind().dialect.name != "postgresql":
        return column.in_(values)
    from sqlalchemy.dialects.postgresql import ARRAY

    return column == any_(bindparam(None, values, type_=ARRAY(column.type)))


def insert_new(session: Session, row: Any) -> bool:
    """Insert `row` unless a row with the same unique key exists, or is being inserted by another transaction
    right now (which is waited for): True when this one was inserted. Atomic on both databases, where a
    look-then-insert would let two processes both insert (PostgreSQL: UniqueViolation)."""
    table = type(row).__table__
    values = {c.name: getattr(row, c.name) for c in table.columns if getattr(row, c.name) is not None}
    statement = dialect_insert(session, table).values(**values).on_conflict_do_nothing()
    key = list(table.primary_key.columns)[0]
    return session.execute(statement.returning(key)).first() is not None


def aware(dt: datetime) -> datetime:
    """SQLite gives back naive datetimes; they were written in UTC."""
    return dt if dt.tzinfo else dt.replace(tzinfo=UTC)


class StoreBase:
    """Operations inside one transaction: the session, and what every part of the Store shares."""

    def __init__(self, session: Session, formats_dir: Path | None = None):
        self.session = session
        self.formats_dir = formats_dir  # where the formats the reports record are read from (None: bot/format/data/)

    def save(self, *rows: Any) -> None:
        for row in rows:
            self.session.add(row)
        self.session.flush()

    def add(self, *rows: Any) -> None:
        """Rows written with the transaction (no flush now)."""
        for row in rows:
            self.session.add(row)

    def delete(self, row: Any) -> None:
        self.session.delete(row)

    def only_one(self, job: int) -> bool:
        """Whether this transaction may do a job that one process at a time must do (planning and releasing
        reminders): on PostgreSQL a transaction-scoped advisory lock taken without waiting, so a second
        process skips the job this time instead of doing it twice; SQLite writes one transaction at a time."""
        if self.session.get_bind().dialect.name != "postgresql":
            return True
        return bool(self.session.connection().execute(text("SELECT pg_try_advisory_xact_lock(:job)"), {"job": job}).scalar())

    def _expire(self, model: type, key: Any) -> None:
        """A row changed by a Core statement: its loaded object, if any, is read again when next used."""
        loaded = self.session.identity_map.get(self.session.identity_key(model, key))
        if loaded is not None:
            self.session.expire(loaded)
