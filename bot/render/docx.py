"""The finished report as a Word (.docx) file in the official layout, typeset after GB/T 9704-2012.

Everything that does not depend on the report (styles, fonts, page setup, footers, a draft's
header) is built once per style with python-docx and kept as a package (bot/render/package.py);
a render only writes a new document.xml and core.xml into a copy of it. That keeps a render fast
and frees its memory at once, where a python-docx document per render would leave reference
cycles for the garbage collector. The same report, status, findings and time give the same bytes.
"""

from __future__ import annotations

import zipfile
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import BinaryIO

from lxml import etree

from bot.checks.findings import Finding
from bot.core.report import Report
from bot.format.definition import Grid
from bot.render.body import Body
from bot.render.draft import findings_page, is_draft
from bot.render.headings import is_subheading, split_heading
from bot.render.layout import grid_layout, table2_layout
from bot.render.package import build_package
from bot.render.style import Role, Style, load_style
from bot.render.wordml import clean, must_find

__all__ = ["is_subheading", "render_docx", "split_heading", "title_lines"]

DC_TITLE = "{http://purl.org/dc/elements/1.1/}title"
DC_STAMPS = ("{http://purl.org/dc/terms/}created", "{http://purl.org/dc/terms/}modified")
CP_STATUS = "{http://schemas.openxmlformats.org/package/2006/metadata/core-properties}contentStatus"
DOCUMENT_PART = "word/document.xml"
CORE_PART = "docProps/core.xml"
ZIP_TIME = (1980, 1, 1, 0, 0, 0)  # the earliest a zip can say: the file's bytes do not depend on when it was made


def _display_width(text: str) -> float:
    return sum(0.5 if ord(ch) < 0x2E80 else 1.0 for ch in text)


def title_lines(report: Report, role: Role) -> list[str]:
    """The title on one line, or the unit name on its own line when the whole is too wide."""
    title = clean(report.title())
    unit = clean(report.unit.get("name", ""))
    if unit and title.startswith(unit) and len(title) > len(unit) and _display_width(title) > role.one_line_max_chars:
        return [unit, title[len(unit) :]]
    return [title]


_BASES: dict[tuple[int, bool], tuple[Style, tuple[tuple[str, bytes], ...]]] = {}


def _base_package(style: Style, draft: bool) -> tuple[tuple[str, bytes], ...]:
    """The parts of an empty report document in this style, built once per style and kind."""
    cached = _BASES.get((id(style), draft))
    if cached and cached[0] is style:
        return cached[1]
    parts = build_package(style, draft)
    _BASES[(id(style), draft)] = (style, parts)
    return parts


def _document_xml(report: Report, style: Style, base: bytes, findings: Sequence[Finding] | None) -> bytes:
    root = etree.fromstring(base)
    body = Body(must_find(root, "body"), style)
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
            orientation = style.tables.orientation.get(table.key, "rows")
            body.table(grid_layout(table, report, orientation) if isinstance(table, Grid) else table2_layout(table, report))
    if findings:
        findings_page(body, findings, style.draft.findings_title)
    return bytes(etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True))


def _core_xml(report: Report, base: bytes, status: str, created: datetime | None) -> bytes:
    """Document properties: the report's title, its status (草稿/定稿), created and modified at `created`.

    Without a time the stamps are left out, rather than taken from the machine's clock.
    """
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
    for tag in DC_STAMPS:
        stamp = root.find(tag)
        if stamp is None:
            continue
        if created is None:
            root.remove(stamp)
        else:
            stamp.text = created.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    return bytes(etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True))


def render_docx(
    report: Report,
    out: Path | BinaryIO,
    style: Style | None = None,
    status: str = "",
    *,
    findings: Sequence[Finding] | None = None,
    created: datetime | None = None,
) -> None:
    """Write the report in the official layout; an unknown cell prints empty, an empty text as nothing.

    `status` goes into the document's properties (Word: 文件 › 信息 › 状态): 定稿 for an approved
    report; 草稿 also puts the draft mark in the header of every page and, given `findings` (the
    checker's open errors), a last page listing them. A final carries neither, whatever `findings`.
    `created` is the time the properties record (from the caller's clock).
    """
    style = style or load_style()
    draft = is_draft(status)
    parts = _base_package(style, draft)
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as package:
        for name, data in parts:
            if name == DOCUMENT_PART:
                data = _document_xml(report, style, data, findings if draft else None)
            elif name == CORE_PART:
                data = _core_xml(report, data, status, created)
            info = zipfile.ZipInfo(name, ZIP_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            package.writestr(info, data)
