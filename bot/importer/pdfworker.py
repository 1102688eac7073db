"""Reads a text PDF in a child process under resource limits and prints its paragraphs and tables as JSON.

Run as a script (not as part of the package) so the child imports only pdfplumber: a hostile PDF
(a bomb of pages, nested objects or a huge stream) can then exhaust only this process, which the
parent bounds in time and memory. Output: {"ok": true, "pages": n, "elements": [["p", text] | ["t", rows]]}
or {"ok": false, "reason": "<one line in Chinese>"}.
"""

from __future__ import annotations

import json
import os
import re
import resource
import sys
from typing import Any

MAX_PAGES = 100
MEMORY_BYTES = 500 * 1024 * 1024
CPU_SECONDS = 10
PAGE_NUMBER = re.compile(r"^[-—–－]?\s*(第\s*)?\d{1,3}\s*(页)?\s*[-—–－]?$")
CJK = "\u2e80-\u9fff\u3000-\u303f\uff00-\uffef"
HEADING = re.compile(r"^([一二三四五六]、|（[一二三四五六七八九十]）|[一二三四五六七八九十]是)")
SPACE_BY_CJK = re.compile(rf"(?<=[{CJK}]) (?! )|(?<! ) (?=[{CJK}])")
# a line ending in a column of values: a row of a table without borders (not '本机关  2023年度未收取…')
TABLE_ROW = re.compile(r"  [\d０-９.,，/／—\-－无OolI丨]+$")
COLUMN_GAP = 1.5  # a gap wider than this many characters separates table columns


def tidy(text: str) -> str:
    """Layout spaces beside Chinese characters are not text ('2023 年' → '2023年'); a column gap (two
    spaces or more) stays, as two spaces, so a borderless table still splits into its columns."""
    text = re.sub(r"[ \t\u3000]{2,}", "  ", text.strip())
    return SPACE_BY_CJK.sub("", text)


def line_text(chars: list[dict[str, Any]]) -> str:
    """A text line rebuilt from its characters: a wide gap becomes two spaces, a word gap one."""
    out: list[str] = []
    last: dict[str, Any] | None = None
    for char in chars:
        if last is not None:
            gap = char["x0"] - last["x1"]
            size = max(char.get("size") or 0.0, 1.0)
            out.append("  " if gap > COLUMN_GAP * size else " " if gap > 0.15 * size else "")
        out.append(char["text"])
        last = char
    return "".join(out)


def _limit() -> None:
    os.nice(10)  # yield the processor to the server's own work
    for what, amount in ((resource.RLIMIT_AS, MEMORY_BYTES), (resource.RLIMIT_CPU, CPU_SECONDS)):
        soft, hard = resource.getrlimit(what)
        cap = amount if hard == resource.RLIM_INFINITY else min(amount, hard)
        resource.setrlimit(what, (cap, hard))


def _page_count(pdf: Any) -> int:
    """The page tree's own count, read before any page is parsed."""
    from pdfminer.pdftypes import resolve1

    pages = resolve1(pdf.doc.catalog.get("Pages"))
    count = resolve1(pages.get("Count")) if isinstance(pages, dict) else None
    return count if isinstance(count, int) else 0


def _inside(line: dict[str, Any], boxes: list[tuple[float, float, float, float]]) -> bool:
    middle = (line["top"] + line["bottom"]) / 2
    centre = (line["x0"] + line["x1"]) / 2
    return any(x0 - 1 <= centre <= x1 + 1 and top - 1 <= middle <= bottom + 1 for x0, top, x1, bottom in boxes)


def _is_paragraph(texts: list[str | None]) -> bool:
    """A row holding one text across the table's width: a line of body text or a block heading."""
    filled = [c for c in texts if c]
    return len(filled) == 1 and (len(texts) == 1 or bool(texts[0]) and all(c is None for c in texts[1:]))


def _page_elements(page: Any) -> list[list[Any]]:
    """A page's elements in reading order: ["p", text, x0, x1] lines and ["t", rows] tables.

    Body text framed by a one-column grid (WPS does this) is read as text lines, not as a table, so
    punctuation hanging past the frame is kept; only the rows between a table's first and last
    multi-cell row are read from the grid.
    """
    items: list[tuple[float, int, list[Any]]] = []
    boxes: list[tuple[float, float, float, float]] = []
    for n, table in enumerate(page.find_tables()):
        rows = [([None if c is None else tidy(c.replace("\n", "")) for c in cells], row) for row, cells in zip(table.rows, table.extract(), strict=False)]
        real = [i for i, (texts, _) in enumerate(rows) if any(texts) and not _is_paragraph(texts)]
        if not real:
            continue
        block = rows[real[0] : real[-1] + 1]
        boxes.append((table.bbox[0], block[0][1].bbox[1], table.bbox[2], block[-1][1].bbox[3]))
        for texts, row in block:
            if _is_paragraph(texts):
                items.append((row.bbox[1], -1, ["p", texts[0], row.bbox[0], row.bbox[2]]))
            elif any(texts):
                items.append((row.bbox[1], n, ["t", [c for c in texts if c is not None]]))
    for line in page.extract_text_lines(strip=True):
        if not _inside(line, boxes) and not PAGE_NUMBER.match(line["text"].strip()):
            items.append((line["top"], -1, ["p", tidy(line_text(line["chars"])), line["x0"], line["x1"]]))
    items.sort(key=lambda item: item[0])
    elements: list[list[Any]] = []
    last_table = -1
    for _, table_no, element in items:
        if element[0] == "t":
            if elements and elements[-1][0] == "t" and table_no == last_table:
                elements[-1][1].append(element[1])
            else:
                elements.append(["t", [element[1]]])
            last_table = table_no
        else:
            elements.append(element)
            last_table = -1
    return elements


