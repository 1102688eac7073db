"""WordprocessingML building blocks: units, elements, run and paragraph properties from a style role.

Every run names its Latin and Chinese fonts itself (no theme fonts), because Word and WPS
otherwise substitute their own.
"""

from __future__ import annotations

import re
from copy import deepcopy

from lxml import etree

from bot.render.style import Role

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
XML_SPACE = "{http://www.w3.org/XML/1998/namespace}space"
XML_INVALID = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
ALIGN = {"left": "left", "center": "center", "right": "right", "justify": "both"}


def twips_mm(mm: float) -> int:
    return round(mm * 1440 / 25.4)


def twips_pt(pt: float) -> int:
    return round(pt * 20)


def clean(text: str) -> str:
    """Text that XML can hold: control characters of a pasted source would make the file unreadable."""
    return XML_INVALID.sub("", text)


def must_find(parent: etree._Element, path: str) -> etree._Element:
    """The element at `path` (w: tags separated by /) that the document's own structure guarantees."""
    found = parent.find("/".join(W + tag for tag in path.split("/")))
    if found is None:
        raise ValueError(f"no w:{path} in {parent.tag}")
    return found


def el(parent: etree._Element, tag: str, **attrs: str | int) -> etree._Element:
    """A w: element with w: attributes, appended to `parent`."""
    return etree.SubElement(parent, W + tag, {W + k: str(v) for k, v in attrs.items()})


def rpr(role: Role, east_asia: str | None = None) -> etree._Element:
    """Run properties naming both fonts and the size; hint=eastAsia sets quotes and dashes in the Chinese font."""
    props = etree.Element(W + "rPr")
    chinese = east_asia or role.east_asia
    el(props, "rFonts", ascii=role.latin, hAnsi=role.latin, eastAsia=chinese, cs=role.latin, hint="eastAsia")
    if role.color:
        el(props, "color", val=role.color)
    half_points = round(role.size_pt * 2)
    el(props, "sz", val=half_points)
    el(props, "szCs", val=half_points)
    return props


def ppr(
    role: Role,
    *,
    align: str | None = None,
    indent: bool = True,
    keep_next: bool = False,
    space_after_pt: float | None = None,
    indent_left_chars: float = 0,
    indent_right_chars: float = 0,
) -> etree._Element:
    """Paragraph properties in schema order: keepNext, snapToGrid, spacing, ind, jc, outlineLvl, rPr.

    A role off the document grid (title, tables, page numbers) keeps its own sizes: on the grid,
    Word would set each small character in a full grid cell.
    """
    props = etree.Element(W + "pPr")
    if keep_next:
        el(props, "keepNext")
    if not role.snap_to_grid:
        el(props, "snapToGrid", val=0)
    after = twips_pt(role.space_after_pt if space_after_pt is None else space_after_pt)
    if role.line_pt:
        el(props, "spacing", before=0, after=after, line=twips_pt(role.line_pt), lineRule="exact")
    else:
        el(props, "spacing", before=0, after=after, line=240, lineRule="auto")
    chars = role.indent_chars if indent else 0
    ind = el(props, "ind", firstLineChars=round(chars * 100), firstLine=twips_pt(chars * role.size_pt))
    if indent_left_chars:
        ind.set(W + "leftChars", str(round(indent_left_chars * 100)))
        ind.set(W + "left", str(twips_pt(indent_left_chars * role.size_pt)))
    if indent_right_chars:
        ind.set(W + "rightChars", str(round(indent_right_chars * 100)))
        ind.set(W + "right", str(twips_pt(indent_right_chars * role.size_pt)))
    el(props, "jc", val=ALIGN[align or role.align])
    if role.outline_level is not None:
        el(props, "outlineLvl", val=role.outline_level)
    props.append(rpr(role))
    return props


def run(p: etree._Element, props: etree._Element, text: str = "") -> etree._Element:
    r = etree.SubElement(p, W + "r")
    r.append(deepcopy(props))
    if text:
        t = etree.SubElement(r, W + "t", {XML_SPACE: "preserve"})
        t.text = text
    return r
