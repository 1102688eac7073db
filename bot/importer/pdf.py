"""PDF reports: parsed in a child process (pdfworker.py) bounded to 10 s and 500 MB, so no PDF can hang or exhaust the caller."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from bot.importer.source import Element, Para, Source, Table, UnreadableError

WORKER = Path(__file__).with_name("pdfworker.py")
TIMEOUT_SECONDS = 10


def read_pdf(data: bytes) -> Source:
    try:
        done = subprocess.run(
            [sys.executable, "-I", str(WORKER)], input=data, capture_output=True, timeout=TIMEOUT_SECONDS, check=False
        )
    except subprocess.TimeoutExpired:
        raise UnreadableError(f"PDF文件处理超时（超过{TIMEOUT_SECONDS}秒），可能是异常文件，未读取。") from None
    except OSError as exc:
        raise UnreadableError(f"无法启动PDF读取程序：{exc.strerror or exc}") from None
    try:
        out = json.loads(done.stdout.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        raise UnreadableError("PDF文件处理时超出资源限制（内存或时间），可能是异常文件，未读取。") from None
    if not out.get("ok"):
        raise UnreadableError(str(out.get("reason") or "PDF文件无法读取。"))
    elements: list[Element] = []
    for kind, content in out["elements"]:
        elements.append(Para(content) if kind == "p" else Table([[str(c) for c in row] for row in content]))
    return Source(elements=elements, kind="pdf")
