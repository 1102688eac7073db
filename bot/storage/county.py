"""A county's units in a few bulk reads, for the coordinator's overview (not one query per unit)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func
from sqlmodel import col, select

from bot.storage.db import StoreBase, decode
from bot.storage.models import Answer, Comment, Deadline, Member, ReportRecord


@dataclass
class CountySnapshot:
    records: dict[int, ReportRecord] = field(default_factory=dict)  # unit id → its report of the year
    answers: dict[int, dict[str, Any]] = field(default_factory=lambda: defaultdict(dict))  # report id → answers
    returned: set[int] = field(default_factory=set)  # reports with open comments
    members: dict[int, int] = field(default_factory=dict)  # unit id → number of members
    deadlines: list[Deadline] = field(default_factory=list)


class CountyStore(StoreBase):
    def county_snapshot(self, unit_ids: list[int], year: int, county_keys: list[str]) -> CountySnapshot:
        """The units' reports of `year`, their answers, open comments, member counts, and the deadlines
        set for the units or (under any of `county_keys`) their county."""
        session = self.session
        out = CountySnapshot()
        out.records = {
            r.unit_id: r
            for r in session.exec(select(ReportRecord).where(col(ReportRecord.unit_id).in_(unit_ids), col(ReportRecord.year) == year)).all()
        }
        report_ids = [r.id for r in out.records.values()]
        if report_ids:
            for report_id, key, value in session.exec(
                select(col(Answer.report_id), col(Answer.key), col(Answer.value)).where(col(Answer.report_id).in_(report_ids))
            ).all():
                out.answers[report_id][key] = decode(value)
            out.returned = set(
                session.exec(
                    select(col(Comment.report_id)).where(col(Comment.report_id).in_(report_ids), col(Comment.resolved_at) == None).distinct()  # noqa: E711
                ).all()
            )
        out.members = dict(
            session.exec(select(Member.unit_id, func.count()).where(col(Member.unit_id).in_(unit_ids)).group_by(col(Member.unit_id))).all()
        )
        out.deadlines = list(
            session.exec(
                select(Deadline).where(
                    Deadline.year == year,
                    ((col(Deadline.scope) == "unit") & col(Deadline.scope_key).in_([str(i) for i in unit_ids]))
                    | ((col(Deadline.scope) == "county") & col(Deadline.scope_key).in_(county_keys)),
                )
            ).all()
        )
        return out
