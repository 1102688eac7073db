"""Which reader a file needs, each run in a child process bounded in memory and time (child.py).

PDFs go to pdfworker.py; every other form (.docx, .doc/.wps/RTF through LibreOffice, web pages, text)
to readworker.py, which sniffs the content, not only the name. The server process never parses a file.
"""

from __future__ import annotations

import sys
from pathlib import Path

from bot.importer import child
from bot.importer.office import TIMEOUT_SECONDS as OFFICE_SECONDS
from bot.importer.office import is_old_office
from bot.importer.pdf import read_pdf
from bot.importer.scan import is_photo, read_scan
from bot.importer.source import MAX_BYTES, Element, Para, Source, Table, UnreadableError

ROOT = str(Path(__file__).resolve().parents[2])  # the folder holding the bot package, for the child's imports
TIMEOUT_SECONDS = 10


def worker_command() -> list[str]:
    """The child's command line: isolated (no environment, no current folder), the package found by path.
    The file's name comes first on its stdin (one line), then the file: every read runs the same command,
    so a child started ahead serves the next file (child.run, warm)."""
    start = f"import sys; sys.path.insert(0, {ROOT!r}); from bot.importer.readworker import main; main()"
    return [sys.executable, "-I", "-c", start]


def read_source(data: bytes, name: str) -> Source:
    """The file's paragraphs and tables, read in a bounded child; UnreadableError (one line) otherwise."""
    if not data.strip():
        raise UnreadableError("文件是空的。")
    if len(data) > MAX_BYTES:
        raise UnreadableError(f"文件过大（{len(data) / 1024 / 1024:.1f} MB），报告文件不应超过{MAX_BYTES // 1024 // 1024} MB。")
    if data.lstrip()[:5] == b"%PDF-":
        return read_pdf(data)
    if is_photo(data, name):  # a photo or a scanned page saved as a picture: the OCR child
        return read_scan(data)
    # LibreOffice has its own 9 s inside the child; the reading of its .docx then has the usual time
    timeout = TIMEOUT_SECONDS + (OFFICE_SECONDS if is_old_office(data, name) else 0)
    named = name.replace("\n", " ").encode("utf-8", "replace") + b"\n" + data
    out = child.run(worker_command(), named, timeout, warm=True)
    elements: list[Element] = []
    for kind, content in out["elements"]:
        elements.append(Para(str(content)) if kind == "p" else Table([[str(c) for c in row] for row in content]))
    return Source(elements=elements, kind=str(out.get("kind", "txt")), images=int(out.get("images", 0)))
