"""The printed layout of tables 二, 三 and 四, derived from the format definition.

Each table is first drawn as a matrix of nodes, one per grid slot: a label that spans several
slots appears in each of them. Merges follow from the matrix alone (the same node to the right is
a horizontal span, the same node below a vertical merge), so a new definition prints with its
own merged cells without code changes.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.core.numbers import display
from bot.core.report import Report
from bot.format.definition import Grid, Row, Table2


@dataclass(frozen=True)
class LayoutCell:
    """One printed cell (a w:tc): its text, role, horizontal span and vertical merge."""

    text: str
    kind: str  # "heading" | "header" | "corner" | "group" | "label" | "value"
    span: int = 1
    vmerge: str | None = None  # "restart" | "continue" | None
    path: str | None = None  # the report cell a value cell prints


@dataclass(frozen=True)
class TableLayout:
    key: str
    rows: tuple[tuple[LayoutCell, ...], ...]
    ncols: int
    header_rows: int  # repeated on each page
    label_cols: int  # leading columns of row labels (0: all columns equally wide)


@dataclass(eq=False)
class _Node:
    """A slot's content; identity (not text) decides what merges."""

    text: str
    kind: str
    path: str | None = None


def _value(report: Report, path: str) -> _Node:
    return _Node(display(report.cells.get(path)), "value", path)


def _merge(key: str, matrix: list[list[_Node]], header_rows: int, label_cols: int) -> TableLayout:
    rows = []
    for i, line in enumerate(matrix):
        cells = []
        c = 0
        while c < len(line):
            node = line[c]
            span = 1
            while c + span < len(line) and line[c + span] is node:
                span += 1
            above = i > 0 and matrix[i - 1][c] is node
            below = i + 1 < len(matrix) and matrix[i + 1][c] is node
            vmerge = "continue" if above else "restart" if below else None
            text = "" if above else node.text
            cells.append(LayoutCell(text, node.kind, span, vmerge, None if above else node.path))
            c += span
        rows.append(tuple(cells))
    return TableLayout(key, tuple(rows), len(matrix[0]), header_rows, label_cols)


def table2_layout(t2: Table2, report: Report) -> TableLayout:
    """Blocks under each other: a merged heading row, a header row, data rows; the last header spans the rest."""
    ncols = max(max(len(b.header), 1 + len(b.columns)) for b in t2.blocks)
    matrix: list[list[_Node]] = []

    def spread(nodes: list[_Node]) -> list[_Node]:
        return nodes + [nodes[-1]] * (ncols - len(nodes))

    for block in t2.blocks:
        heading = _Node(block.heading, "heading")
        matrix.append([heading] * ncols)
        matrix.append(spread([_Node(h, "header") for h in block.header]))
        for row in block.rows:
            label = _Node(row.label, "label")
            keys = [f"{row.key}.{c.key}" for c in block.columns] if block.columns else [row.key]
            values = [_value(report, f"{t2.key}.{key}") for key in keys]
            matrix.append(spread([label, *values]))
    return _merge(t2.key, matrix, header_rows=0, label_cols=0)


def _depth(rows: tuple[Row, ...]) -> int:
    return max((1 + _depth(r.children) if r.children else 1) for r in rows)


def _column_headers(grid: Grid) -> list[list[_Node]]:
    """Per data column, its header nodes top-down: super header, column group, column label."""
    grouped = any(c.group for c in grid.columns)
    super_node = _Node(grid.super_header, "header") if grid.super_header else None
    paths: list[list[_Node]] = []
    group_node = _Node("", "header")  # replaced at the first column of each group
    previous_group: str | None = None
    for col in grid.columns:
        label = _Node(col.label, "header")
        levels = [super_node] if super_node else []
        if grouped:
            if col.group and col.group != previous_group:
                group_node = _Node(col.group, "header")
            levels.append(group_node if col.group else label)  # an ungrouped label spans both levels
        previous_group = col.group
        levels.append(label)
        paths.append(levels)
    return paths


def grid_rows_layout(grid: Grid, report: Report) -> TableLayout:
    """Rows under each other; group labels merged vertically to the left of their members (表三)."""
    label_cols = _depth(grid.rows)
    corner = _Node(grid.corner, "corner")
    columns = _column_headers(grid)
    height = len(columns[0])
    matrix = [[corner] * label_cols + [path[i] for path in columns] for i in range(height)]

    def walk(rows: tuple[Row, ...], ancestors: list[_Node]) -> None:
        for row in rows:
            if row.children:
                walk(row.children, ancestors + [_Node(row.label, "group")])
                continue
            label = _Node(row.label, "label")
            labels = ancestors + [label] * (label_cols - len(ancestors))
            matrix.append(labels + [_value(report, f"{grid.key}.{row.key}.{c.key}") for c in grid.columns])

    walk(grid.rows, [])
    return _merge(grid.key, matrix, header_rows=height, label_cols=label_cols)


def grid_columns_layout(grid: Grid, report: Report) -> TableLayout:
    """Row groups side by side in one line of numbers, headed by super label, group label, member (表四)."""
    any_super = any(r.super for r in grid.rows)
    supers: dict[str, _Node] = {}
    columns: list[list[_Node]] = []
    values: list[_Node] = []
    for row in grid.rows:
        group = _Node(row.label, "header")
        for col in grid.columns:
            member = _Node(col.label, "header")
            if row.super:
                sup = supers.setdefault(row.super, _Node(row.super, "header"))
                columns.append([sup, group, member])
            elif any_super:
                columns.append([group, member, member])
            else:
                columns.append([group, member])
            values.append(_value(report, f"{grid.key}.{row.key}.{col.key}"))
    height = len(columns[0])
    matrix = [[path[i] for path in columns] for i in range(height)] + [values]
    return _merge(grid.key, matrix, header_rows=height, label_cols=0)


def grid_layout(grid: Grid, report: Report, orientation: str = "rows") -> TableLayout:
    if orientation == "columns":
        return grid_columns_layout(grid, report)
    return grid_rows_layout(grid, report)
