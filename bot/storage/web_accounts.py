"""Web logins: accounts (login name + scrypt hash), sessions and one-time links, all stored hashed.

An account is linked to the engine's `User` row of channel "web": the engine sees one person whatever
page they use. Session ids and one-time tokens are random 256-bit values; only their SHA-256 is stored,
so a copy of the database opens no session and a revoked (logged-out) session is refused.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import datetime, timedelta

from sqlalchemy import func
from sqlmodel import Field, SQLModel, select

from bot.storage.models import AuditLog, utcnow
from bot.storage.repository import Store

SCRYPT = {"n": 2**14, "r": 8, "p": 1, "maxmem": 64 * 1024 * 1024, "dklen": 32}
SESSION_DAYS = 14
TOKEN_DAYS = 7


class WebAccount(SQLModel, table=True):
    """A person's login on the web page."""

    id: int | None = Field(default=None, primary_key=True)
    login: str = Field(max_length=64, unique=True, index=True)
    password_hash: str = Field(max_length=128)
    salt: str = Field(max_length=64)
    user_id: int = Field(foreign_key="user.id", index=True)
    operator: bool = False
    created_at: datetime = Field(default_factory=utcnow)


class WebSession(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    token_hash: str = Field(max_length=64, unique=True, index=True)
    account_id: int = Field(foreign_key="webaccount.id", index=True)
    csrf: str = Field(max_length=64)
    created_at: datetime = Field(default_factory=utcnow)
    expires_at: datetime
    revoked: bool = False


class WebToken(SQLModel, table=True):
    """A one-time link: `setup` makes its redeemer an operator; `reset` sets a new password."""

    id: int | None = Field(default=None, primary_key=True)
    token_hash: str = Field(max_length=64, unique=True, index=True)
    kind: str = Field(max_length=16)  # setup | reset
    account_id: int | None = Field(default=None, foreign_key="webaccount.id")
    created_at: datetime = Field(default_factory=utcnow)
    expires_at: datetime
    used_at: datetime | None = None


def digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def hash_password(password: str, salt: str | None = None) -> tuple[str, str]:
    """(hash, salt) by scrypt with a fresh per-account salt."""
    salt = salt or secrets.token_hex(16)
    key = hashlib.scrypt(password.encode("utf-8"), salt=bytes.fromhex(salt), **SCRYPT)
    return key.hex(), salt


def _aware(dt: datetime) -> datetime:
    from datetime import UTC

    return dt if dt.tzinfo else dt.replace(tzinfo=UTC)


def account_by_login(store: Store, login: str) -> WebAccount | None:
    return store.session.exec(select(WebAccount).where(WebAccount.login == login)).first()


def account_for_user(store: Store, user_id: int) -> WebAccount | None:
    return store.session.exec(select(WebAccount).where(WebAccount.user_id == user_id)).first()


def create_account(store: Store, login: str, password: str, user_id: int) -> WebAccount:
    pw, salt = hash_password(password)
    account = WebAccount(login=login, password_hash=pw, salt=salt, user_id=user_id)
    store.session.add(account)
    store.session.flush()
    return account


def set_password(store: Store, account: WebAccount, password: str) -> None:
    """A new password ends every open session of the account."""
    account.password_hash, account.salt = hash_password(password)
    store.session.add(account)
    for web_session in store.session.exec(select(WebSession).where(WebSession.account_id == account.id)).all():
        web_session.revoked = True
        store.session.add(web_session)


def verify(store: Store, login: str, password: str) -> WebAccount | None:
    account = account_by_login(store, login)
    if account is None:
        hash_password(password, "00" * 16)  # same work whether or not the name exists
        return None
    pw, _ = hash_password(password, account.salt)
    return account if hmac.compare_digest(pw, account.password_hash) else None


def open_session(store: Store, account: WebAccount, now: datetime) -> tuple[str, WebSession]:
    """A new session: the cookie value (returned once, never stored) and its row."""
    token = secrets.token_urlsafe(32)
    row = WebSession(token_hash=digest(token), account_id=account.id or 0, csrf=secrets.token_urlsafe(32),
                     created_at=now, expires_at=now + timedelta(days=SESSION_DAYS))
    store.session.add(row)
    store.session.flush()
    return token, row


def find_session(store: Store, token: str, now: datetime) -> tuple[WebSession, WebAccount] | None:
    row = store.session.exec(select(WebSession).where(WebSession.token_hash == digest(token))).first()
    if row is None or row.revoked or _aware(row.expires_at) <= now:
        return None
    account = store.session.get(WebAccount, row.account_id)
    return (row, account) if account is not None else None


def revoke_session(store: Store, token: str) -> None:
    row = store.session.exec(select(WebSession).where(WebSession.token_hash == digest(token))).first()
    if row is not None:
        row.revoked = True
        store.session.add(row)


def issue_token(store: Store, kind: str, now: datetime, account_id: int | None = None, days: int = TOKEN_DAYS) -> str:
    token = secrets.token_urlsafe(32)
    store.session.add(WebToken(token_hash=digest(token), kind=kind, account_id=account_id, created_at=now,
                         expires_at=now + timedelta(days=days)))
    store.session.flush()
    return token


def peek_token(store: Store, token: str, kind: str, now: datetime) -> WebToken | None:
    """The unused, unexpired token of that kind, or None."""
    row = store.session.exec(select(WebToken).where(WebToken.token_hash == digest(token), WebToken.kind == kind)).first()
    if row is None or row.used_at is not None or _aware(row.expires_at) <= now:
        return None
    return row


def use_token(store: Store, row: WebToken, now: datetime) -> None:
    row.used_at = now
    store.session.add(row)


def unused_setup_exists(store: Store, now: datetime) -> bool:
    rows = store.session.exec(select(WebToken).where(WebToken.kind == "setup", WebToken.used_at == None)).all()  # noqa: E711
    return any(_aware(r.expires_at) > now for r in rows)


def has_operator(store: Store) -> bool:
    return store.session.exec(select(WebAccount).where(WebAccount.operator == True)).first() is not None  # noqa: E712


def add(store: Store, row: SQLModel) -> None:
    store.session.add(row)


def account_by_id(store: Store, account_id: int) -> WebAccount | None:
    return store.session.get(WebAccount, account_id)


def ping(store: Store) -> None:
    """A round trip to the database (the health check)."""
    store.session.connection().exec_driver_sql("SELECT 1")


def write_probe(store: Store, now: datetime) -> None:
    """A write the database must accept (the health check): a one-time-link row inserted and rolled back
    to a savepoint, so nothing stays. A read-only, full or failed-over database raises here."""
    nested = store.session.begin_nested()
    try:
        store.session.add(WebToken(token_hash="health:" + secrets.token_hex(8), kind="health", created_at=now, expires_at=now))
        store.session.flush()
    finally:
        nested.rollback()


def last_table_change(store: Store, report_id: int) -> int | None:
    """The id of the newest audit entry of a table cell of the report: the grids' version."""
    return store.session.exec(
        select(func.max(AuditLog.id)).where(AuditLog.report_id == report_id, AuditLog.key >= "table", AuditLog.key < "tablf")
    ).one()
