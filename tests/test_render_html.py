"""The publish-ready HTML version (bot/render/html.py), read back by an HTML parser: the official tables
with their merged cells as rowspan/colspan, every label of the format definition, the numbers, the texts."""

from __future__ import annotations

from html.parser import HTMLParser
from typing import Any

from bot.core.report import Report
from bot.format.definition import Grid, walk_rows
from bot.render.html import layouts, report_html


class Tables(HTMLParser):
    """Each table as rows of (tag, attrs, text); and all text outside tables."""

    def __init__(self) -> None:
        super().__init__()
        self.tables: list[list[list[dict[str, Any]]]] = []
        self.cell: dict[str, Any] | None = None
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "table":
            self.tables.append([])
        elif tag == "tr":
            self.tables[-1].append([])
        elif tag in ("td", "th"):
            self.cell = {"tag": tag, **{k: v for k, v in attrs}, "text": ""}
            self.tables[-1][-1].append(self.cell)

    def handle_endtag(self, tag: str) -> None:
        if tag in ("td", "th"):
            self.cell = None

    def handle_data(self, data: str) -> None:
        if self.cell is not None:
            self.cell["text"] += data
        else:
            self.text.append(data)


def grid_of(rows: list[list[dict[str, Any]]]) -> list[list[dict[str, Any]]]:
    """The table as a full matrix: a spanned cell fills every slot it covers (the browser's table model)."""
    matrix: dict[tuple[int, int], dict[str, Any]] = {}
    for r, row in enumerate(rows):
        c = 0
        for cell in row:
            while (r, c) in matrix:
                c += 1
            for dr in range(int(cell.get("rowspan") or 1)):
                for dc in range(int(cell.get("colspan") or 1)):
                    assert (r + dr, c + dc) not in matrix, "overlapping spans"
                    matrix[(r + dr, c + dc)] = cell
            c += int(cell.get("colspan") or 1)
    height = max(r for r, _ in matrix) + 1
    width = max(c for _, c in matrix) + 1
    assert len(matrix) == height * width, "a ragged table"
    return [[matrix[(r, c)] for c in range(width)] for r in range(height)]


def sample() -> Report:
    report = Report.empty(2025, "次营镇人民政府")
    for n, cell in enumerate(report.format.cells()):
        report.cells[cell.path] = n + 1 if cell.kind == "count" else None
    report.cells["table2.FEE"] = None
    report.text.update({"preamble": "根据《条例》规定，特发布本报告。", "overview": "（一）主动公开\n本年主动公开<b>信息</b>。",
                        "problems": "一是队伍不稳。", "other": "无。"})
    return report


def parsed() -> tuple[Report, Tables]:
    report = sample()
    found = Tables()
    found.feed(report_html(report))
    return report, found


def test_each_table_is_a_full_rectangle_with_the_printed_layout() -> None:
    report, found = parsed()
    assert len(found.tables) == 3
    for rows, layout in zip(found.tables, layouts(report).values(), strict=True):
        matrix = grid_of(rows)
        assert len(matrix) == len(layout.rows) and len(matrix[0]) == layout.ncols


def test_table3_groups_are_merged_as_in_the_official_format() -> None:
    report, found = parsed()
    fmt = report.format
    matrix = grid_of(found.tables[1])
    t3 = fmt.table3
    # 三、本年度办理结果 spans, in its column, every row of its members (（一）…（七）and their items).
    result = next(r for r in t3.rows if r.children)
    group = next(cell for row in matrix for cell in row if cell["text"] == result.label)
    leaves = sum(1 for _ in walk_rows(result.children)) - sum(1 for r in walk_rows(result.children) if r.children)
    assert int(group["rowspan"]) == leaves
    for child in result.children:
        assert any(cell["text"] == child.label for row in matrix for cell in row)
    # 法人或其他组织 heads its five columns; 申请人情况 all seven.
    groups = {c.group for c in t3.columns if c.group}
    for name in groups:
        header = next(cell for row in matrix for cell in row if cell["text"] == name)
        assert int(header["colspan"]) == sum(1 for c in t3.columns if c.group == name)
    assert int(next(cell for row in matrix for cell in row if cell["text"] == t3.super_header)["colspan"]) == len(t3.columns)


def test_every_label_and_number_is_there() -> None:
    report, found = parsed()
    fmt = report.format
    texts = {cell["text"] for table in found.tables for row in table for cell in row}
    for block in fmt.table2.blocks:
        assert block.heading in texts and all(h in texts for h in block.header)
        assert all(r.label in texts for r in block.rows)
    for grid in (fmt.table3, fmt.table4):
        assert isinstance(grid, Grid)
        assert all(r.label in texts for r in walk_rows(grid.rows)) and all(c.label in texts for c in grid.columns)
    for rows, (key, layout) in zip(found.tables, layouts(report).items(), strict=True):
        values = [cell["text"] for row in rows for cell in row if cell["tag"] == "td"]
        printed = [c.text for row in layout.rows for c in row if c.kind == "value" and c.vmerge != "continue"]
        assert values == printed, key
    # The numbers entered: 表三 本年新收 自然人 is the first value cell of its first data row.
    first = grid_of(found.tables[1])[len(layouts(report)["table3"].rows) - len(list(fmt.table3.data_rows))]
    assert next(c for c in first if c["tag"] == "td")["text"] == str(report.cells["table3.NEW.NP"])


def test_texts_under_their_headings_and_escaped() -> None:
    report, found = parsed()
    html = report_html(report)
    assert "<b>" not in html and "&lt;b&gt;信息" in html
    outside = "".join(found.text)
    assert report.title() in outside and "根据《条例》规定" in outside
    for section in report.format.sections:
        assert section.full_heading in outside
    assert outside.index("一、总体情况") < outside.index("本年主动公开") < outside.index("二、主动公开政府信息情况")
    assert "<script" not in html and "href=" not in html and "src=" not in html  # nothing to fetch from elsewhere
