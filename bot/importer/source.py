"""A published report as a sequence of paragraphs and tables, whatever file it came in."""

from __future__ import annotations

import io
import re
import zipfile
from dataclasses import dataclass

MAX_BYTES = 20 * 1024 * 1024
MAX_UNPACKED = 200 * 1024 * 1024  # a .docx is a zip: what it inflates to, not its size, bounds the memory
IMAGE = re.compile(r"\[image:[^\]]*\]")
BOOKMARK = re.compile(r"\[bookmark:[^\]]*\]")


class UnreadableError(Exception):
    """The file cannot be read as a report at all; the message says why, in Chinese."""


@dataclass
class Para:
    text: str


@dataclass
class Table:
    rows: list[list[str]]


Element = Para | Table


@dataclass
class Source:
    elements: list[Element]
    kind: str  # "txt" | "docx" | "pdf" | "html"
    images: int = 0


def decode_text(data: bytes) -> str:
    """UTF-8 (with or without BOM), else GB18030 as Chinese Windows tools save it."""
    if b"\x00" in data[:4096] and not data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise UnreadableError("文件内容是二进制数据，不是文字报告。")
    for encoding in ("utf-8-sig", "utf-16") if data.startswith((b"\xff\xfe", b"\xfe\xff")) else ("utf-8-sig", "gb18030"):
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        if "\ufffd" not in text and not re.search(r"[\x00-\x08\x0e-\x1f]", text):
            return text
    raise UnreadableError("无法识别文件的文字编码（不是UTF-8或GB18030），可能不是文本文件。")


def read_txt(data: bytes) -> Source:
    text = decode_text(data).replace("\r\n", "\n").replace("\r", "\n")
    images = len(IMAGE.findall(text))
    lines = []
    for line in text.split("\n"):
        line = BOOKMARK.sub("", line)
        if IMAGE.search(line):
            line = IMAGE.sub("", line)
            if not line.strip():
                continue
        lines.append(line)
    return Source(elements=[Para(line) for line in lines], kind="txt", images=images)


def read_docx(data: bytes) -> Source:
    """Paragraphs and tables in body order; merged cells read once (vertical continuations empty)."""
    import docx
    from docx.opc.exceptions import PackageNotFoundError
    from docx.table import Table as DocxTable
    from docx.text.paragraph import Paragraph

    try:
        unpacked = sum(info.file_size for info in zipfile.ZipFile(io.BytesIO(data)).infolist())
    except (zipfile.BadZipFile, ValueError, OSError) as exc:
        raise UnreadableError(f"不是有效的Word（.docx）文件，或文件已损坏（{type(exc).__name__}）。") from None
    if unpacked > MAX_UNPACKED:
        raise UnreadableError(f"Word文件解压后有{unpacked // 1024 // 1024} MB，远超正常年报，可能是异常文件，未读取。")
    try:
        document = docx.Document(io.BytesIO(data))
    except (PackageNotFoundError, zipfile.BadZipFile, KeyError, ValueError) as exc:
        raise UnreadableError(f"不是有效的Word（.docx）文件，或文件已损坏（{type(exc).__name__}）。") from None
    except Exception as exc:  # lxml and zip errors of broken files come in many types
        raise UnreadableError(f"Word文件已损坏，无法打开（{type(exc).__name__}）。") from None
    elements: list[Element] = []
    images = 0
    for child in document.element.body.iterchildren():
        tag = child.tag.rsplit("}", 1)[-1]
        if tag == "p":
            paragraph = Paragraph(child, document)
            images += len(child.xpath(".//w:drawing")) + len(child.xpath(".//w:pict"))
            for line in paragraph.text.split("\n"):
                elements.append(Para(line))
        elif tag == "tbl":
            elements.append(Table(_table_rows(DocxTable(child, document))))
    return Source(elements=elements, kind="docx", images=images)


def _table_rows(table) -> list[list[str]]:
    from docx.table import _Cell

    rows = []
    for tr in table._tbl.tr_lst:
        cells = []
        for tc in tr.tc_lst:
            if tc.vMerge == "continue":
                cells.append("")
            else:
                cells.append(_Cell(tc, table).text.replace("\n", ""))
        rows.append(cells)
    return rows
