"""The repository: the only code that talks to the database.

`Repository.transaction()` yields a `Store` bound to one transaction; the interview does all the
work of one incoming message inside one transaction, so an answer and the conversation position
are committed together, before any reply is sent.
"""

from __future__ import annotations

import contextlib
import json
import os
import threading
import secrets
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy import bindparam, event, insert, inspect, update
from sqlalchemy.engine import Engine
from sqlalchemy.schema import CreateIndex, CreateTable
from sqlmodel import Session, SQLModel, create_engine, select

from bot.formatdef import FormatDef
from bot.numbers import format_decimal
from bot.report import Report
from storage.models import (
    CLOCK,
    Answer,
    Application,
    AuditLog,
    Comment,
    Conversation,
    Coordinator,
    County,
    Delivery,
    Document,
    Invite,
    Member,
    Refusal,
    ReportRecord,
    Unit,
    User,
    utcnow,
)


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
    if text.isascii() and text.isdigit():  # a count, most answers: 20 times faster than json.loads
        return int(text)
    return json.loads(text)


def _sqlite_pragmas(engine: Engine) -> None:
    """WAL for concurrent readers, foreign keys on, and BEGIN IMMEDIATE so writers queue instead of failing."""

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn, _record):  # type: ignore[no-untyped-def]
        dbapi_conn.isolation_level = None
        cursor = dbapi_conn.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=30000")
        # NORMAL in WAL mode: a commit survives the process being killed at any moment (SIGKILL);
        # only an operating-system crash or power cut can lose the last commits.
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn):  # type: ignore[no-untyped-def]
        conn.exec_driver_sql("BEGIN IMMEDIATE")


def upgrade_sqlite(engine: Engine) -> list[str]:
    """Bring a database made by an earlier release up to the current tables, keeping every row.

    New columns are added; a table whose column became optional (NOT NULL → NULL) is rebuilt and its
    rows copied, since SQLite cannot alter a column. Runs on the raw connection: foreign-key checks
    can only be switched off outside a transaction. Returns what was done.
    """
    inspector = inspect(engine)
    plans = []
    for table in SQLModel.metadata.sorted_tables:
        if not inspector.has_table(table.name):
            continue
        existing = {c["name"]: c for c in inspector.get_columns(table.name)}
        missing = [c for c in table.columns if c.name not in existing]
        loosened = [c for c in table.columns if c.name in existing and c.nullable and not existing[c.name]["nullable"]]
        if missing or loosened:
            plans.append((table, list(existing), missing, loosened))
    if not plans:
        return []
    done: list[str] = []
    raw = engine.raw_connection()
    try:
        cursor = raw.cursor()
        cursor.execute("PRAGMA foreign_keys=OFF")
        cursor.execute("BEGIN IMMEDIATE")
        for table, kept_names, missing, loosened in plans:
            if loosened:
                old = f"{table.name}__old"
                cursor.execute(f'ALTER TABLE "{table.name}" RENAME TO "{old}"')
                for index in table.indexes:
                    cursor.execute(f'DROP INDEX IF EXISTS "{index.name}"')
                cursor.execute(str(CreateTable(table).compile(engine)))
                for index in table.indexes:
                    cursor.execute(str(CreateIndex(index).compile(engine)))
                kept = ", ".join(f'"{c}"' for c in kept_names)
                cursor.execute(f'INSERT INTO "{table.name}" ({kept}) SELECT {kept} FROM "{old}"')
                cursor.execute(f'DROP TABLE "{old}"')
                done.append(f"{table.name}: rebuilt, {', '.join(c.name for c in loosened)} now optional")
                continue
            for column in missing:
                default = column.default.arg if column.default is not None and not callable(column.default.arg) else None
                clause = f" DEFAULT {_sql_literal(default)}" if default is not None else ""
                cursor.execute(f'ALTER TABLE "{table.name}" ADD COLUMN "{column.name}" {column.type.compile(engine.dialect)}{clause}')
            for index in table.indexes:
                if any(c in missing for c in index.columns):
                    cursor.execute(str(CreateIndex(index).compile(engine)))
            done.append(f"{table.name}: added {', '.join(c.name for c in missing)}")
        cursor.execute("COMMIT")
        cursor.execute("PRAGMA foreign_keys=ON")
    except BaseException:
        raw.rollback()
        raise
    finally:
        raw.close()
    return done


def _sql_literal(value: Any) -> str:
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, (int, float)):
        return str(value)
    return "'" + str(value).replace("'", "''") + "'"


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
    def transaction(self) -> Iterator["Store"]:
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


