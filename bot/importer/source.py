"""A published report as a sequence of paragraphs and tables, whatever file it came in."""

from __future__ import annotations

import io
import re
import zipfile
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

MAX_BYTES = 20 * 1024 * 1024
MAX_UNPACKED = 200 * 1024 * 1024  # a .docx is a zip: what it inflates to, not its size, bounds the memory
MAX_XML = 32 * 1024 * 1024  # one XML part of a .docx (the longest sample report's document.xml has 1 MB)
MAX_ELEMENTS = 20_000  # paragraphs or lines; the longest sample report has 420
MAX_CHARS = 2_000_000  # characters of text in all; a long report has 50 000
MAX_JSON_VALUES = 100_000  # a report JSON has about 400 values
IMAGE = re.compile(r"\[image:[^\]]*\]")
BOOKMARK = re.compile(r"\[bookmark:[^\]]*\]")

if TYPE_CHECKING:
    from docx.table import Table as DocxTable


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
    notes: list[str] = field(default_factory=list)  # what the reader wants said (a scan read by OCR), in Chinese


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


def check_json(data: bytes) -> None:
    """Bound a JSON's values before it is parsed: every value but the first follows a ',' ':' or '['.

    20 MB of '[{},{},…]' would be 7 million dicts (GBs) in the process that parses it; a report has
    about 400 values, so more than MAX_JSON_VALUES is refused without parsing anything."""
    values = data.count(b",") + data.count(b":") + data.count(b"[")
    if values > MAX_JSON_VALUES:
        raise UnreadableError(f"JSON文件中的数据项过多（{values}个），不像是年报数据，可能是异常文件，未读取。")


def read_txt(data: bytes) -> Source:
    count = max(data.count(b"\n"), data.count(b"\r"))
    if count > MAX_ELEMENTS:  # counted before the text is split (20 MB of line breaks would be 20 million lines)
        raise UnreadableError(f"文件有{count}行，年报不会这么长，可能是异常文件，未读取。")
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

    _check_unpacked(data)
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


def _check_unpacked(data: bytes) -> None:
    """Each part of the zip inflated as a stream and counted, before anything is parsed: the sizes the
    zip declares are not trusted, and no XML part may be larger than a report's ever is."""
    broken = "不是有效的Word（.docx）文件，或文件已损坏（{}）。"
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        infos = archive.infolist()
    except (zipfile.BadZipFile, ValueError, OSError, EOFError) as exc:
        raise UnreadableError(broken.format(type(exc).__name__)) from None
    total = 0
    for info in infos:
        cap = MAX_XML if info.filename.lower().endswith((".xml", ".rels")) else MAX_UNPACKED
        size = info.file_size  # what the zip says, checked first (no inflating), then what it really holds
        try:
            if size <= cap and total + size <= MAX_UNPACKED:
                size = 0
                with archive.open(info) as member:
                    while chunk := member.read(1 << 20):
                        size += len(chunk)
                        if size > cap or total + size > MAX_UNPACKED:
                            break
        except (zipfile.BadZipFile, ValueError, OSError, EOFError, NotImplementedError, RuntimeError) as exc:
            raise UnreadableError(broken.format(type(exc).__name__)) from None
        if size > cap:
            what = "中的正文等部分" if cap == MAX_XML else ""
            raise UnreadableError(f"Word文件{what}解压后超过{cap // 1024 // 1024} MB，远超正常年报，可能是异常文件，未读取。")
        total += size
        if total > MAX_UNPACKED:
            raise UnreadableError(f"Word文件解压后超过{MAX_UNPACKED // 1024 // 1024} MB，远超正常年报，可能是异常文件，未读取。")


def _table_rows(table: DocxTable) -> list[list[str]]:
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
