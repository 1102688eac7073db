"""The reader's gaps: a row printed in the source that could not be read into cells.

Such a row is one W-UNREAD finding with the line as printed; its cells stay empty with a CellProblem of
kind "unread", which the validator does not report as blank (E-BLANK) and on which no table rule runs.
A row that is not printed at all stays the report's own shape error (missing_row).
"""

from __future__ import annotations

import re
from typing import Protocol

from bot.checks.findings import Finding
from bot.core.report import CellProblem, Value
from bot.format.definition import FormatDef
from bot.importer.cells import kind_of

LINE_CHARS = 80  # of the unread line quoted in the finding


class Result(Protocol):
    values: dict[str, Value]
    problems: list[CellProblem]
    findings: list[Finding]


def flat(text: str) -> str:
    """Text as compared for 'is this label printed': no spaces, full-width brackets, '3、' → '3.'."""
    t = re.sub(r"[\s\u3000]+", "", text).replace("(", "（").replace(")", "）")
    return re.sub(r"(\d)[、．]", r"\1.", t)


def shown(cells: list[str]) -> str:
    """A source row as one line, as quoted to the clerk."""
    line = " ".join(c.strip() for c in cells if c.strip())
    return line if len(line) <= LINE_CHARS else line[: LINE_CHARS - 1] + "…"


def unread_row(fmt: FormatDef, result: Result, table: str, row: str, paths: list[str], line: str) -> None:
    """One finding for the row; its cells empty and marked unread."""
    rule = fmt.rule("W-UNREAD")
    result.findings.append(
        Finding(rule=rule.id, level=rule.level, cells=list(paths), actual=line,
                message=rule.say(table=table, row=row, line=line))
    )
    for path in paths:
        result.values[path] = None
        result.problems.append(CellProblem(path, "", "unread"))


def printed_line(rows: list[list[str]], label: str) -> str | None:
    """The source row holding a label (compared without spaces), or None when it is not printed."""
    want = flat(label)
    if len(want) < 2:
        return None
    for row in rows:
        joined = flat("".join(c for c in row if kind_of(c) == "text"))
        if want in joined:
            return shown(row)
    whole = flat("".join(c for row in rows for c in row if kind_of(c) == "text"))
    return label if want in whole else None
