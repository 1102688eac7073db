"""The copy of a .docx that LibreOffice gets: the same page, with the character grid it cannot set.

Word and WPS fit 28 characters of 三号 on the 156 mm line by the document grid's negative
charSpace (each character's pitch 0.2 pt under its size). LibreOffice instead rounds every
character up to whole grid cells, so each takes two cells and a line holds 14. The copy keeps the
line grid and gives the runs of the grid's size the same pitch as character spacing (w:spacing),
which LibreOffice honours: the PDF and the pictures show the lines Word prints.
"""

from __future__ import annotations

import io
import math
import zipfile

from lxml import etree

from bot.render.wordml import W

DOCUMENT_PART = "word/document.xml"
STYLES_PART = "word/styles.xml"
RPR_AFTER_SPACING = ("w", "kern", "position", "sz", "szCs", "highlight", "u", "effect", "bdr", "shd", "fitText")


def _normal_half_points(styles: bytes) -> int | None:
    root = etree.fromstring(styles)
    for style in root.iter(W + "style"):
        if style.get(W + "type") == "paragraph" and style.get(W + "default") == "1":
            size = style.find(f"{W}rPr/{W}sz")
            return int(size.get(W + "val", "0")) if size is not None else None
    return None


def _document(data: bytes, half_points: int) -> bytes:
    root = etree.fromstring(data)
    grids = [g for g in root.iter(W + "docGrid") if g.get(W + "type") == "linesAndChars" and g.get(W + "charSpace")]
    if not grids:
        return data
    char_space = int(grids[0].get(W + "charSpace", "0"))
    for grid in grids:
        grid.set(W + "type", "lines")
    spacing = math.floor(char_space / 4096 * 20)  # twips; rounded away from zero so 28 fit, not 27.9
    if spacing >= 0:
        return bytes(etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True))
    for rpr in root.iter(W + "rPr"):
        size = rpr.find(W + "sz")
        if size is None or int(size.get(W + "val", "0")) != half_points or rpr.find(W + "spacing") is not None:
            continue
        element = etree.Element(W + "spacing", {W + "val": str(spacing)})
        following = next((c for c in rpr if etree.QName(c).localname in RPR_AFTER_SPACING), None)
        if following is not None:
            following.addprevious(element)
        else:
            rpr.append(element)
    return bytes(etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True))


def libreoffice_copy(docx_bytes: bytes) -> bytes:
    """The .docx with its character grid as character spacing; unchanged when it has no such grid."""
    source = zipfile.ZipFile(io.BytesIO(docx_bytes))
    names = source.namelist()
    if DOCUMENT_PART not in names or STYLES_PART not in names:
        return docx_bytes
    half_points = _normal_half_points(source.read(STYLES_PART))
    if half_points is None:
        return docx_bytes
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            data = source.read(info.filename)
            if info.filename == DOCUMENT_PART:
                data = _document(data, half_points)
            target.writestr(info, data)
    return out.getvalue()
