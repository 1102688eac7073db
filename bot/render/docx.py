"""The finished report as a Word (.docx) file in the official layout, typeset after GB/T 9704-2012.

Paragraphs and tables are written as WordprocessingML directly: every run names its Latin and
Chinese fonts itself (no theme fonts), because Word and WPS otherwise substitute their own.
Everything that does not depend on the report (styles, page setup, page-number footers) is built
once per style with python-docx and kept as a package; a render only writes a new document.xml
into a copy of it. That keeps a render fast and frees its memory at once, where a python-docx
document per render would leave reference cycles for the garbage collector.
"""

from __future__ import annotations

import io
import re
import zipfile
from copy import deepcopy
from datetime import datetime, timezone
from pathlib import Path
from typing import BinaryIO

import docx
from docx.document import Document
from docx.section import _Footer
from docx.shared import Mm
from lxml import etree

from bot.formatdef import Grid
from bot.render.layout import LayoutCell, TableLayout, grid_layout, table2_layout
from bot.render.style import Role, Style, load_style
from bot.report import Report

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
XML_SPACE = "{http://www.w3.org/XML/1998/namespace}space"
DC_TITLE = "{http://purl.org/dc/elements/1.1/}title"
DC_STAMPS = ("{http://purl.org/dc/terms/}created", "{http://purl.org/dc/terms/}modified")
CP_STATUS = "{http://schemas.openxmlformats.org/package/2006/metadata/core-properties}contentStatus"
THUMBNAIL_REL = "http://schemas.openxmlformats.org/package/2006/relationships/metadata/thumbnail"
STYLES_WITH_EFFECTS_REL = "http://schemas.microsoft.com/office/2007/relationships/stylesWithEffects"
DOCUMENT_PART = "word/document.xml"
CORE_PART = "docProps/core.xml"
SUBHEADING = re.compile(r"^[（(][一二三四五六七八九十]+[）)]")
SENTENCE_END = tuple("。！？；：…!?;:")
SUBHEADING_MAX_CHARS = 30
XML_INVALID = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
THEME_ATTRS = tuple(W + a for a in ("asciiTheme", "eastAsiaTheme", "hAnsiTheme", "cstheme"))
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
    """A w: element with w: attributes, appended to `parent`."""
    return etree.SubElement(parent, W + tag, {W + k: str(v) for k, v in attrs.items()})


def _rpr(role: Role) -> etree._Element:
    """Run properties naming both fonts and the size; hint=eastAsia sets quotes and dashes in the Chinese font."""
    rpr = etree.Element(W + "rPr")
    _el(rpr, "rFonts", ascii=role.latin, hAnsi=role.latin, eastAsia=role.east_asia, cs=role.latin, hint="eastAsia")
    half_points = round(role.size_pt * 2)
    _el(rpr, "sz", val=half_points)
    _el(rpr, "szCs", val=half_points)
    return rpr


def _ppr(
    role: Role,
    *,
    align: str | None = None,
    indent: bool = True,
    keep_next: bool = False,
    space_after_pt: float | None = None,
    indent_left_chars: float = 0,
    indent_right_chars: float = 0,
) -> etree._Element:
    """Paragraph properties in schema order: keepNext, spacing, ind, jc, outlineLvl, rPr."""
    ppr = etree.Element(W + "pPr")
    if keep_next:
        _el(ppr, "keepNext")
    after = twips_pt(role.space_after_pt if space_after_pt is None else space_after_pt)
    if role.line_pt:
        _el(ppr, "spacing", before=0, after=after, line=twips_pt(role.line_pt), lineRule="exact")
    else:
        _el(ppr, "spacing", before=0, after=after, line=240, lineRule="auto")
    chars = role.indent_chars if indent else 0
    ind = _el(ppr, "ind", firstLineChars=round(chars * 100), firstLine=twips_pt(chars * role.size_pt))
    if indent_left_chars:
        ind.set(W + "leftChars", str(round(indent_left_chars * 100)))
        ind.set(W + "left", str(twips_pt(indent_left_chars * role.size_pt)))
    if indent_right_chars:
        ind.set(W + "rightChars", str(round(indent_right_chars * 100)))
        ind.set(W + "right", str(twips_pt(indent_right_chars * role.size_pt)))
    _el(ppr, "jc", val=ALIGN[align or role.align])
    if role.outline_level is not None:
        _el(ppr, "outlineLvl", val=role.outline_level)
    ppr.append(_rpr(role))
    return ppr


def _run(p: etree._Element, rpr: etree._Element, text: str = "") -> etree._Element:
    r = etree.SubElement(p, W + "r")
    r.append(deepcopy(rpr))
    if text:
        t = etree.SubElement(r, W + "t", {XML_SPACE: "preserve"})
        t.text = text
    return r


