"""Applications entered one by one (表三): who may apply, the results offered, and how one reads back.

Below both the table-三 step that enters them and the screens that show them again (/undo, /history).
Everything comes from the format: the applicants are 表三's part columns, the arrivals the rows of the
roles `received` and `carried`, the results the groups the total row sums and the `forwarded` row.
"""

from __future__ import annotations

from typing import Any

from bot.format.definition import Column, FormatDef, ResultGroup, strip_ordinal


def applicants(fmt: FormatDef) -> list[Column]:
    """Who may apply: 表三's part columns (自然人 … 其他组织)."""
    return fmt.table3.part_columns


def arrivals(fmt: FormatDef) -> list[tuple[str, str]]:
    """(row key, name) of how an application arrived: 本年新收, 上年结转."""
    grid = fmt.table3
    return [(row, grid.row(row).name) for row in (fmt.role_row("received"), fmt.role_row("carried"))]


def results(fmt: FormatDef) -> list[ResultGroup]:
    """The results a clerk picks from: the groups the total row sums, then not yet concluded (结转下年度)."""
    fwd = fmt.role_row("forwarded")
    return [*fmt.table3.result_groups, ResultGroup(key=fwd, name=f"尚未办结（{fmt.table3.row(fwd).name}）", rows=(fwd,))]


def describe_application(fmt: FormatDef, fields: dict[str, Any]) -> str:
    """An application as the clerk entered it: 自然人·本年新收·予以公开."""
    who = next((c.name for c in applicants(fmt) if c.key == str(fields.get("applicant"))), "其他")
    (received, new), (_, carried) = arrivals(fmt)
    when = new if fields.get("arrival") == received else carried
    result = str(fields.get("result"))
    row = next((r for r in fmt.table3.data_rows if r.key == result), None)  # a row an older format had: its key
    what = row.name if result == fmt.role_row("forwarded") and row else strip_ordinal(row.label) if row else result
    return f"{who}·{when}·{what}"
