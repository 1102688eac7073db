"""表二, 表三 and 表四 as editable grids.

Reading: the grids' values, the checker's findings (naming cells, e.g. `table3.NEW.NP`) and the
reviewer's comments come from the stored report through read-only accessors. Writing: a grid's save is
one call of the use case `bot.workplace.cells.set_cells` (the chat's rights, limits, stated-total rule,
audit and change set; never the chat's conversation), and the grid is shown again from its result.
"""

from __future__ import annotations

from typing import Any

from bot.checks.findings import Finding
from bot.checks.validate import validate
from bot.core.numbers import display
from bot.core.report import Report
from bot.format.definition import FormatDef
from bot.format.interview import Script
from bot.interview.service import Service
from bot.render.html import layouts, table_html
from bot.render.layout import LayoutCell
from bot.storage.models import ReportRecord, User, id_of
from bot.storage.repository import Store
from bot.workplace.access import entity_id, role_for
from bot.workplace.cells import CellsResult, Host, set_cells

TABLES = ("table2", "table3", "table4")


def _row(key: str, label: str, cells: list[tuple[str, bool]], money: bool = False) -> dict[str, Any]:
    """`money`: the row's cells are amounts (万元, with decimals), not counts."""
    return {"key": key, "label": label, "cells": [{"path": p, "editable": e} | ({"money": True} if money else {}) for p, e in cells]}


def computed(fmt: FormatDef) -> set[str]:
    """The cells of 表三 and 表四 that are totals: computed from the others, never typed."""
    out = set()
    for grid in fmt.grids:
        total_col, total_row = grid.total_column(), grid.total_row()
        for row in grid.data_rows:
            for col in grid.columns:
                if col is total_col or row is total_row:
                    out.add(f"{grid.key}.{row.key}.{col.key}")
    return out


def official(fmt: FormatDef, key: str, totals: set[str]) -> str:
    """A grid's table in its official printed layout (the county's read-only view and the .docx draw the same):
    group header rows and merged labels from the format definition; each value cell carries its path, whether
    it is typed, and its “行名 列名” for a screen reader. The page puts the values and inputs into these cells."""
    grid = next(g for g in fmt.grids if g.key == key)
    rows = {r.key: r.name for r in grid.data_rows}
    columns = {c.key: c.label for c in grid.columns}

    def attrs(cell: LayoutCell) -> dict[str, str]:
        if cell.kind != "value" or not cell.path:
            return {}
        _, row, column = cell.path.split(".")
        return {"data-path": cell.path, "data-editable": "0" if cell.path in totals else "1",
                "data-label": f"{rows.get(row, row)} {columns.get(column, column)}"}

    printed = layouts(Report.empty(fmt=fmt))[key]
    return table_html(printed, inline=False, cell_attrs=attrs, table_class=f"grid official editable {key}")


_LAYOUTS: dict[int, dict[str, Any]] = {}


def layout(fmt: FormatDef) -> dict[str, Any]:
    """The three grids' official labels and cells (which are computed totals, which are typed); 表三 also as
    its official table (`html`). Computed once per format."""
    if id(fmt) not in _LAYOUTS:
        _LAYOUTS[id(fmt)] = _layout(fmt)
    return _LAYOUTS[id(fmt)]


def _layout(fmt: FormatDef) -> dict[str, Any]:
    totals = computed(fmt)
    t2_rows = []
    for block in fmt.table2.blocks:
        cols = [c.key for c in block.columns]
        for row in block.rows:
            cells = [(f"table2.{row.key}.{c}", True) for c in cols] if cols else [(f"table2.{row.key}", True)]
            extra = {"block": block.heading, "header": list(block.header), "kind": row.kind}
            t2_rows.append(_row(row.key or "", row.label, cells, money=row.kind == "money") | extra)
    t3 = fmt.table3
    leaves = set(t3.leaves())
    t3_rows = [
        _row(r.key or "", r.name, [(f"table3.{r.key}.{c}", f"table3.{r.key}.{c}" not in totals) for c in t3.col_keys])
        | {"depth": r.depth, "leaf": r.key in leaves}
        for r in t3.data_rows
    ]
    t4 = fmt.table4
    t4_rows = [
        _row(r.key or "", f"{r.super}—{r.label}" if r.super else r.label, [(f"table4.{r.key}.{c.key}", not c.sum_of) for c in t4.columns])
        for r in t4.data_rows
    ]
    return {
        "table2": {"name": fmt.table2.name, "title": fmt.table2.title, "rows": t2_rows},
        "table3": {
            "name": t3.name, "title": t3.title, "rows": t3_rows, "total_row": (t3.total_row() or t3.data_rows[-1]).key,
            "columns": [{"key": c.key, "label": c.label, "group": c.group} for c in t3.columns],
            "html": official(fmt, t3.key, totals),
        },
        "table4": {"name": t4.name, "title": t4.title, "columns": [{"key": c.key, "label": c.label} for c in t4.columns], "rows": t4_rows},
    }


