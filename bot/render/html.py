"""The report as one HTML fragment for a government portal's CMS (网页版), and the tables' HTML.

The tables are the printed layout of `bot/render/layout.py` (so the format definition's merged cells
become `colspan`/`rowspan`, exactly as in the .docx); the texts are paragraphs under the sections'
headings. Styles are inline (a CMS keeps `style` and drops classes and style sheets), every value is
escaped, and nothing refers to another file: the clerk pastes the fragment as it is.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from html import escape

from bot.core.report import Report
from bot.format.definition import Grid
from bot.render.layout import LayoutCell, TableLayout, grid_layout, table2_layout
from bot.render.style import load_style

CellAttrs = Callable[[LayoutCell], Mapping[str, str]]

TABLE_STYLE = "border-collapse:collapse;width:100%;margin:0.5em 0 1em;font-size:14px"
CELL_STYLE = "border:1px solid #000;padding:4px 6px"
ALIGN = {"heading": "left", "header": "center", "corner": "left", "group": "left", "label": "left", "value": "center"}


def rowspans(layout: TableLayout) -> dict[tuple[int, int], int]:
    """(row, start column) of each cell that starts a vertical merge → the number of rows it spans."""
    starts: list[dict[int, LayoutCell]] = []
    for row in layout.rows:
        column, at = 0, {}
        for cell in row:
            at[column] = cell
            column += cell.span
        starts.append(at)
    spans: dict[tuple[int, int], int] = {}
    for i, at in enumerate(starts):
        for column, cell in at.items():
            if cell.vmerge == "restart":
                n = 1
                while i + n < len(starts) and (below := starts[i + n].get(column)) is not None and below.vmerge == "continue":
                    n += 1
                spans[(i, column)] = n
    return spans


def table_html(layout: TableLayout, *, inline: bool = True, cell_attrs: CellAttrs | None = None, table_class: str = "",
               caption: str = "") -> str:
    """One table: header rows in <thead> (as <th>), merged cells as colspan/rowspan, continued merges left out.

    `inline`: the portal's styles (borders, alignment); `cell_attrs`: extra attributes per cell (the web page's
    data-path for comments)."""
    spans = rowspans(layout)
    klass = f' class="{escape(table_class)}"' if table_class else ""
    style = f' style="{TABLE_STYLE}"' if inline else ""
    out = [f"<table{klass}{style}>"]
    if caption:
        out.append(f"<caption>{escape(caption)}</caption>")
    for i, row in enumerate(layout.rows):
        if i == 0 and layout.header_rows:
            out.append("<thead>")
        if i == layout.header_rows:
            out.append("<tbody>")
        cells, column = [], 0
        for cell in row:
            start, column = column, column + cell.span
            if cell.vmerge == "continue":
                continue
            tag = "td" if cell.kind == "value" else "th"
            attrs: dict[str, str] = {}
            if cell.span > 1:
                attrs["colspan"] = str(cell.span)
            if spans.get((i, start), 1) > 1:
                attrs["rowspan"] = str(spans[(i, start)])
            if tag == "th":
                attrs["scope"] = "col" if i < layout.header_rows or cell.kind in ("header", "heading") else "row"
            attrs["class"] = cell.kind
            if inline:
                weight = ";font-weight:bold" if cell.kind in ("heading", "header", "corner") else ";font-weight:normal"
                attrs["style"] = f"{CELL_STYLE};text-align:{ALIGN.get(cell.kind, 'left')}{weight}"
            if cell_attrs is not None:
                attrs.update(cell_attrs(cell))
            shown = " ".join(f'{k}="{escape(v)}"' for k, v in attrs.items())
            cells.append(f"<{tag} {shown}>{escape(cell.text)}</{tag}>")
        out.append("<tr>" + "".join(cells) + "</tr>")
        if layout.header_rows and i == layout.header_rows - 1:
            out.append("</thead>")
    if len(layout.rows) > layout.header_rows or not layout.header_rows:
        out.append("</tbody>")
    out.append("</table>")
    return "".join(out)


def layouts(report: Report) -> dict[str, TableLayout]:
    """The printed layout of each table of the report's format, oriented as the .docx prints it."""
    orientation = load_style().tables.orientation
    fmt = report.format
    return {
        key: grid_layout(table, report, orientation.get(key, "rows")) if isinstance(table, Grid) else table2_layout(table, report)
        for key, table in fmt.tables.items()
    }


def _paragraphs(text: str) -> str:
    return "".join(f'<p style="text-indent:2em;line-height:1.8;margin:0.3em 0">{escape(line.strip())}</p>'
                   for line in text.splitlines() if line.strip())


def report_html(report: Report) -> str:
    """The whole report as one HTML fragment: title, 前言, each section's heading with its text or table."""
    fmt = report.format
    tables = layouts(report)
    out = ['<div class="nianbao-report" style="font-family:FangSong,仿宋,serif;font-size:16px">',
           f'<h1 style="text-align:center;font-size:22px">{escape(report.title())}</h1>',
           _paragraphs(report.text.get("preamble", ""))]
    for section in fmt.sections:
        out.append(f'<h2 style="font-size:18px;margin:1em 0 0.5em">{escape(section.full_heading)}</h2>')
        if section.text:
            out.append(_paragraphs(report.text.get(section.text, "")))
        elif section.table:
            out.append(table_html(tables[section.table]))
    out.append("</div>")
    return "\n".join(part for part in out if part)


def html_filename(report: Report) -> str:
    return f"{report.title()}（网页版）.html"
