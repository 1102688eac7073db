"""Which reader a file needs: decided by its content first, its name second."""

from __future__ import annotations

from bot.importer.office import ConversionError, convert_to_docx, is_old_office
from bot.importer.pdf import read_pdf
from bot.importer.source import MAX_BYTES, Source, UnreadableError, read_docx, read_txt
from bot.importer.webpage import looks_like_html, read_html


def read_source(data: bytes, name: str) -> Source:
    """Sniff the content, not only the name: a .txt that is really a Word file is read as one."""
    if not data.strip():
        raise UnreadableError("文件是空的。")
    if len(data) > MAX_BYTES:
        raise UnreadableError(f"文件过大（{len(data) / 1024 / 1024:.1f} MB），报告文件不应超过{MAX_BYTES // 1024 // 1024} MB。")
    lower = name.lower()
    if data.startswith(b"PK\x03\x04"):
        return read_docx(data)
    if data.lstrip()[:5] == b"%PDF-":
        return read_pdf(data)
    if is_old_office(data, ""):
        try:
            return read_docx(convert_to_docx(data, name))
        except ConversionError as exc:
            raise UnreadableError(str(exc)) from None
    if looks_like_html(data, name):
        return read_html(data)
    if lower.endswith(".docx"):
        return read_docx(data)
    if lower.endswith(".pdf"):
        return read_pdf(data)
    if is_old_office(data, name):
        raise UnreadableError("文件扩展名是.doc/.wps，但内容不是Word或WPS文档，可能已损坏；请另存为.docx后再上传。")
    return read_txt(data)
