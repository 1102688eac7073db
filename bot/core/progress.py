"""How far a report has come: the year being reported, which interview parts are complete, its status.

Below the interview, the workplace, the reminders and the county overview, which all need it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from bot.checks.findings import Finding
from bot.checks.validate import UNFINISHED, validate
from bot.core.report import Report
from bot.format.definition import FormatDef
from bot.format.interview import Script

STATUS_TEXT = {"draft": "填报中", "review": "待审核", "final": "已定稿"}


def default_year(today: date) -> int:
    """The year being reported: last year until June (the January rush), this year from July."""
    return today.year if today.month >= 7 else today.year - 1


def parts_done_from(answers: dict[str, Any], fmt: FormatDef, script: Script, faulty: set[str] | frozenset[str] = frozenset()) -> set[str]:
    """The interview parts whose answers are complete (a part in `faulty` has errors: not done)."""
    done = {"unit"} if answers.get("unit.name") and answers.get("unit.level") else set()
    for table in ("table2", "table3", "table4"):
        if table not in faulty and all(answers.get(c.path) is not None for c in fmt.cells() if c.table == table):
            done.add(table)
    for part, key in (("overview", "text.overview"), ("problems", "text.problems"), ("other", "text.other"), ("preamble", "text.preamble")):
        text = answers.get(key) or ""
        if text.strip() and "【待补充" not in text and part not in faulty:  # a draft's gap for a fact not given is not done
            done.add(part)
    if answers.get("meta.docx_at"):
        done.add("finish")
    return done


# The unit's card as a county gives it when it adds the unit: an invited clerk's report starts with these
# filled (bot/workplace/people.py); a report with nothing else is "not started" on the county's dashboard.
UNIT_CARD = ("unit.name", "unit.level", "unit.province", "unit.city", "unit.county")


def started(answers: dict[str, Any]) -> bool:
    """Whether anyone has filled anything in a report beyond the unit's card."""
    return any(key not in UNIT_CARD for key in answers)


def is_content(key: str) -> bool:
    """Keys that change the report itself (not the interview's bookkeeping or the facts behind drafts)."""
    return not key.startswith(("meta.", "fact.")) or key == "meta.profile"


@dataclass
class CheckResult:
    """A report's findings as every screen counts them: errors are mistakes in what is filled (the number
    the county overview and the reminders show too), missing is what is still to fill (blank cells,
    unwritten sections), warnings may be confirmed. Errors and missing both block the document."""

    errors: list[Finding]
    missing: list[Finding]
    warnings: list[Finding]

    @property
    def blocking(self) -> list[Finding]:
        return self.errors + self.missing

    def line(self) -> str:
        text = f"检查：{len(self.errors)}个错误、{len(self.warnings)}个提醒"
        return text + (f"；尚有{len(self.missing)}处未填写。" if self.missing else "。")

    def faulty_parts(self) -> set[str]:
        """The tables and sections with an error in them ('table3', 'other'): such a part is not done,
        however full it is."""
        parts = set()
        for cell in (c for f in self.errors for c in f.cells):
            head, _, rest = cell.partition(".")
            parts.add(rest.split(".")[0] if head == "text" else head)
        return parts


def check_report(report: Report, previous: Report | None = None, *, today: date | None = None, deadline: date | None = None) -> CheckResult:
    findings = validate(report, previous, today=today, deadline=deadline)
    errors = [f for f in findings if f.level == "error"]
    return CheckResult(
        errors=[f for f in errors if f.rule not in UNFINISHED],
        missing=[f for f in errors if f.rule in UNFINISHED],
        warnings=[f for f in findings if f.level != "error"],
    )