class _Body:
    """Appends paragraphs and tables to a document body, before its section properties."""

    def __init__(self, body: etree._Element, style: Style):
        self.sect_pr = body.find(W + "sectPr")
        self.style = style
        self._ppr_cache: dict[tuple[object, ...], etree._Element] = {}
        self._rpr_cache: dict[str, etree._Element] = {}

    def _props(self, role_name: str, **options: object) -> tuple[etree._Element, etree._Element]:
        """Shared pPr and rPr of a role, built once per render and copied into each paragraph."""
        role = self.style.role(role_name)
        key = (role_name, *sorted(options.items()))
        if key not in self._ppr_cache:
            self._ppr_cache[key] = _ppr(role, **options)  # type: ignore[arg-type]
        if role_name not in self._rpr_cache:
            self._rpr_cache[role_name] = _rpr(role)
        return self._ppr_cache[key], self._rpr_cache[role_name]

    def paragraph(self, text: str, role_name: str, **options: object) -> None:
        ppr, rpr = self._props(role_name, **options)
        p = etree.Element(W + "p")
        p.append(deepcopy(ppr))
        if text:
            _run(p, rpr, text)
        self.sect_pr.addprevious(p)

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
        """Fixed column widths over the text width; header rows repeat, rows never split."""
        tables = self.style.tables
        widths = self._widths(layout)
        keep_together = len(layout.rows) <= tables.keep_together_max_rows
        tbl = etree.Element(W + "tbl")
        tbl_pr = _el(tbl, "tblPr")
        _el(tbl_pr, "tblW", w=sum(widths), type="dxa")
        _el(tbl_pr, "jc", val="center")
        borders = _el(tbl_pr, "tblBorders")
        size = round(tables.border_pt * 8)
        for side in ("top", "left", "bottom", "right", "insideH", "insideV"):
            _el(borders, side, val="single", sz=size, space=0, color="000000")
        _el(tbl_pr, "tblLayout", type="fixed")
        margins = _el(tbl_pr, "tblCellMar")
        for side in ("left", "right"):
            _el(margins, side, w=twips_mm(tables.cell_margin_mm), type="dxa")
        grid = _el(tbl, "tblGrid")
        for width in widths:
            _el(grid, "gridCol", w=width)
        height = twips_mm(tables.row_min_height_mm)
        last = len(layout.rows) - 1
        for i, row in enumerate(layout.rows):
            tr = _el(tbl, "tr")
            tr_pr = _el(tr, "trPr")
            _el(tr_pr, "cantSplit")
            _el(tr_pr, "trHeight", val=height, hRule="atLeast")
            if i < layout.header_rows:
                _el(tr_pr, "tblHeader")
            col = 0
            for cell in row:
                self._cell(tr, cell, sum(widths[col : col + cell.span]), keep_next=keep_together and i < last)
                col += cell.span
        self.sect_pr.addprevious(tbl)
        self.paragraph("", "table")

    def _cell(self, tr: etree._Element, cell: LayoutCell, width: int, keep_next: bool) -> None:
        tc = _el(tr, "tc")
        tc_pr = _el(tc, "tcPr")
        _el(tc_pr, "tcW", w=width, type="dxa")
        if cell.span > 1:
            _el(tc_pr, "gridSpan", val=cell.span)
        if cell.vmerge:
            _el(tc_pr, "vMerge", val=cell.vmerge)
        _el(tc_pr, "vAlign", val="center")
        ppr, rpr = self._props("table", align=CELL_ALIGN[cell.kind], indent=False, keep_next=keep_next)
        p = _el(tc, "p")
        p.append(deepcopy(ppr))
        if cell.text:
            _run(p, rpr, clean(cell.text))


def _setup(document: Document, style: Style) -> None:
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
    for fonts in styles.iter(W + "rFonts"):
        for attr in THEME_ATTRS:
            fonts.attrib.pop(attr, None)
    defaults = styles.find(W + "docDefaults")
    rpr = defaults.find(f"{W}rPrDefault/{W}rPr")
    lang = rpr.find(W + "lang")
    for child in list(rpr):
        if child is not lang:
            rpr.remove(child)
    for child in reversed(_rpr(style.role("body")).findall(W + "*")):
        rpr.insert(0, child)
    if lang is not None:
        lang.set(W + "eastAsia", "zh-CN")
    spacing = defaults.find(f"{W}pPrDefault/{W}pPr/{W}spacing")
    if spacing is not None:
        spacing.attrib.clear()
        spacing.set(W + "after", "0")
    document.core_properties.language = "zh-CN"
    document.core_properties.author = ""
    document.core_properties.last_modified_by = ""
    document.core_properties.comments = ""