_TABLE_CELLS: dict[int, list[Any]] = {}


def table_cells(fmt: FormatDef) -> list[Any]:
    """The cells of the three tables (computed once per format)."""
    if id(fmt) not in _TABLE_CELLS:
        _TABLE_CELLS[id(fmt)] = [c for c in fmt.cells() if c.table in TABLES]
    return _TABLE_CELLS[id(fmt)]


def state(store: Store, user: User, fmt: FormatDef, script: Script, report_id: int | None) -> dict[str, Any]:
    """Values, findings and open comments of a report the person may read; `readonly` unless they may edit.
    (`script` is unused: kept for the callers that pass it.)"""
    if report_id is None:
        return {"report": None}
    record = store.report_record(report_id)
    role = role_for(store, user, record.unit_id if record else None)
    if record is None or role is None:
        store.refuse(user, "read", f"report:{report_id}", "grid of a report the person cannot read")
        return {"report": None, "refused": True}
    report = store.load_report(report_id)
    return view(store, fmt, report, record, role, validate(report))


def saved(store: Store, fmt: FormatDef, result: CellsResult) -> dict[str, Any]:
    """The grid after a save, from the save's own result (its report and its one validation)."""
    assert result.report is not None and result.record is not None
    return view(store, fmt, result.report, result.record, result.role, result.findings)


def view(store: Store, fmt: FormatDef, report: Report, record: ReportRecord, role: str | None, found: list[Finding]) -> dict[str, Any]:
    cells = report.cells
    values = {c.path: (None if cells[c.path] is None else display(cells[c.path])) for c in table_cells(fmt)}
    findings = [
        {"rule": f.rule, "level": f.level, "message": f.message, "cells": [c for c in f.cells if c.startswith(TABLES)]}
        for f in found
        if any(c.startswith(TABLES) for c in f.cells)
    ]
    comments = [
        {"target": c.target, "text": c.text}
        for c in (store.comments(id_of(record)) if record.open_comments else [])
        if c.target.startswith(TABLES)
    ]
    return {
        "report": record.id,
        "title": report.title(),
        "status": record.status,
        "readonly": role not in ("owner", "clerk"),
        "values": values,
        "findings": findings,
        "comments": comments,
    }


def cells_of(fmt: FormatDef, table: str, body: dict[str, Any]) -> dict[str, Any] | None:
    """The cells a save sends: `{"cells": {path: value}}` (a total's path: a stated total); the older
    shapes `{"values": {path: value}}` and, for 表三, `{"rows": {row: [six values]}}` are read too.
    None when the body has neither shape."""
    found = body.get("cells", body.get("values"))
    if isinstance(found, dict):
        return found
    rows = body.get("rows")
    if table != "table3" or not isinstance(rows, dict):
        return None
    parts = [c.key for c in fmt.table3.part_columns]
    out: dict[str, Any] = {}
    for key, values in rows.items():
        if not isinstance(values, list) or len(values) != len(parts):
            return None
        out.update({f"table3.{key}.{c}": v for c, v in zip(parts, values, strict=True)})
    return out


def save(store: Store, host: Host, external_id: str, table: str, report: object, cells: dict[str, Any]) -> tuple[int, dict[str, Any]]:
    """A grid's save in one transaction: the use case, then the grid from its result. The person's row is locked
    first, as for every chat input of theirs (storage `account(lock=True)`), so the two never interleave."""
    user = store.person(store.account("web", external_id, lock=True))
    report_id = entity_id(str(report)) if report is not None else store.conversation(user).report_id
    if report_id is None:
        return 409, {"error": "还没有报告：请先在左边回答单位信息。"}
    result = set_cells(store, host, user, report_id, table, cells)
    if result.report is None:
        return result.status, {"error": result.error}
    body = saved(store, host.fmt, result) | {"saved": result.saved, "notices": result.notices}
    return result.status, body | ({"error": result.error} if result.error else {})


def save_in(service: Service, external_id: str, table: str, report: object, cells: dict[str, Any]) -> tuple[int, dict[str, Any]]:
    """`save` in a worker process (bot/channels/workers.py), in a transaction of its own."""
    with service.repo.transaction() as store:
        return save(store, service.engine, external_id, table, report, cells)