class Store:
    """Operations inside one transaction."""

    def __init__(self, session: Session):
        self.session = session

    # ---- people and units -------------------------------------------------------------------

    def user(self, channel: str, external_id: str, display_name: str = "", chat_id: str = "") -> User:
        user = self.session.exec(
            select(User).where(User.channel == channel, User.external_id == external_id)
        ).first()
        if user is None:
            user = User(channel=channel, external_id=external_id, display_name=display_name, chat_id=chat_id)
            self.session.add(user)
            self.session.flush()
        elif (display_name and user.display_name != display_name) or (chat_id and user.chat_id != chat_id):
            user.display_name = display_name or user.display_name
            user.chat_id = chat_id or user.chat_id
            self.session.add(user)
        return user

    def get_user(self, user_id: int) -> User | None:
        return self.session.get(User, user_id)

    def create_unit(self, owner: User | None, name: str, level: str = "township", county: County | None = None) -> Unit:
        """A new unit; its creator (a lone clerk) becomes its owner. A coordinator's unit starts with nobody."""
        unit = Unit(name=name, level=level)
        if county is not None:
            unit.county_id, unit.county, unit.province, unit.city = county.id, county.name, county.province, county.city
        self.session.add(unit)
        self.session.flush()
        if owner is not None:
            self.session.add(Member(user_id=owner.id, unit_id=unit.id, role="owner"))  # type: ignore[arg-type]
            self.session.flush()
        return unit

    def unit(self, unit_id: int) -> Unit | None:
        return self.session.get(Unit, unit_id)

    def save(self, *rows: Any) -> None:
        for row in rows:
            self.session.add(row)
        self.session.flush()

    def member(self, user: User, unit_id: int) -> Member | None:
        return self.session.exec(select(Member).where(Member.user_id == user.id, Member.unit_id == unit_id)).first()

    def role(self, user: User, unit_id: int) -> str | None:
        member = self.member(user, unit_id)
        return member.role if member else None

    def add_member(self, user: User, unit_id: int, role: str) -> Member:
        """Join a unit; someone already in it keeps the stronger of the two roles (an owner stays owner)."""
        member = self.member(user, unit_id)
        if member is None:
            member = Member(user_id=user.id, unit_id=unit_id, role=role)  # type: ignore[arg-type]
            self.session.add(member)
            self.session.flush()
        elif member.role != "owner" and role in ("owner", "clerk") and member.role != role:
            member.role = role
            self.session.add(member)
            self.session.flush()
        return member

    def members(self, unit_id: int) -> list[tuple[Member, User]]:
        rows = self.session.exec(
            select(Member, User).join(User, User.id == Member.user_id).where(Member.unit_id == unit_id).order_by(Member.id)  # type: ignore[arg-type]
        ).all()
        return [(m, u) for m, u in rows]

    def memberships(self, user: User) -> list[tuple[Member, Unit]]:
        rows = self.session.exec(
            select(Member, Unit).join(Unit, Unit.id == Member.unit_id).where(Member.user_id == user.id).order_by(Member.id)  # type: ignore[arg-type]
        ).all()
        return [(m, u) for m, u in rows]

    def remove_member(self, member: Member) -> None:
        self.session.delete(member)
        self.session.flush()

    # ---- counties -----------------------------------------------------------------------------

    def create_county(self, name: str, province: str = "", city: str = "", creator: User | None = None) -> County:
        county = County(name=name, province=province, city=city, created_by=creator.id if creator else None)
        self.session.add(county)
        self.session.flush()
        return county

    def county(self, county_id: int) -> County | None:
        return self.session.get(County, county_id)

    def counties_named(self, name: str) -> list[County]:
        return list(self.session.exec(select(County).where(County.name == name).order_by(County.id)).all())  # type: ignore[arg-type]

    def coordinates(self, user: User, county_id: int | None) -> bool:
        if county_id is None:
            return False
        return self.session.exec(
            select(Coordinator.id).where(Coordinator.user_id == user.id, Coordinator.county_id == county_id)
        ).first() is not None

    def coordinated_counties(self, user: User) -> list[County]:
        return list(
            self.session.exec(
                select(County).join(Coordinator, Coordinator.county_id == County.id).where(Coordinator.user_id == user.id).order_by(County.id)  # type: ignore[arg-type]
            ).all()
        )

    def add_coordinator(self, user: User, county_id: int) -> None:
        if not self.coordinates(user, county_id):
            self.session.add(Coordinator(user_id=user.id, county_id=county_id))  # type: ignore[arg-type]
            self.session.flush()

    def county_units(self, county_id: int) -> list[Unit]:
        return list(self.session.exec(select(Unit).where(Unit.county_id == county_id).order_by(Unit.id)).all())  # type: ignore[arg-type]

    # ---- invites ----------------------------------------------------------------------------

    def create_invite(
        self,
        unit_id: int | None,
        creator: User,
        role: str = "clerk",
        days: int = 7,
        max_uses: int = 1,
        county_id: int | None = None,
    ) -> Invite:
        """An invitation to a unit (owner, clerk, reviewer) or, with county_id, to a county (coordinator)."""
        invite = Invite(
            token=secrets.token_urlsafe(24),  # 192 bits; fits a Telegram deep link (≤ 64 of [A-Za-z0-9_-])
            unit_id=unit_id,
            county_id=county_id,
            role=role,
            created_by=creator.id,  # type: ignore[arg-type]
            expires_at=utcnow() + timedelta(days=days),
            max_uses=max_uses,
        )
        self.session.add(invite)
        self.session.flush()
        return invite

    def redeem_invite(self, token: str, user: User, now: datetime | None = None) -> tuple[Invite | None, str]:
        """(invite, '') when the user joined; (None, reason in Chinese) otherwise."""
        invite = self.session.get(Invite, token[:64]) if token else None
        now = now or utcnow()
        if invite is None:
            return None, "邀请码无效，请向邀请人重新索取。"
        if invite.revoked:
            return None, "该邀请已被撤销，请向邀请人重新索取。"
        if _aware(invite.expires_at) < now:
            return None, "该邀请已过期，请向邀请人重新索取。"
        if invite.uses >= invite.max_uses:
            return None, "该邀请已被使用过，请向邀请人重新索取。"
        invite.uses += 1
        self.session.add(invite)
        if invite.county_id is not None:
            self.add_coordinator(user, invite.county_id)
        elif invite.unit_id is not None:
            self.add_member(user, invite.unit_id, invite.role)
        return invite, ""

    def open_invites(self, unit_id: int | None = None, county_id: int | None = None) -> list[Invite]:
        """Invites that can still be used."""
        query = select(Invite).where(Invite.revoked == False, Invite.uses < Invite.max_uses, Invite.expires_at > utcnow())  # noqa: E712
        query = query.where(Invite.unit_id == unit_id) if unit_id is not None else query.where(Invite.county_id == county_id)
        return list(self.session.exec(query.order_by(Invite.created_at)).all())  # type: ignore[arg-type]

    def invite(self, token: str) -> Invite | None:
        return self.session.get(Invite, token[:64])

    # ---- reports ----------------------------------------------------------------------------

    def report_record(self, report_id: int) -> ReportRecord | None:
        return self.session.get(ReportRecord, report_id)

    def report_for(self, unit_id: int, year: int, create: bool = True, source: str = "interview") -> ReportRecord | None:
        record = self.session.exec(
            select(ReportRecord).where(ReportRecord.unit_id == unit_id, ReportRecord.year == year)
        ).first()
        if record is None and create:
            record = ReportRecord(unit_id=unit_id, year=year, source=source)
            self.session.add(record)
            self.session.flush()
        return record

    def answers(self, report_id: int) -> dict[str, Any]:
        rows = self.session.exec(select(Answer.key, Answer.value).where(Answer.report_id == report_id)).all()
        return {key: decode(value) for key, value in rows}

    def set_answers(
        self,
        report_id: int,
        values: dict[str, Any],
        author: User | None,
        action: str = "answer",
        current: dict[str, Any] | None = None,
    ) -> list[str]:
        """Upsert answers; audit each one that changed. Returns the keys that changed.

        `current` is every answer of the report as read earlier in this same transaction (so still
        true); without it they are read here. Written with bulk statements: a one-tap "all zero"
        touches a hundred and more cells.
        """
        if not values:
            return []
        if current is not None:
            existing = {key: encode(current[key]) for key in values if key in current}
        else:
            existing = {
                key: value
                for key, value in self.session.exec(
                    select(Answer.key, Answer.value).where(Answer.report_id == report_id, Answer.key.in_(list(values)))  # type: ignore[attr-defined]
                ).all()
            }
        now = utcnow()
        author_id = author.id if author else None
        inserts, updates, audits = [], [], []
        for key, value in values.items():
            new = encode(value)
            old = existing.get(key)
            if key in existing and old == new:
                continue
            row = {"report_id": report_id, "key": key, "value": new, "author_id": author_id, "answered_at": now}
            (updates if key in existing else inserts).append(row)
            audits.append({"report_id": report_id, "user_id": author_id, "key": key, "old": old, "new": new, "action": action, "at": now})
        conn = self.session.connection()  # Core statements: the ORM's bulk machinery costs more than the SQL
        table = Answer.__table__  # type: ignore[attr-defined]
        if inserts:
            conn.execute(insert(table), inserts)
        if updates:
            conn.execute(
                update(table)
                .where(table.c.report_id == bindparam("b_report"), table.c.key == bindparam("b_key"))
                .values(value=bindparam("value"), author_id=bindparam("author_id"), answered_at=bindparam("answered_at")),
                [{"b_report": u["report_id"], "b_key": u["key"], "value": u["value"], "author_id": u["author_id"],
                  "answered_at": u["answered_at"]} for u in updates],
            )
        if audits:
            conn.execute(insert(AuditLog.__table__), audits)  # type: ignore[attr-defined]
            records = ReportRecord.__table__  # type: ignore[attr-defined]
            conn.execute(update(records).where(records.c.id == report_id).values(updated_at=now))
        return [a["key"] for a in audits]

    def history(self, report_id: int, limit: int = 20) -> list[AuditLog]:
        return list(
            self.session.exec(
                select(AuditLog).where(AuditLog.report_id == report_id).order_by(AuditLog.id.desc()).limit(limit)  # type: ignore[union-attr]
            ).all()
        )

    def transition(self, record: ReportRecord, allowed_from: tuple[str, ...], to: str, user: User | None, action: str) -> bool:
        """Move a report to another status, if it is still in one of `allowed_from`; audited.

        A conditional UPDATE: of two reviewers pressing at once, only the first changes anything.
        """
        table = ReportRecord.__table__  # type: ignore[attr-defined]
        current = self.session.exec(select(ReportRecord.status).where(ReportRecord.id == record.id)).one()
        changed = current in allowed_from and bool(
            self.session.connection().execute(
                update(table).where(table.c.id == record.id, table.c.status == current).values(status=to, updated_at=utcnow())
            ).rowcount
        )
        if changed:
            self.log_change(record.id, user, "status", current, to, action)  # type: ignore[arg-type]
        self.session.expire(record)  # its status is read again when next used, whoever changed it
        return changed

    def log_change(self, report_id: int, user: User | None, key: str, old: Any, new: Any, action: str) -> None:
        """An audit row for a change that is not an answer (a status, a membership); None stays NULL."""
        self.session.add(
            AuditLog(report_id=report_id, user_id=user.id if user else None, key=key, action=action,
                     old=None if old is None else encode(old), new=None if new is None else encode(new))
        )
        self.session.flush()

    def previous_report(self, record: ReportRecord) -> Report | None:
        """The same unit's report of the year before, for the cross-year checks."""
        prev = self.report_for(record.unit_id, record.year - 1, create=False)
        return self.load_report(prev.id) if prev else None  # type: ignore[arg-type]

    def load_report(self, report_id: int, answers: dict[str, Any] | None = None) -> Report:
        """The report model assembled from the answers (passed in when the caller has them already)."""
        record = self.session.get(ReportRecord, report_id)
        assert record is not None
        unit = self.session.get(Unit, record.unit_id)
        return assemble_report(record, unit, self.answers(report_id) if answers is None else answers)

    # ---- applications -----------------------------------------------------------------------

    def applications(self, report_id: int) -> list[Application]:
        return list(
            self.session.exec(select(Application).where(Application.report_id == report_id).order_by(Application.id)).all()  # type: ignore[arg-type]
        )

    def add_application(self, report_id: int, applicant: str, arrival: str, result: str, author: User) -> Application:
        app = Application(report_id=report_id, applicant=applicant, arrival=arrival, result=result, created_by=author.id)
        self.session.add(app)
        self.session.flush()
        return app

    def delete_application(self, app: Application) -> None:
        self.session.delete(app)
        self.session.flush()

    # ---- conversations ----------------------------------------------------------------------

    def conversation(self, user: User) -> Conversation:
        conv = self.session.get(Conversation, user.id)
        if conv is None:
            conv = Conversation(user_id=user.id)  # type: ignore[arg-type]
            self.session.add(conv)
            self.session.flush()
        return conv

    def save_conversation(self, conv: Conversation) -> None:
        conv.updated_at = utcnow()
        self.session.add(conv)
        self.session.flush()

    # ---- review -------------------------------------------------------------------------------

    def add_comment(self, report_id: int, target: str, text: str, author: User) -> Comment:
        comment = Comment(report_id=report_id, target=target, text=text, author_id=author.id)
        self.session.add(comment)
        records = ReportRecord.__table__  # type: ignore[attr-defined]
        self.session.connection().execute(
            update(records).where(records.c.id == report_id).values(open_comments=records.c.open_comments + 1)
        )
        self.session.flush()
        self._expire(ReportRecord, report_id)
        return comment

    def comments(self, report_id: int, open_only: bool = True) -> list[Comment]:
        query = select(Comment).where(Comment.report_id == report_id)
        if open_only:
            query = query.where(Comment.resolved_at == None)  # noqa: E711
        return list(self.session.exec(query.order_by(Comment.id)).all())  # type: ignore[arg-type]

    def resolve_comments(self, report_id: int) -> None:
        table = Comment.__table__  # type: ignore[attr-defined]
        conn = self.session.connection()
        conn.execute(update(table).where(table.c.report_id == report_id, table.c.resolved_at.is_(None)).values(resolved_at=utcnow()))
        records = ReportRecord.__table__  # type: ignore[attr-defined]
        conn.execute(update(records).where(records.c.id == report_id).values(open_comments=0))
        self._expire(ReportRecord, report_id)

    def _expire(self, model: type, key: Any) -> None:
        """A row changed by a Core statement: its loaded object, if any, is read again when next used."""
        loaded = self.session.identity_map.get(self.session.identity_key(model, key))  # type: ignore[arg-type]
        if loaded is not None:
            self.session.expire(loaded)

    def save_document(self, report_id: int, filename: str, data: bytes) -> None:
        row = self.session.get(Document, report_id) or Document(report_id=report_id, filename=filename, data=data)
        row.filename, row.data, row.made_at = filename, data, utcnow()
        self.session.add(row)
        self.session.flush()

    def document(self, report_id: int) -> Document | None:
        return self.session.get(Document, report_id)

    # ---- messages the bot sends on its own, and refusals ---------------------------------------

    def notify(
        self,
        users: list[User],
        text: str,
        kind: str,
        report_id: int | None = None,
        *,
        reminder_id: int | None = None,
        not_before: datetime | None = None,
    ) -> int:
        """Queue a message to each person who has a chat and has not blocked the bot; the reminder sender
        delivers it, once. Returns how many were queued."""
        n = 0
        for user in users:
            if user.blocked or not user.chat_id:
                continue
            self.session.add(
                Delivery(user_id=user.id, chat_id=user.chat_id, text=text, kind=kind, report_id=report_id,  # type: ignore[arg-type]
                         reminder_id=reminder_id, not_before=not_before or utcnow())
            )
            n += 1
        self.session.flush()
        return n

    def refuse(self, user: User | None, action: str, target: str, reason: str) -> None:
        self.session.add(Refusal(user_id=user.id if user else None, action=action[:32], target=target[:64], reason=reason[:255]))
        self.session.flush()

    def refusals(self, user: User | None = None) -> list[Refusal]:
        query = select(Refusal)
        if user is not None:
            query = query.where(Refusal.user_id == user.id)
        return list(self.session.exec(query.order_by(Refusal.id)).all())  # type: ignore[arg-type]


def _aware(dt: datetime) -> datetime:
    """SQLite gives back naive datetimes; they were written in UTC."""
    return dt if dt.tzinfo else dt.replace(tzinfo=timezone.utc)


def assemble_report(record: ReportRecord, unit: Unit | None, answers: dict[str, Any], fmt: FormatDef | None = None) -> Report:
    report = Report.empty(year=record.year, unit_name=unit.name if unit else "", fmt=fmt)
    report.profile = record.profile
    if unit:
        report.unit.update({"level": unit.level, "province": unit.province, "city": unit.city, "county": unit.county})
    for key, value in answers.items():
        if key.startswith("unit.") and isinstance(value, str):
            report.unit[key[5:]] = value
        elif key.startswith("text.") and isinstance(value, str):
            report.text[key[5:]] = value
        elif key in report.cells:
            if value is None:
                report.cells[key] = None
            elif report.format.cell(key).kind == "money":
                report.cells[key] = Decimal(str(value))
            else:
                report.cells[key] = int(value)
        elif key == "info_fee" and isinstance(value, dict):
            report.info_fee = value
    report.unit = {k: v for k, v in report.unit.items() if v}
    report.unit.setdefault("level", "township")
    return report