def _drop_leftovers(document: Document) -> None:
    """python-docx's blank template ships a thumbnail of another document and Word 2010 styles in theme fonts."""
    package = document.part.package
    for rid, rel in list(package.rels.items()):
        if rel.reltype == THUMBNAIL_REL:
            del package.rels[rid]
    for rid, rel in list(document.part.rels.items()):
        if rel.reltype == STYLES_WITH_EFFECTS_REL:
            document.part.drop_rel(rid)


def _footer(footer: _Footer, style: Style, align: str, left: float = 0, right: float = 0) -> None:
    """'— 1 —': the dashes around a PAGE field."""
    footer.is_linked_to_previous = False
    role = style.role("page_number")
    numbering = style.page_number
    rpr = _rpr(role)
    p = footer.paragraphs[0]._p
    for child in list(p):
        p.remove(child)
    p.append(_ppr(role, align=align, indent=False, indent_left_chars=left, indent_right_chars=right))
    _run(p, rpr, numbering.before)
    _el(_run(p, rpr), "fldChar", fldCharType="begin")
    instr = _el(_run(p, rpr), "instrText")
    instr.text = " PAGE "
    instr.set(XML_SPACE, "preserve")
    _el(_run(p, rpr), "fldChar", fldCharType="separate")
    _run(p, rpr, "1")
    _el(_run(p, rpr), "fldChar", fldCharType="end")
    _run(p, rpr, numbering.after)


def _page_numbers(document: Document, style: Style) -> None:
    """GB/T 9704 places odd page numbers right and even ones left, one character in; or all centred."""
    numbering = style.page_number
    section = document.sections[0]
    if numbering.placement == "outside":
        document.settings.odd_and_even_pages_header_footer = True
        _footer(section.footer, style, "right", right=numbering.indent_chars)
        _footer(section.even_page_footer, style, "left", left=numbering.indent_chars)
    else:
        _footer(section.footer, style, "center")


_BASES: dict[int, tuple[Style, tuple[tuple[str, bytes], ...]]] = {}


def _base_package(style: Style) -> tuple[tuple[str, bytes], ...]:
    """The parts of an empty report document in this style, built once per style."""
    cached = _BASES.get(id(style))
    if cached and cached[0] is style:
        return cached[1]
    document = docx.Document()
    _drop_leftovers(document)
    _setup(document, style)
    _page_numbers(document, style)
    buffer = io.BytesIO()
    document.save(buffer)
    with zipfile.ZipFile(buffer) as package:
        parts = tuple((name, package.read(name)) for name in package.namelist())
    _BASES[id(style)] = (style, parts)
    return parts


def _document_xml(report: Report, style: Style, base: bytes) -> bytes:
    root = etree.fromstring(base)
    body = _Body(root.find(W + "body"), style)
    lines = title_lines(report, style.role("title"))
    for n, line in enumerate(lines):
        last = n == len(lines) - 1
        body.paragraph(line, "title", keep_next=True, space_after_pt=None if last else 0)
    body.narrative(report.text.get("preamble", ""))
    fmt = report.format
    for section in fmt.sections:
        body.paragraph(section.full_heading, "heading1", keep_next=True)
        if section.text:
            body.narrative(report.text.get(section.text, ""))
        elif section.table:
            table = fmt.table(section.table)
            if isinstance(table, Grid):
                layout = grid_layout(table, report, style.tables.orientation.get(table.key, "rows"))
            else:
                layout = table2_layout(table, report)
            body.table(layout)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)


def _core_xml(report: Report, base: bytes, status: str) -> bytes:
    """Document properties: the report's title, its status (草稿/定稿), created and modified now."""
    root = etree.fromstring(base)
    if status:
        element = root.find(CP_STATUS)
        if element is None:
            element = etree.SubElement(root, CP_STATUS)
        element.text = status
    title = root.find(DC_TITLE)
    if title is None:
        title = etree.SubElement(root, DC_TITLE)
    title.text = clean(report.title())
    now = datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    for tag in DC_STAMPS:
        stamp = root.find(tag)
        if stamp is not None:
            stamp.text = now
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)


def render_docx(report: Report, out: Path | BinaryIO, style: Style | None = None, status: str = "") -> None:
    """Write the report in the official layout; an unknown cell prints empty, an empty text as nothing.

    `status` goes into the document's properties (Word: 文件 › 信息 › 状态): 定稿 for an approved report.
    """
    style = style or load_style()
    parts = _base_package(style)
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as package:
        for name, data in parts:
            if name == DOCUMENT_PART:
                data = _document_xml(report, style, data)
            elif name == CORE_PART:
                data = _core_xml(report, data, status)
            package.writestr(name, data)
