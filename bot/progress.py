"""How far a report has come: the year being reported, which interview parts are complete, its status.

Below the interview, the workplace, the reminders and the county overview, which all need it.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from bot.formatdef import FormatDef
from bot.interviewdef import Script

STATUS_TEXT = {"draft": "填报中", "review": "待审核", "final": "已定稿"}


def default_year(today: date) -> int:
    """The year being reported: last year until June (the January rush), this year from July."""
    return today.year if today.month >= 7 else today.year - 1


def parts_done_from(answers: dict[str, Any], fmt: FormatDef, script: Script) -> set[str]:
    """The interview parts whose answers are complete."""
    done = {"unit"} if answers.get("unit.name") and answers.get("unit.level") else set()
    for table in ("table2", "table3", "table4"):
        if all(answers.get(c.path) is not None for c in fmt.cells() if c.table == table):
            done.add(table)
    for part, key in (("overview", "text.overview"), ("problems", "text.problems"), ("other", "text.other"), ("preamble", "text.preamble")):
        text = answers.get(key) or ""
        if text.strip() and "【待补充" not in text:  # a draft's gap for a fact not given is not done
            done.add(part)
    if answers.get("meta.docx_at"):
        done.add("finish")
    return done


def is_content(key: str) -> bool:
    """Keys that change the report itself (not the interview's bookkeeping or the facts behind drafts)."""
    return not key.startswith(("meta.", "fact.")) or key == "meta.profile"
