"""Reads a .docx, .doc/.wps/RTF (through LibreOffice), web page or text file in a child process.

Started by `bot.importer.forms.read_source` with the file's name (one line) and the file on stdin; it
caps its own memory and CPU time first (`child.limit`), so a hostile file can exhaust only this process.
Output: {"ok": true, "kind": k, "images": n, "elements": [["p", text] | ["t", rows]]} or
{"ok": false, "reason": "<one line in Chinese>"}. PDFs have their own child (pdfworker.py).
"""

from __future__ import annotations

import json
import sys
from typing import Any

from bot.importer import child
from bot.importer.office import ConversionError, convert_to_docx, is_old_office
from bot.importer.pdf import read_pdf
from bot.importer.source import MAX_CHARS, MAX_ELEMENTS, Para, Source, UnreadableError, read_docx, read_txt
from bot.importer.webpage import looks_like_html, read_html

TOO_BIG = "文件解压或解析后内容过大，超出资源限制，可能是异常文件，未读取。"


def read_here(data: bytes, name: str) -> Source:
    """The reader the content needs (not the name only: a .txt that is really a Word file is read as one)."""
    lower = name.lower()
    if data.startswith(b"PK\x03\x04"):
        return read_docx(data)
    if is_old_office(data, ""):
        try:
            return read_docx(convert_to_docx(data, name))
        except ConversionError as exc:
            raise UnreadableError(str(exc)) from None
    if data.lstrip()[:5] == b"%PDF-":
        return read_pdf(data)  # its own child, bounded the same way
    if looks_like_html(data, name):
        return read_html(data)
    if lower.endswith(".docx"):
        return read_docx(data)
    if lower.endswith(".pdf"):
        return read_pdf(data)
    if is_old_office(data, name):
        raise UnreadableError("文件扩展名是.doc/.wps，但内容不是Word或WPS文档，可能已损坏；请另存为.docx后再上传。")
    return read_txt(data)


def answer(data: bytes, name: str) -> dict[str, Any]:
    try:
        source = read_here(data, name)
    except UnreadableError as exc:
        return {"ok": False, "reason": str(exc)}
    except MemoryError:
        return {"ok": False, "reason": TOO_BIG}
    except RecursionError:
        return {"ok": False, "reason": "文件的结构嵌套过深，可能是异常文件，未读取。"}
    if len(source.elements) > MAX_ELEMENTS:
        return {"ok": False, "reason": f"文件有{len(source.elements)}段（行），年报不会这么长，可能是异常文件，未读取。"}
    elements: list[list[Any]] = []
    chars = 0
    for e in source.elements:
        if isinstance(e, Para):
            elements.append(["p", e.text])
            chars += len(e.text)
        else:
            elements.append(["t", e.rows])
            chars += sum(len(c) for row in e.rows for c in row)
    if chars > MAX_CHARS:
        return {"ok": False, "reason": f"文件有{chars}个字，年报不会这么长，可能是异常文件，未读取。"}
    return {"ok": True, "kind": source.kind, "images": source.images, "elements": elements}


def main() -> None:
    child.limit()
    sys.setrecursionlimit(2000)
    head, _, data = sys.stdin.buffer.read().partition(b"\n")  # the file's name, then the file
    name = head.decode("utf-8", "replace")
    try:
        out = answer(data, name)
        text = json.dumps(out, ensure_ascii=False)
    except MemoryError:
        text = json.dumps({"ok": False, "reason": TOO_BIG}, ensure_ascii=False)
    sys.stdout.write(text)


if __name__ == "__main__":
    main()