def _join_lines(elements: list[list[Any]]) -> list[list[Any]]:
    """Lines broken by the layout joined back into paragraphs.

    A line continues the one before when that one runs to the right margin and this one starts at
    the left margin (a new paragraph or heading is indented or centred).
    """
    lines = [e for e in elements if e[0] == "p"]
    if not lines:
        return elements
    left = min(e[2] for e in lines)
    right = _right_margin([e[3] for e in lines])
    out: list[list[Any]] = []
    for e in elements:
        if e[0] == "t":
            out.append(e)
            continue
        prev = out[-1] if out else None
        if (
            prev
            and prev[0] == "p"
            and prev[3] >= right - 20
            and e[2] <= left + 6
            and not HEADING.match(e[1])
            and not (TABLE_ROW.search(prev[1]) or TABLE_ROW.search(e[1]))
        ):
            glue = "" if (_cjk(prev[1][-1:]) or _cjk(e[1][:1])) else " "
            out[-1] = ["p", prev[1] + glue + e[1], prev[2], e[3]]
        else:
            out.append(list(e))
    return [["p", e[1]] if e[0] == "p" else e for e in out]


def _right_margin(ends: list[float]) -> float:
    """Where full lines end: where most lines end (within 2 pt), when that is near the rightmost end. Lines
    whose hanging punctuation runs past the margin do not move it (else no line would be full)."""
    counts: dict[int, int] = {}
    for x in ends:
        counts[round(x / 2)] = counts.get(round(x / 2), 0) + 1
    most = max(counts, key=lambda k: (counts[k] + counts.get(k - 1, 0) + counts.get(k + 1, 0), k)) * 2
    return float(most) if max(ends) - most <= 40 else max(ends)


def _cjk(char: str) -> bool:
    return bool(char) and bool(re.match(f"[{CJK}]", char))


def read(data: bytes) -> dict[str, Any]:
    import io

    import pdfplumber
    from pdfminer.pdfdocument import PDFEncryptionError, PDFPasswordIncorrect

    if data.lstrip()[:5] != b"%PDF-":
        return {"ok": False, "reason": "文件不是PDF格式。"}
    try:
        with pdfplumber.open(io.BytesIO(data)) as pdf:
            count = _page_count(pdf)
            if count > MAX_PAGES:
                return {"ok": False, "reason": f"PDF有{count}页，年报不会这么长，可能是异常文件，未读取。"}
            elements: list[list[Any]] = []
            chars = pages = 0
            for n, page in enumerate(pdf.pages):
                if n >= MAX_PAGES:
                    return {"ok": False, "reason": f"PDF超过{MAX_PAGES}页，年报不会这么长，可能是异常文件，未读取。"}
                elements.extend(_page_elements(page))
                chars += len(page.chars)
                pages += 1
                page.close()
    except (PDFPasswordIncorrect, PDFEncryptionError):
        return {"ok": False, "reason": "PDF文件有密码保护，无法读取，请上传未加密的文件。"}
    except RecursionError:
        return {"ok": False, "reason": "PDF文件的结构嵌套过深，可能是异常文件，未读取。"}
    except MemoryError:
        return {"ok": False, "reason": "PDF文件解压后内容过大，可能是异常文件，未读取。"}
    except Exception as exc:  # pdfminer raises many types for broken files, and wraps some
        causes = _causes(exc)
        if any(isinstance(c, MemoryError) for c in causes):
            return {"ok": False, "reason": "PDF文件解压后内容过大，可能是异常文件，未读取。"}
        if any(isinstance(c, RecursionError) for c in causes):
            return {"ok": False, "reason": "PDF文件的结构嵌套过深，可能是异常文件，未读取。"}
        return {"ok": False, "reason": f"PDF文件已损坏或格式不正确，无法读取（{type(exc).__name__}）。"}
    if pages == 0:
        return {"ok": False, "reason": "PDF文件中没有任何页面。"}
    if chars == 0:
        return {"ok": False, "reason": "这是扫描版PDF（只有图片，没有文字层），无法读取文字，请上传原始的Word文件或带文字的PDF。"}
    return {"ok": True, "pages": pages, "elements": _join_lines(elements)}


def _causes(exc: BaseException) -> list[BaseException]:
    seen: list[BaseException] = []
    current: BaseException | None = exc
    while current is not None and current not in seen and len(seen) < 20:
        seen.append(current)
        current = current.__cause__ or current.__context__
    return seen + [a for a in exc.args if isinstance(a, BaseException)]


def main() -> None:
    _limit()
    sys.setrecursionlimit(2000)
    data = sys.stdin.buffer.read()
    try:
        out = read(data)
    except MemoryError:
        out = {"ok": False, "reason": "PDF文件解压后内容过大，可能是异常文件，未读取。"}
    sys.stdout.write(json.dumps(out, ensure_ascii=False))


if __name__ == "__main__":
    main()
