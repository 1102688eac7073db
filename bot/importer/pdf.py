"""PDF reports: parsed in a child process (pdfworker.py) bounded to 10 s and 500 MB, so no PDF can hang or exhaust the caller."""

from __future__ import annotations

import sys
from pathlib import Path

from bot.importer import child
from bot.importer.source import Element, Para, Source, Table, UnreadableError

WORKER = Path(__file__).with_name("pdfworker.py")
TIMEOUT_SECONDS = 10
SCANNED = "这是扫描版PDF"  # how pdfworker.py begins its answer for a PDF with no text layer


def read_pdf(data: bytes) -> Source:
    try:
        out = child.run([sys.executable, "-I", str(WORKER)], data, TIMEOUT_SECONDS, "PDF文件", warm=True)
    except UnreadableError as exc:
        if not str(exc).startswith(SCANNED):
            raise
        from bot.importer.scan import read_scan  # pages of pictures only: the OCR child reads them

        return read_scan(data)
    elements: list[Element] = []
    for kind, content in out["elements"]:
        elements.append(Para(content) if kind == "p" else Table([[str(c) for c in row] for row in content]))
    return Source(elements=elements, kind="pdf")
