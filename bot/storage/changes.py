"""Change sets and undo: which audit rows one input wrote, taking the last one back, and which message
answered which question (so an edited message finds the answer it gave).

The audit log stays the record of every change; a change set only names a run of its rows, so /undo
works across restarts from what is in the database.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import delete, insert
from sqlmodel import col, select

from bot.storage.db import StoreBase, decode
from bot.storage.models import Answer, AnswerInput, AuditLog, ChangeSet, User, table_of, utcnow


class ChangesStore(StoreBase):
    def record_change(self, report_id: int, user: User | None, audit_ids: list[int]) -> int | None:
        """The audit rows one input wrote for this report (each of them this person's), as one change set;
        its id. A Core statement: one per answered input, on the hot path."""
        if not audit_ids:
            return None
        table = table_of(ChangeSet)
        row = {"report_id": report_id, "user_id": user.id if user else None, "first_audit": min(audit_ids),
               "last_audit": max(audit_ids), "undone": False, "at": utcnow()}
        return int(self.session.connection().execute(insert(table).returning(table.c.id), row).scalar_one())

    def last_change(self, report_id: int, user: User) -> ChangeSet | None:
        """This person's newest change of the report not yet undone."""
        return self.session.exec(
            select(ChangeSet)
            .where(ChangeSet.report_id == report_id, ChangeSet.user_id == user.id, ChangeSet.undone == False)  # noqa: E712
            .order_by(col(ChangeSet.id).desc())
        ).first()

    def change_rows(self, change: ChangeSet) -> list[AuditLog]:
        """The audit rows of a change set, oldest first."""
        return list(
            self.session.exec(
                select(AuditLog).where(
                    AuditLog.report_id == change.report_id, AuditLog.user_id == change.user_id,
                    col(AuditLog.id) >= change.first_audit, col(AuditLog.id) <= change.last_audit,
                    AuditLog.key != "status", AuditLog.action != "member",
                ).order_by(col(AuditLog.id))
            ).all()
        )

    def remove_answers(self, report_id: int, keys: list[str], author: User | None, action: str) -> None:
        """Delete answers (a key that had no value before the change being undone); audited."""
        if not keys:
            return
        current = {
            k: v for k, v in self.session.exec(
                select(col(Answer.key), col(Answer.value)).where(col(Answer.report_id) == report_id, col(Answer.key).in_(keys))
            ).all()
        }
        if not current:
            return
        self.session.connection().execute(
            delete(table_of(Answer)).where(
                table_of(Answer).c.report_id == report_id, table_of(Answer).c.key.in_(list(current))
            )
        )
        for key, old in current.items():
            self.session.add(AuditLog(report_id=report_id, user_id=author.id if author else None, key=key, old=old, new=None, action=action))
        self.session.flush()

    def mark_undone(self, change: ChangeSet) -> None:
        change.undone = True
        self.session.add(change)
        self.session.flush()

    # ---- which message answered which question -------------------------------------------------

    def note_answer(self, user: User, report_id: int, message: str, step: str, state: str, change_id: int | None) -> None:
        """Remember that this message answered this question (in this state); a person's last few are kept."""
        table = table_of(AnswerInput)
        conn = self.session.connection()
        conn.execute(insert(table), {"user_id": user.id, "report_id": report_id, "message": message, "step": step,
                                     "state": state, "change_id": change_id, "at": utcnow()})
        kept = select(table.c.id).where(table.c.user_id == user.id).order_by(table.c.id.desc()).limit(10)
        conn.execute(delete(table).where(table.c.user_id == user.id, table.c.id.not_in(kept.scalar_subquery())))

    def recent_answers(self, user: User, limit: int = 2) -> list[AnswerInput]:
        """The person's last answered messages, newest first."""
        return list(
            self.session.exec(
                select(AnswerInput).where(col(AnswerInput.user_id) == user.id).order_by(col(AnswerInput.id).desc()).limit(limit)
            ).all()
        )

    def change(self, change_id: int) -> ChangeSet | None:
        return self.session.get(ChangeSet, change_id)


def old_values(rows: list[AuditLog]) -> dict[str, Any]:
    """Each key's value before a change set (its first row's `old`; None: the key had no value)."""
    out: dict[str, Any] = {}
    for row in rows:
        if row.key not in out:
            out[row.key] = None if row.old is None else decode(row.old)
    return out
