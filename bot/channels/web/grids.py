"""表二, 表三 and 表四 as editable grids, with one source of truth: the engine.

Reading: the grids' values, the checker's findings (naming cells, e.g. `table3.NEW.NP`) and the
reviewer's comments come from the stored report through read-only accessors. Writing: a grid's
change goes to the engine as the very inputs a clerk could type in the chat (“行名 + 数字” for 表三;
the part's questions answered in order for 表二 and 表四), so it is the same stored answer with the same
audit entry, under the same permission checks.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from bot.access import role_for
from bot.formatdef import FormatDef
from bot.interview.types import Input, Outcome
from bot.interviewdef import Script
from bot.limits import MAX_COUNT, MAX_MONEY, MONEY_PLACES, as_money
from bot.numbers import display
from bot.validate import validate
from storage.models import User
from storage.repository import Store

TABLES = ("table2", "table3", "table4")


class GridError(ValueError):
    """A value the grid cannot send (not a whole number, blank): said in Chinese, nothing is sent."""


def _row(key: str, label: str, cells: list[tuple[str, bool]]) -> dict[str, Any]:
    return {"key": key, "label": label, "cells": [{"path": p, "editable": e} for p, e in cells]}


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


def layout(fmt: FormatDef) -> dict[str, Any]:
    """The three grids' official labels and cells (which are computed totals, which are typed)."""
    totals = computed(fmt)
    t2_rows = []
    for block in fmt.table2.blocks:
        cols = [c.key for c in block.columns]
        for row in block.rows:
            cells = [(f"table2.{row.key}.{c}", True) for c in cols] if cols else [(f"table2.{row.key}", True)]
            t2_rows.append(_row(row.key or "", row.label, cells) | {"block": block.heading, "header": list(block.header), "kind": row.kind})
    t3 = fmt.table3
    leaves = set(t3.leaves())
    t3_rows = [
        _row(r.key or "", r.name, [(f"table3.{r.key}.{c}", f"table3.{r.key}.{c}" not in totals) for c in t3.col_keys])
        | {"depth": r.depth, "leaf": r.key in leaves}
        for r in t3.data_rows
    ]
    t4 = fmt.table4
    t4_rows = [
        _row(r.key or "", f"{r.super}—{r.label}" if r.super else r.label, [(f"table4.{r.key}.{c}", c != "T") for c in t4.col_keys])
        for r in t4.data_rows
    ]
    return {
        "table2": {"name": fmt.table2.name, "title": fmt.table2.title, "rows": t2_rows},
        "table3": {
            "name": t3.name, "title": t3.title, "rows": t3_rows, "total_row": (t3.total_row() or t3.data_rows[-1]).key,
            "columns": [{"key": c.key, "label": c.label, "group": c.group} for c in t3.columns],
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
    """Values, findings and open comments of a report the person may read; `readonly` unless they may edit."""
    if report_id is None:
        return {"report": None}
    record = store.report_record(report_id)
    role = role_for(store, user, record.unit_id if record else None)
    if record is None or role is None:
        store.refuse(user, "read", f"report:{report_id}", "grid of a report the person cannot read")
        return {"report": None, "refused": True}
    report = store.load_report(report_id)
    cells = report.cells
    values = {c.path: (None if cells[c.path] is None else display(cells[c.path])) for c in table_cells(fmt)}
    findings = [
        {"rule": f.rule, "level": f.level, "message": f.message, "cells": [c for c in f.cells if c.startswith(TABLES)]}
        for f in validate(report)
        if any(c.startswith(TABLES) for c in f.cells)
    ]
    comments = [
        {"target": c.target, "text": c.text}
        for c in (store.comments(report_id) if record.open_comments else [])
        if c.target.startswith(TABLES)
    ]
    return {
        "report": report_id,
        "title": report.title(),
        "status": record.status,
        "readonly": role not in ("owner", "clerk"),
        "values": values,
        "findings": findings,
        "comments": comments,
    }


def count_text(value: Any, where: str) -> str:
    text = str(value if value is not None else "").strip()
    if not text:
        raise GridError(f"{where}是空的，没有的请填0。")
    if not text.isdigit() or not text.isascii() or len(text) > len(str(MAX_COUNT)) or int(text) > MAX_COUNT:
        raise GridError(f"{where}应为不大于{MAX_COUNT}的整数，而不是“{text[:20]}”。")
    return str(int(text))


def money_text(value: Any, where: str) -> str:
    text = str(value if value is not None else "").strip()
    try:
        amount = Decimal(text)
    except InvalidOperation:
        raise GridError(f"{where}应为数字（万元，可有小数），而不是“{text[:20]}”。") from None
    if not amount.is_finite() or amount < 0:
        raise GridError(f"{where}应为不小于0的数字。")
    if isinstance(as_money(amount), str):  # the limits every way in shares (bot/limits.py)
        raise GridError(f"{where}超出范围：不应超过{MAX_MONEY}万元，最多{MONEY_PLACES}位小数。")
    return text


def table3_inputs(fmt: FormatDef, rows: dict[str, list[Any]]) -> list[str]:
    """“行名 n n n n n n” for every changed row: the chat's row edit, total computed by the engine."""
    grid = fmt.table3
    parts = [c for c in grid.columns if not c.sum_of]
    keys = {r.key: r for r in grid.data_rows if r is not grid.total_row()}
    out = []
    for key, values in rows.items():
        row = keys.get(key)
        if row is None or len(values) != len(parts):
            raise GridError("表格数据不完整，请刷新页面后重试。")
        numbers = [count_text(v, f"表三「{row.name}」行「{c.label}」列") for v, c in zip(values, parts, strict=True)]
        out.append(f"{row.name} {' '.join(numbers)}")
    return out


def step_text(fmt: FormatDef, script: Script, step_id: str, values: dict[str, Any]) -> str | None:
    """The chat answer to one question of 表二 or 表四 from the grid's values; None for a mode question."""
    step = script.step(step_id)
    label = {c.path: c.name for c in fmt.cells()}
    if step.kind == "row":
        paths = [f"table2.{step.row}.{c}" for c in step.columns]
    elif step.kind == "values":
        paths = list(step.keys)
    elif step.kind == "group4":
        paths = [f"table4.{step.row}.{m}" for m in "MCOP"]
    elif step.kind == "money":
        return money_text(values.get(step.key), label.get(step.key, step.key))
    else:
        return None
    return " ".join(count_text(values.get(p), label.get(p, p)) for p in paths)


def check_values(fmt: FormatDef, table: str, values: dict[str, Any]) -> None:
    """Every typed cell of 表二 or 表四 must be readable before anything is sent."""
    totals = computed(fmt)
    for cell in fmt.cells():
        if cell.table != table or cell.path in totals:
            continue
        (money_text if cell.kind == "money" else count_text)(values.get(cell.path), cell.name)


def goto_button(outcome: Outcome, part: str) -> str | None:
    """The `/menu` button that jumps to a part (its data carries the prompt's token)."""
    return next((b.data for r in outcome.replies for line in r.buttons for b in line if b.data.endswith(f":goto:{part}")), None)


def option_button(outcome: Outcome, value: str) -> str | None:
    return next((b.data for r in outcome.replies for line in r.buttons for b in line if b.data.endswith(f":opt:{value}")), None)


def button_input(data: str) -> Input:
    return Input(kind="button", text=data)
