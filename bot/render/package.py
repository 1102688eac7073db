"""The empty report document of a style: page, grid, defaults, fonts, compatibility, footers, draft header.

Built once per style (and draft or not) with python-docx, then its parts are rewritten where
python-docx's blank template would leave Word 2010 compatibility mode, a Japanese locale (ja-JP,
ＭＳ 明朝) and a font table without the Chinese fonts and their fallbacks.
"""

from __future__ import annotations

import io
import math
import zipfile

import docx
from docx.document import Document
from docx.section import _Footer, _Header
from docx.shared import Mm
from lxml import etree

from bot.render.style import Style
from bot.render.wordml import XML_SPACE, W, el, must_find, ppr, rpr, run, twips_mm, twips_pt

A = "{http://schemas.openxmlformats.org/drawingml/2006/main}"
THUMBNAIL_REL = "http://schemas.openxmlformats.org/package/2006/relationships/metadata/thumbnail"
STYLES_WITH_EFFECTS_REL = "http://schemas.microsoft.com/office/2007/relationships/stylesWithEffects"
THEME_ATTRS = tuple(W + a for a in ("asciiTheme", "eastAsiaTheme", "hAnsiTheme", "cstheme"))
WORD_URI = "http://schemas.microsoft.com/office/word"
COMPATIBILITY_MODE = "15"  # Word 2013 and later: no "兼容模式" in the title bar
FONT_TABLE_PART = "word/fontTable.xml"
SETTINGS_PART = "word/settings.xml"
THEME_PART = "word/theme/theme1.xml"
JAPANESE_SCRIPTS = ("Jpan",)


def _setup(document: Document, style: Style) -> None:
    """A4 page and margins; document defaults in the body font and zh-CN, with every theme font removed."""
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
    _doc_grid(section._sectPr, style)
    styles = document.styles.element
    for fonts in styles.iter(W + "rFonts"):
        for attr in THEME_ATTRS:
            fonts.attrib.pop(attr, None)
    defaults = styles.find(W + "docDefaults")
    props = defaults.find(f"{W}rPrDefault/{W}rPr")
    for child in list(props):
        props.remove(child)
    for child in rpr(style.role("body")).findall(W + "*"):
        props.append(child)
    el(props, "lang", val="en-US", eastAsia="zh-CN", bidi="ar-SA")
    _normal_style(document, style)
    spacing = defaults.find(f"{W}pPrDefault/{W}pPr/{W}spacing")
    if spacing is not None:
        spacing.attrib.clear()
        spacing.set(W + "after", "0")
    document.core_properties.language = "zh-CN"
    document.core_properties.author = ""
    document.core_properties.last_modified_by = ""
    document.core_properties.comments = ""


def _normal_style(document: Document, style: Style) -> None:
    """The Normal style in the body font and size: LibreOffice sizes the character grid from it, not the defaults."""
    normal = document.styles["Normal"].element
    old = normal.find(W + "rPr")
    if old is not None:
        normal.remove(old)
    normal.append(rpr(style.role("body")))


def grid_pitches(style: Style) -> tuple[int, int]:
    """(linePitch in twips, charSpace in 1/4096 pt) of the chars_per_line × lines_per_page grid.

    charSpace is what each character's pitch adds to (here: takes from) the body size: 28
    characters of 三号 are 448 pt, 5.8 pt more than the 156 mm line, so each gives up about 0.2 pt.
    """
    page = style.page
    body = style.role("body")
    line_pitch = twips_pt(body.line_pt) if body.line_pt else round(twips_mm(page.height_mm) / page.lines_per_page)
    pitch_pt = twips_mm(page.text_width_mm) / 20 / page.chars_per_line
    return line_pitch, math.floor((pitch_pt - body.size_pt) * 4096)  # down: 28 must fit, not 27.99


