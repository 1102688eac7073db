"""Reports: their answers (audited), status, applications, review comments, documents, conversations."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import bindparam, update
from sqlmodel import col, select

from bot.core.kinds import ReportStatus
from bot.core.report import Report
from bot.format.definition import FormatDef, load_format
from bot.storage.db import StoreBase, among, decode, encode, insert_rows
from bot.storage.models import (
    Answer,
    Application,
    AuditLog,
    Comment,
    Conversation,
    Document,
    Member,
    ReportRecord,
    Unit,
    User,
    id_of,
    table_of,
    utcnow,
)


@dataclass(frozen=True)
class Replaced:
    """An answer a colleague (or another input) had stored, replaced by this write."""

    key: str
    old: Any
    new: Any
    author_id: int | None  # who stored the old value


APPLICATIONS = "table3.applications"  # the audit key of an application entered one by one (its fields as JSON)


def application_fields(app: Application) -> dict[str, Any]:
    """An application as its audit rows keep it (and as `describe_application` reads it)."""
    return {"id": app.id, "applicant": app.applicant, "arrival": app.arrival, "result": app.result}


class Written(list[str]):
    """The keys a write changed; `replaced` are those whose old value this writer had not stored."""

    def __init__(self) -> None:
        super().__init__()
        self.replaced: list[Replaced] = []
        self.audits: list[int] = []  # ids of the audit rows written


class ReportsStore(StoreBase):
    # ---- reports ----------------------------------------------------------------------------

    def report_record(self, report_id: int) -> ReportRecord | None:
        return self.session.get(ReportRecord, report_id)

    def report_place(self, report_id: int, user: User) -> tuple[ReportRecord | None, Unit | None, str | None]:
        """A report, its unit and the person's membership role in that unit (None when not a member), in
        one query: what every input of a conversation reads first."""
        row = self.session.exec(
            select(ReportRecord, Unit, Member.role)
            .join(Unit, col(Unit.id) == ReportRecord.unit_id)
            .outerjoin(Member, (col(Member.unit_id) == ReportRecord.unit_id) & (col(Member.user_id) == user.id))
            .where(ReportRecord.id == report_id)
        ).first()
        if row is None:
            return self.report_record(report_id), None, None
        return row[0], row[1], row[2]

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
    ) -> Written:
        """Upsert answers; audit each one that changed. Returns the keys that changed, the audit rows
        written (`Written.audits`), and the answers this writer replaced that a colleague had stored
        (`Written.replaced`), so they can be told.

        The stored rows are read here, at the moment of writing, so a colleague's value written since
        this input began (`current`, what the writer saw) is audited as the old value and reported.
        Two first answers to one key at once (PostgreSQL: both see no row) do not fail: the later insert
        skips the key (ON CONFLICT DO NOTHING), which is then written as an update over the winner's.
        Written with bulk statements: a one-tap "all zero" touches a hundred and more cells.
        """
        written = Written()
        if not values:
            return written
        stored = self._stored(report_id, list(values))
        new = {k: encode(v) for k, v in values.items() if k not in stored}
        now = utcnow()
        author_id = author.id if author else None
        if new:
            rows = [{"report_id": report_id, "key": k, "value": v, "author_id": author_id, "answered_at": now} for k, v in new.items()]
            inserted = set(self._insert_new(rows))
            if len(inserted) < len(new):  # a colleague's first answer committed meanwhile: read it, and write over it
                stored.update(self._stored(report_id, [k for k in new if k not in inserted]))
            new = {k: v for k, v in new.items() if k in inserted}
        conn = self.session.connection()  # Core statements: the ORM's bulk machinery costs more than the SQL
        table = table_of(Answer)
        updates: list[dict[str, Any]] = []
        audits: list[dict[str, Any]] = []
        for key, value in values.items():
            encoded = new.get(key) or encode(value)
            old, old_author = stored.get(key, (None, None))
            if key not in new and old == encoded:
                continue
            if key not in new:
                updates.append({"b_report": report_id, "b_key": key, "value": encoded, "author_id": author_id, "answered_at": now})
            audits.append({"report_id": report_id, "user_id": author_id, "key": key, "old": old, "new": encoded, "action": action, "at": now})
            # someone else's value: a colleague's, or one written since this writer looked (`current`)
            unseen = current is not None and encode(current.get(key)) != old
            if old is not None and old_author != author_id and (old_author is not None or unseen):
                written.replaced.append(Replaced(key, decode(old), value, old_author))
        if updates:
            conn.execute(
                update(table)
                .where(table.c.report_id == bindparam("b_report"), table.c.key == bindparam("b_key"))
                .values(value=bindparam("value"), author_id=bindparam("author_id"), answered_at=bindparam("answered_at")),
                updates,
            )
        if audits:
            log = table_of(AuditLog)
            written.audits = [int(i) for i in insert_rows(self.session, log, audits, returning=log.c.id)]
            records = table_of(ReportRecord)
            conn.execute(update(records).where(records.c.id == report_id).values(updated_at=now))
        written.extend(str(a["key"]) for a in audits)
        return written

    def _insert_new(self, rows: list[dict[str, Any]]) -> list[str]:
        """Insert answer rows, skipping any key another transaction has inserted (and committed) first;
        the keys inserted. Atomic on both databases, with no savepoint to set and release."""
        table = table_of(Answer)
        return [str(k) for k in insert_rows(self.session, table, rows, skip_conflicts=True, returning=table.c.key)]

    def _stored(self, report_id: int, keys: list[str]) -> dict[str, tuple[str, int | None]]:
        """key → (encoded value, author id) of the stored answers among `keys`, locked until the transaction
        ends (SELECT … FOR UPDATE, in key order so two writers never wait on each other in a circle): a
        colleague writing the same cell now is waited for, and their committed value is what is read, audited
        as "old" and reported. (SQLite has one writer at a time anyway: BEGIN IMMEDIATE.)"""
        rows = self.session.exec(
            select(Answer.key, Answer.value, Answer.author_id)
            .where(Answer.report_id == report_id, among(self.session, Answer.key, keys))
            .order_by(Answer.key)
            .with_for_update()
        ).all()
        return {key: (value, author_id) for key, value, author_id in rows}

    def history(self, report_id: int, limit: int = 20) -> list[AuditLog]:
        return list(
            self.session.exec(
                select(AuditLog).where(col(AuditLog.report_id) == report_id).order_by(col(AuditLog.id).desc()).limit(limit)
            ).all()
        )

    def transition(self, record: ReportRecord, allowed_from: tuple[ReportStatus, ...], to: ReportStatus, user: User | None, action: str) -> bool:
        """Move a report to another status, if it is still in one of `allowed_from`; audited.

        A conditional UPDATE: of two reviewers pressing at once, only the first changes anything.
        """
        table = table_of(ReportRecord)
        current = self.session.exec(select(ReportRecord.status).where(ReportRecord.id == record.id)).one()
        changed = current in allowed_from and bool(
            self.session.connection().execute(
                update(table).where(table.c.id == record.id, table.c.status == current).values(status=to, updated_at=utcnow())
            ).rowcount
        )
        if changed:
            self.log_change(id_of(record), user, "status", current, to, action)
        self.session.expire(record)  # its status is read again when next used, whoever changed it
        return changed

    def log_change(self, report_id: int, user: User | None, key: str, old: Any, new: Any, action: str) -> int:
        """An audit row for a change that is not an answer (a status, a membership, an application); None
        stays NULL. Its id."""
        row = AuditLog(report_id=report_id, user_id=user.id if user else None, key=key, action=action,
                       old=None if old is None else encode(old), new=None if new is None else encode(new))
        self.session.add(row)
        self.session.flush()
        assert row.id is not None
        return row.id

    def previous_report(self, record: ReportRecord) -> Report | None:
        """The same unit's report of the year before, for the cross-year checks."""
        prev = self.report_for(record.unit_id, record.year - 1, create=False)
        return self.load_report(id_of(prev)) if prev else None

    def load_report(self, report_id: int, answers: dict[str, Any] | None = None) -> Report:
        """The report model assembled from the answers (passed in when the caller has them already)."""
        record = self.session.get(ReportRecord, report_id)
        assert record is not None
        unit = self.session.get(Unit, record.unit_id)
        fmt = load_format(record.format_id, self.formats_dir)
        return assemble_report(record, unit, self.answers(report_id) if answers is None else answers, fmt)

    # ---- applications -----------------------------------------------------------------------

    def applications(self, report_id: int) -> list[Application]:
        return list(
            self.session.exec(select(Application).where(col(Application.report_id) == report_id).order_by(col(Application.id))).all()
        )

    def add_application(self, report_id: int, fields: dict[str, str], author: User | None, action: str = "application") -> int:
        """Store one application (`fields`: applicant, arrival, result); the id of its audit row (key
        APPLICATIONS, old empty), so that /undo of the input that entered it takes it out again."""
        app = Application(report_id=report_id, created_by=author.id if author else None,
                          applicant=fields["applicant"], arrival=fields["arrival"], result=fields["result"])
        self.session.add(app)
        self.session.flush()
        return self._log_application(report_id, author, None, app, action)

    def delete_application(self, app: Application, author: User | None, action: str = "application") -> int:
        """Remove an application; the id of its audit row (new empty)."""
        self.session.delete(app)
        self.session.flush()
        return self._log_application(app.report_id, author, app, None, action)

    def _log_application(self, report_id: int, author: User | None, old: Application | None, new: Application | None, action: str) -> int:
        def fields(app: Application | None) -> dict[str, Any] | None:
            return None if app is None else application_fields(app)

        return self.log_change(report_id, author, APPLICATIONS, fields(old), fields(new), action)

    # ---- conversations ----------------------------------------------------------------------

    def conversation(self, user: User) -> Conversation:
        """The person's conversation, detached from the session: the interview changes it all along an
        input, and each change would otherwise be flushed as an UPDATE before the next query (three an
        input); `save_conversation` writes it once."""
        conv = self.session.get(Conversation, user.id)
        if conv is None:
            conv = Conversation(user_id=id_of(user))
            self.session.add(conv)
            self.session.flush()
        self.session.expunge(conv)
        return conv

    def save_conversation(self, conv: Conversation) -> None:
        conv.updated_at = utcnow()
        table = table_of(Conversation)
        self.session.connection().execute(
            update(table).where(table.c.user_id == conv.user_id).values(
                report_id=conv.report_id, step=conv.step, state=conv.state, prompt_token=conv.prompt_token,
                last_seq=conv.last_seq, updated_at=conv.updated_at,
            )
        )

    # ---- review -------------------------------------------------------------------------------

    def add_comment(self, report_id: int, target: str, text: str, author: User) -> Comment:
        comment = Comment(report_id=report_id, target=target, text=text, author_id=author.id)
        self.session.add(comment)
        records = table_of(ReportRecord)
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
        return list(self.session.exec(query.order_by(col(Comment.id))).all())

    def resolve_comments(self, report_id: int) -> None:
        table = table_of(Comment)
        conn = self.session.connection()
        conn.execute(update(table).where(table.c.report_id == report_id, table.c.resolved_at.is_(None)).values(resolved_at=utcnow()))
        records = table_of(ReportRecord)
        conn.execute(update(records).where(records.c.id == report_id).values(open_comments=0))
        self._expire(ReportRecord, report_id)

    def save_document(self, report_id: int, filename: str, data: bytes) -> None:
        row = self.session.get(Document, report_id) or Document(report_id=report_id, filename=filename, data=data)
        row.filename, row.data, row.made_at = filename, data, utcnow()
        self.session.add(row)
        self.session.flush()

    def document(self, report_id: int) -> Document | None:
        return self.session.get(Document, report_id)


def assemble_report(record: ReportRecord, unit: Unit | None, answers: dict[str, Any], fmt: FormatDef | None = None) -> Report:
    """The report from its stored answers, in the format it records (or `fmt`)."""
    report = Report.empty(year=record.year, unit_name=unit.name if unit else "", fmt=fmt or load_format(record.format_id))
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
