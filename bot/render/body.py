"""The document body: paragraphs by role, narratives with their headings, and the tables."""

from __future__ import annotations

from copy import deepcopy

from lxml import etree

from bot.render.headings import split_heading
from bot.render.layout import LayoutCell, TableLayout
from bot.render.style import Style
from bot.render.tables import column_widths
from bot.render.wordml import W, clean, el, must_find, ppr, rpr, run, twips_mm

CELL_ALIGN = {"heading": "left", "header": "center", "corner": "left", "group": "left", "value": "center"}
CELL_ROLE = {"corner": "table_note"}


class Body:
    """Appends paragraphs and tables to a document body, before its section properties."""

    def __init__(self, body: etree._Element, style: Style):
        self.sect_pr = must_find(body, "sectPr")
        self.container: etree._Element | None = None
        self.style = style
        self._ppr_cache: dict[tuple[object, ...], etree._Element] = {}
        self._rpr_cache: dict[str, etree._Element] = {}

    def within(self, container: etree._Element) -> Body:
        """The same writer appending into `container` (a content control) instead of the body."""
        inner = Body.__new__(Body)
        inner.__dict__.update(self.__dict__)
        inner.container = container
        return inner

    def _ppr(self, role_name: str, **options: object) -> etree._Element:
        """A role's pPr, built once per render and copied into each paragraph."""
        key = (role_name, *sorted(options.items()))
        if key not in self._ppr_cache:
            self._ppr_cache[key] = ppr(self.style.role(role_name), **options)  # type: ignore[arg-type]  # ppr's keywords pass through unchanged
        return self._ppr_cache[key]

    def _rpr(self, role_name: str) -> etree._Element:
        if role_name not in self._rpr_cache:
            self._rpr_cache[role_name] = rpr(self.style.role(role_name))
        return self._rpr_cache[role_name]

    def add(self, element: etree._Element) -> None:
        if self.container is not None:
            self.container.append(element)
        else:
            self.sect_pr.addprevious(element)

    def paragraph(self, text: str, role_name: str, **options: object) -> etree._Element:
        p = etree.Element(W + "p")
        p.append(deepcopy(self._ppr(role_name, **options)))
        if text:
            run(p, self._rpr(role_name), text)
        self.add(p)
        return p

    def narrative(self, text: str) -> None:
        """One paragraph per line; （一）-style headings in 楷体, a run-in one with the text after it in 仿宋."""
        for raw in clean(text).split("\n"):
            line = raw.strip()
            if not line:
                continue
            parts = split_heading(line)
            if parts is None:
                self.paragraph(line, "body")
            elif not parts[1]:
                self.paragraph(line, "heading2", keep_next=True)
            else:
                p = self.paragraph(parts[0], "body")
                must_find(p, "r/rPr/rFonts").set(W + "eastAsia", self.style.role("heading2").east_asia)
                run(p, self._rpr("body"), parts[1])

    def table(self, layout: TableLayout) -> None:
        """Fixed column widths over the text width; header rows repeat, rows never split."""
        tables = self.style.tables
        widths = column_widths(layout, self.style)
        keep_together = len(layout.rows) <= tables.keep_together_max_rows
        tbl = etree.Element(W + "tbl")
        tbl_pr = el(tbl, "tblPr")
        el(tbl_pr, "tblW", w=sum(widths), type="dxa")
        el(tbl_pr, "jc", val="center")
        borders = el(tbl_pr, "tblBorders")
        size = round(tables.border_pt * 8)
        for side in ("top", "left", "bottom", "right", "insideH", "insideV"):
            el(borders, side, val="single", sz=size, space=0, color="000000")
        el(tbl_pr, "tblLayout", type="fixed")
        margins = el(tbl_pr, "tblCellMar")
        for side in ("left", "right"):
            el(margins, side, w=twips_mm(tables.cell_margin_mm), type="dxa")
        grid = el(tbl, "tblGrid")
        for width in widths:
            el(grid, "gridCol", w=width)
        height = twips_mm(tables.row_min_height_mm)
        label_align = tables.label_align.get(layout.key, tables.label_align["default"])
        last = len(layout.rows) - 1
        for i, row in enumerate(layout.rows):
            tr = el(tbl, "tr")
            tr_pr = el(tr, "trPr")
            el(tr_pr, "cantSplit")
            el(tr_pr, "trHeight", val=height, hRule="atLeast")
            if i < layout.header_rows:
                el(tr_pr, "tblHeader")
            col = 0
            for cell in row:
                align = label_align if cell.kind == "label" else CELL_ALIGN[cell.kind]
                width = sum(widths[col : col + cell.span])
                self._cell(tr, cell, width, align, keep_next=keep_together and i < last)
                col += cell.span
        self.add(tbl)
        self.paragraph("", "table")

    def _cell(self, tr: etree._Element, cell: LayoutCell, width: int, align: str, keep_next: bool) -> None:
        tc = el(tr, "tc")
        tc_pr = el(tc, "tcPr")
        el(tc_pr, "tcW", w=width, type="dxa")
        if cell.span > 1:
            el(tc_pr, "gridSpan", val=cell.span)
        if cell.vmerge:
            el(tc_pr, "vMerge", val=cell.vmerge)
        if cell.kind == "heading":
            el(tc_pr, "shd", val="clear", color="auto", fill=self.style.tables.heading_fill)
        el(tc_pr, "vAlign", val="center")
        role = CELL_ROLE.get(cell.kind, "table")
        p = el(tc, "p")
        p.append(deepcopy(self._ppr(role, align=align, indent=False, keep_next=keep_next)))
        if cell.text:
            run(p, self._rpr(role), clean(cell.text))