def _doc_grid(sect_pr: etree._Element, style: Style) -> None:
    line_pitch, char_space = grid_pitches(style)
    grid = sect_pr.find(W + "docGrid")
    if grid is None:
        grid = el(sect_pr, "docGrid")
    grid.attrib.clear()
    grid.set(W + "type", "linesAndChars")
    grid.set(W + "linePitch", str(line_pitch))
    grid.set(W + "charSpace", str(char_space))


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
    props = rpr(role)
    p = footer.paragraphs[0]._p
    for child in list(p):
        p.remove(child)
    p.append(ppr(role, align=align, indent=False, indent_left_chars=left, indent_right_chars=right))
    run(p, props, numbering.before)
    el(run(p, props), "fldChar", fldCharType="begin")
    instr = el(run(p, props), "instrText")
    instr.text = " PAGE "
    instr.set(XML_SPACE, "preserve")
    el(run(p, props), "fldChar", fldCharType="separate")
    run(p, props, "1")
    el(run(p, props), "fldChar", fldCharType="end")
    run(p, props, numbering.after)


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


def _draft_header(header: _Header, style: Style) -> None:
    """The draft mark in the header: on every page, odd and even, and no border line under it."""
    header.is_linked_to_previous = False
    role = style.role("draft_mark")
    p = header.paragraphs[0]._p
    for child in list(p):
        p.remove(child)
    props = ppr(role, indent=False)
    borders = etree.Element(W + "pBdr")
    el(borders, "bottom", val="nil")
    following = props.find(W + "snapToGrid")
    (following if following is not None else must_find(props, "spacing")).addprevious(borders)  # schema order
    p.append(props)
    run(p, rpr(role), style.draft.mark)


def _font_table(style: Style) -> bytes:
    """Each font the document names, with the family a machine without it should take instead."""
    root = etree.Element(W + "fonts", nsmap={"w": W[1:-1]})
    for font in style.fonts:
        entry = el(root, "font", name=font.name)
        if font.alt:
            el(entry, "altName", val=font.alt)
        el(entry, "panose1", val=font.panose)
        el(entry, "charset", val=font.charset)
        el(entry, "family", val=font.family)
        el(entry, "pitch", val=font.pitch)
        usb0, usb1, usb2, usb3, csb0, csb1 = font.sig
        el(entry, "sig", usb0=usb0, usb1=usb1, usb2=usb2, usb3=usb3, csb0=csb0, csb1=csb1)
    return bytes(etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True))


def _settings(data: bytes) -> bytes:
    """Word 2013+ compatibility, Chinese theme language and punctuation compression, as the official template."""
    root = etree.fromstring(data)
    for setting in root.iter(W + "compatSetting"):
        if setting.get(W + "name") == "compatibilityMode":
            setting.set(W + "val", COMPATIBILITY_MODE)
    lang = root.find(W + "themeFontLang")
    if lang is not None:
        lang.set(W + "val", "zh-CN")
        lang.set(W + "eastAsia", "zh-CN")
    spacing = root.find(W + "characterSpacingControl")
    if spacing is not None:
        spacing.set(W + "val", "compressPunctuation")
    return bytes(etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True))


def _theme(data: bytes) -> bytes:
    """The theme's per-script font lists without the Japanese entries (ＭＳ 明朝, ＭＳ ゴシック)."""
    root = etree.fromstring(data)
    for font in list(root.iter(A + "font")):
        parent = font.getparent()
        if font.get("script") in JAPANESE_SCRIPTS and parent is not None:
            parent.remove(font)
    return bytes(etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True))


def build_package(style: Style, draft: bool) -> tuple[tuple[str, bytes], ...]:
    """The parts of an empty report document in this style, a draft's with its mark in the header."""
    document = docx.Document()
    _drop_leftovers(document)
    _setup(document, style)
    _page_numbers(document, style)
    if draft:
        section = document.sections[0]
        _draft_header(section.header, style)
        if style.page_number.placement == "outside":
            _draft_header(section.even_page_header, style)
    buffer = io.BytesIO()
    document.save(buffer)
    rewrite = {FONT_TABLE_PART: lambda _: _font_table(style), SETTINGS_PART: _settings, THEME_PART: _theme}
    with zipfile.ZipFile(buffer) as package:
        return tuple(
            (name, rewrite[name](package.read(name)) if name in rewrite else package.read(name))
            for name in package.namelist()
        )
