"""A unit's reports, one a year: which there are, so that switching units never makes an empty one."""

from __future__ import annotations

from sqlmodel import col, select

from bot.storage.db import StoreBase
from bot.storage.models import ReportRecord


class YearsStore(StoreBase):
    def unit_reports(self, unit_id: int) -> list[ReportRecord]:
        """The unit's reports, the newest year first."""
        return list(
            self.session.exec(
                select(ReportRecord).where(col(ReportRecord.unit_id) == unit_id).order_by(col(ReportRecord.year).desc())
            ).all()
        )
