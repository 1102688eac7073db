"""The finished report as a Word (.docx) file in the official layout, typeset after GB/T 9704-2012.

Paragraphs and tables are written as WordprocessingML directly: every run names its Latin and
Chinese fonts itself (no theme fonts), because Word and WPS otherwise substitute their own; and
building table cells in one pass keeps rendering far below the time a chat answer may take.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import BinaryIO

import docx
from docx.oxml.ns import qn
from docx.shared import Mm
from lxml import etree

from bot.formatdef import Grid
from bot.render.layout import LayoutCell, TableLayout, grid_layout, table2_layout
from bot.render.style import Role, Style, load_style
from bot.report import Report

SUBHEADING = re.compile(r"^[（(][一二三四五六七八九十]+[）)]")
SENTENCE_END = tuple("。！？；：…!?;:")
SUBHEADING_MAX_CHARS = 30
XML_INVALID = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
THEME_ATTRS = tuple(qn(f"w:{a}") for a in ("asciiTheme", "eastAsiaTheme", "hAnsiTheme", "cstheme"))
XML_SPACE = "{http://www.w3.org/XML/1998/namespace}space"
ALIGN = {"left": "left", "center": "center", "right": "right", "justify": "both"}
CELL_ALIGN = {"heading": "left", "header": "center", "group": "center", "label": "justify", "value": "center"}


def twips_mm(mm: float) -> int:
    return round(mm * 1440 / 25.4)


def twips_pt(pt: float) -> int:
    return round(pt * 20)


def clean(text: str) -> str:
    """Text that XML can hold: control characters of a pasted source would make the file unreadable."""
    return XML_INVALID.sub("", text)


def is_subheading(line: str) -> bool:
    """A （一）-style line that is a heading, not a paragraph that merely starts with an ordinal."""
    return bool(SUBHEADING.match(line)) and (len(line) <= SUBHEADING_MAX_CHARS or not line.endswith(SENTENCE_END))


def _display_width(text: str) -> float:
    return sum(0.5 if ord(ch) < 0x2E80 else 1.0 for ch in text)


def title_lines(report: Report, role: Role) -> list[str]:
    """The title on one line, or the unit name on its own line when the whole is too wide."""
    title = clean(report.title())
    unit = clean(report.unit.get("name", ""))
    if unit and title.startswith(unit) and len(title) > len(unit) and _display_width(title) > role.one_line_max_chars:
        return [unit, title[len(unit) :]]
    return [title]


def _el(parent: etree._Element, tag: str, **attrs: str | int) -> etree._Element:
    node = etree.SubElement(parent, qn(tag))
    for name, value in attrs.items():
        node.set(qn(f"w:{name}"), str(value))
    return node


def _fonts(rpr: etree._Element, role: Role) -> None:
    _el(rpr, "w:rFonts", ascii=role.latin, hAnsi=role.latin, eastAsia=role.east_asia, cs=role.latin, hint="eastAsia")
    half_points = round(role.size_pt * 2)
    _el(rpr, "w:sz", val=half_points)
    _el(rpr, "w:szCs", val=half_points)


def _run(p: etree._Element, role: Role, text: str = "") -> etree._Element:
    r = _el(p, "w:r")
    _fonts(_el(r, "w:rPr"), role)
    if text:
        t = _el(r, "w:t")
        t.text = text
        t.set(XML_SPACE, "preserve")
    return r


def _field_run(p: etree._Element, role: Role, kind: str) -> None:
    _el(_run(p, role), "w:fldChar", fldCharType=kind)


def _ppr(
    p: etree._Element,
    role: Role,
    *,
    align: str | None = None,
    indent: bool = True,
    keep_next: bool = False,
    space_after_pt: float | None = None,
    indent_left_chars: float = 0,
    indent_right_chars: float = 0,
) -> None:
    """Paragraph properties in schema order: keepNext, spacing, ind, jc, outlineLvl, rPr."""
    ppr = _el(p, "w:pPr")
    if keep_next:
        _el(ppr, "w:keepNext")
    after = twips_pt(role.space_after_pt if space_after_pt is None else space_after_pt)
    if role.line_pt:
        _el(ppr, "w:spacing", before=0, after=after, line=twips_pt(role.line_pt), lineRule="exact")
    else:
        _el(ppr, "w:spacing", before=0, after=after, line=240, lineRule="auto")
    chars = role.indent_chars if indent else 0
    ind = _el(ppr, "w:ind", firstLineChars=round(chars * 100), firstLine=twips_pt(chars * role.size_pt))
    if indent_left_chars:
        ind.set(qn("w:leftChars"), str(round(indent_left_chars * 100)))
        ind.set(qn("w:left"), str(twips_pt(indent_left_chars * role.size_pt)))
    if indent_right_chars:
        ind.set(qn("w:rightChars"), str(round(indent_right_chars * 100)))
        ind.set(qn("w:right"), str(twips_pt(indent_right_chars * role.size_pt)))
    _el(ppr, "w:jc", val=ALIGN[align or role.align])
    if role.outline_level is not None:
        _el(ppr, "w:outlineLvl", val=role.outline_level)
    _fonts(_el(ppr, "w:rPr"), role)


class _Writer:
    """Appends paragraphs and tables to the body of a fresh document, before its section properties."""

    def __init__(self, document: docx.document.Document, style: Style):
        self.document = document
        self.style = style
        self.sect_pr = document.element.body.sectPr

    def _append(self, element: etree._Element) -> None:
        self.sect_pr.addprevious(element)

    def paragraph(self, text: str, role_name: str, *, keep_next: bool = False, space_after_pt: float | None = None) -> None:
        role = self.style.role(role_name)
        p = etree.Element(qn("w:p"))
        _ppr(p, role, keep_next=keep_next, space_after_pt=space_after_pt)
        if text:
            _run(p, role, text)
        self._append(p)

    def narrative(self, text: str) -> None:
        """One paragraph per line; short （一）-style lines become level-2 headings."""
        for raw in clean(text).split("\n"):
            line = raw.strip()
            if not line:
                continue
            if is_subheading(line):
                self.paragraph(line, "heading2", keep_next=True)
            else:
                self.paragraph(line, "body")

    def _widths(self, layout: TableLayout) -> list[int]:
        tables = self.style.tables
        total = twips_mm(self.style.page.text_width_mm)
        n = layout.ncols
        if layout.label_cols:
            group = twips_mm(tables.group_label_col_mm)
            data = twips_mm(tables.data_col_mm)
            label = total - group * (layout.label_cols - 1) - data * (n - layout.label_cols)
            if label >= group:
                return [group] * (layout.label_cols - 1) + [label] + [data] * (n - layout.label_cols)
        base, extra = divmod(total, n)
        return [base] * (n - extra) + [base + 1] * extra

    def table(self, layout: TableLayout) -> None:
        tables = self.style.tables
        role = self.style.role("table")
        widths = self._widths(layout)
        keep_together = len(layout.rows) <= tables.keep_together_max_rows
        tbl = etree.Element(qn("w:tbl"))
        tbl_pr = _el(tbl, "w:tblPr")
        _el(tbl_pr, "w:tblW", w=sum(widths), type="dxa")
        _el(tbl_pr, "w:jc", val="center")
        borders = _el(tbl_pr, "w:tblBorders")
        size = round(tables.border_pt * 8)
        for side in ("top", "left", "bottom", "right", "insideH", "insideV"):
            _el(borders, f"w:{side}", val="single", sz=size, space=0, color="000000")
        _el(tbl_pr, "w:tblLayout", type="fixed")
        margins = _el(tbl_pr, "w:tblCellMar")
        for side in ("left", "right"):
            _el(margins, f"w:{side}", w=twips_mm(tables.cell_margin_mm), type="dxa")
        grid = _el(tbl, "w:tblGrid")
        for width in widths:
            _el(grid, "w:gridCol", w=width)
        last = len(layout.rows) - 1
        for i, row in enumerate(layout.rows):
            tr = _el(tbl, "w:tr")
            tr_pr = _el(tr, "w:trPr")
            _el(tr_pr, "w:cantSplit")
            _el(tr_pr, "w:trHeight", val=twips_mm(tables.row_min_height_mm), hRule="atLeast")
            if i < layout.header_rows:
                _el(tr_pr, "w:tblHeader")
            col = 0
            for cell in row:
                self._cell(tr, cell, sum(widths[col : col + cell.span]), role, keep_next=keep_together and i < last)
                col += cell.span
        self._append(tbl)
        self.paragraph("", "table")

    def _cell(self, tr: etree._Element, cell: LayoutCell, width: int, role: Role, keep_next: bool) -> None:
        tc = _el(tr, "w:tc")
        tc_pr = _el(tc, "w:tcPr")
        _el(tc_pr, "w:tcW", w=width, type="dxa")
        if cell.span > 1:
            _el(tc_pr, "w:gridSpan", val=cell.span)
        if cell.vmerge:
            _el(tc_pr, "w:vMerge", val=cell.vmerge)
        _el(tc_pr, "w:vAlign", val="center")
        p = _el(tc, "w:p")
        _ppr(p, role, align=CELL_ALIGN[cell.kind], indent=False, keep_next=keep_next)
        if cell.text:
            _run(p, role, clean(cell.text))

    def page_numbers(self) -> None:
        """'— 1 —' from a PAGE field; odd pages right and even pages left when placed outside."""
        numbering = self.style.page_number
        section = self.document.sections[0]
        if numbering.placement == "outside":
            self.document.settings.odd_and_even_pages_header_footer = True
            self._footer(section.footer, "right", right=numbering.indent_chars)
            self._footer(section.even_page_footer, "left", left=numbering.indent_chars)
        else:
            self._footer(section.footer, "center")

    def _footer(self, footer: docx.section._Footer, align: str, left: float = 0, right: float = 0) -> None:
        footer.is_linked_to_previous = False
        role = self.style.role("page_number")
        numbering = self.style.page_number
        p = footer.paragraphs[0]._p
        for child in list(p):
            p.remove(child)
        _ppr(p, role, align=align, indent=False, indent_left_chars=left, indent_right_chars=right)
        _run(p, role, numbering.before)
        _field_run(p, role, "begin")
        instr = _el(_run(p, role), "w:instrText")
        instr.text = " PAGE "
        instr.set(XML_SPACE, "preserve")
        _field_run(p, role, "separate")
        _run(p, role, "1")
        _field_run(p, role, "end")
        _run(p, role, numbering.after)


def _setup(document: docx.document.Document, style: Style, title: str) -> None:
    """A4 page and margins; document defaults in the body font with every theme font removed."""
    page = style.page
    section = document.sections[0]
    section.page_width = Mm(page.width_mm)
    section.page_height = Mm(page.height_mm)
    section.top_margin = Mm(page.margin_top_mm)
    section.bottom_margin = Mm(page.margin_bottom_mm)
    section.left_margin = Mm(page.margin_left_mm)
    section.right_margin = Mm(page.margin_right_mm)
    section.header_distance = Mm(page.header_distance_mm)
    section.footer_distance = Mm(page.footer_distance_mm)
    styles = document.styles.element
    for fonts in styles.iter(qn("w:rFonts")):
        for attr in THEME_ATTRS:
            fonts.attrib.pop(attr, None)
    body = style.role("body")
    defaults = styles.find(qn("w:docDefaults"))
    rpr = defaults.find(f"{qn('w:rPrDefault')}/{qn('w:rPr')}")
    for tag in ("w:rFonts", "w:sz", "w:szCs"):
        old = rpr.find(qn(tag))
        if old is not None:
            rpr.remove(old)
    fonts = etree.Element(qn("w:rFonts"))
    for name, value in (("ascii", body.latin), ("hAnsi", body.latin), ("eastAsia", body.east_asia), ("cs", body.latin)):
        fonts.set(qn(f"w:{name}"), value)
    rpr.insert(0, fonts)
    lang = rpr.find(qn("w:lang"))
    size = str(round(body.size_pt * 2))
    for tag in ("w:sz", "w:szCs"):
        node = etree.Element(qn(tag))
        node.set(qn("w:val"), size)
        if lang is not None:
            lang.addprevious(node)
        else:
            rpr.append(node)
    if lang is not None:
        lang.set(qn("w:eastAsia"), "zh-CN")
    spacing = defaults.find(f"{qn('w:pPrDefault')}/{qn('w:pPr')}/{qn('w:spacing')}")
    if spacing is not None:
        spacing.attrib.clear()
        spacing.set(qn("w:after"), "0")
    document.core_properties.title = title
    document.core_properties.language = "zh-CN"
    document.core_properties.author = ""


def render_docx(report: Report, out: Path | BinaryIO, style: Style | None = None) -> None:
    """Write the report in the official layout; an unknown cell prints empty, an empty text as nothing."""
    style = style or load_style()
    fmt = report.format
    document = docx.Document()
    _setup(document, style, clean(report.title()))
    writer = _Writer(document, style)
    lines = title_lines(report, style.role("title"))
    for n, line in enumerate(lines):
        last = n == len(lines) - 1
        writer.paragraph(line, "title", keep_next=True, space_after_pt=None if last else 0)
    writer.narrative(report.text.get("preamble", ""))
    for section in fmt.sections:
        writer.paragraph(section.full_heading, "heading1", keep_next=True)
        if section.text:
            writer.narrative(report.text.get(section.text, ""))
        elif section.table:
            table = fmt.table(section.table)
            if isinstance(table, Grid):
                layout = grid_layout(table, report, style.tables.orientation.get(table.key, "rows"))
            else:
                layout = table2_layout(table, report)
            writer.table(layout)
    writer.page_numbers()
    document.save(out)
