"""Reading 表四 of a published report: the numbers of its three groups (复议, 诉讼 direct and after review),
placed cell by cell only when their count fits; an OCR look-alike only where its group's sum confirms it."""

from __future__ import annotations

from bot.format.definition import FormatDef, Grid
from bot.importer.cells import confirm_ocr, kind_of, norm_label
from bot.importer.tables import TableResult, _assign_row, _shape_finding, _sum_indexes
from bot.importer.unread import shown, unread_row


def parse_table4(rows: list[list[str]], fmt: FormatDef) -> TableResult:
    grid: Grid = fmt.table4
    result = TableResult()
    groups = grid.row_keys
    width = len(grid.columns)
    expected = width * len(groups)
    data: list[tuple[int, list[str]]] = []
    for i, row in enumerate(rows):
        kinds = [kind_of(c) for c in row]
        if "text" not in kinds and any(k != "empty" for k in kinds):
            data.append((i, row))
    if not data:
        blank_rows = [(i, r) for i, r in enumerate(rows) if all(kind_of(c) == "empty" for c in r) and len(r) >= expected]
        data = blank_rows[-1:]
    cells = [c for _, r in data for c in r]
    if len(cells) != expected:
        cells = [c for _, r in data for c in _rstrip_empty(r)]
    order = list(groups)
    if len(data) == len(groups) and all(len(_rstrip_empty(r)) == width for _, r in data):
        order = _group_order(rows, [i for i, _ in data]) or order
        cells = [c for _, r in data for c in _rstrip_empty(r)]
    if len(cells) != expected:
        paths = [f"table4.{g}.{c}" for g in groups for c in grid.col_keys]
        if any(kind_of(c) != "empty" for c in cells):  # printed, but not placeable cell by cell
            line = " / ".join(shown(r) for _, r in data)
            unread_row(fmt, result, grid.name, "、".join(grid.row(g).label for g in groups), paths, shown([line]))
            return result
        message = fmt.rule("E-T4-SHAPE").say(table=grid.name, expected=expected, actual=len(cells))
        _shape_finding(fmt, "E-T4-SHAPE", paths, message, result)
        return result
    rows4 = [confirm_ocr(cells[n * width : (n + 1) * width], *_sum_indexes(grid)) for n in range(len(order))]
    for n, group in enumerate(order):
        paths = [f"table4.{group}.{c}" for c in grid.col_keys]
        confirmed = rows4[n]
        if confirmed is None:  # an OCR look-alike the group's own sum does not confirm
            unread_row(fmt, result, grid.name, grid.row(group).label, paths, shown(cells[n * width : (n + 1) * width]))
            continue
        _assign_row(result, "table4", group, list(grid.col_keys), confirmed)
    return result


def _rstrip_empty(row: list[str]) -> list[str]:
    out = list(row)
    while out and kind_of(out[-1]) == "empty":
        out.pop()
    return out


def _group_order(rows: list[list[str]], data_rows: list[int]) -> list[str] | None:
    """When each group's numbers stand under their own label ('行政诉讼—复议后起诉：…'), read the labels."""
    order = []
    for i in data_rows:
        label = norm_label("".join(rows[i - 1])) if i > 0 else ""
        if "复议后起诉" in label:
            order.append("LR")
        elif "直接起诉" in label or "未经复议" in label:
            order.append("LD")
        elif "复议" in label:
            order.append("RV")
        else:
            return None
    return order if sorted(order) == sorted(["RV", "LD", "LR"]) else None

