"""Scanned reports and photos of reports, read by the offline OCR engine (issue 27, item 6).

The engine runs in its own child (ocrworker.py): bounded in memory, CPU time and wall time, at low
priority, one reading at a time in this process, and killed when this process dies. What it gives back
(text lines of boxes with their scores) becomes the same paragraphs and space-aligned table lines the
PDF reader gives, so the table readers take it unchanged. A number is kept only where it is certain:
every number of a row whose sum holds, or a row of confident readings; a row with a doubtful digit that
its sum does not confirm keeps its label only, so the table reader reports it (W-UNREAD) and its cells
stay empty — the reader never guesses a number.
"""

from __future__ import annotations

import importlib.util
import re
import subprocess
import sys
import threading
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from bot.core.numbers import present
from bot.format.definition import FormatDef, load_format
from bot.importer import pdfworker, scanlayout
from bot.importer.layout import OPENS_LABEL as OPENS
from bot.importer.source import Element, Para, Source, UnreadableError
from bot.importer.tables import _sum_indexes

ROOT = str(Path(__file__).resolve().parents[2])
TIMEOUT_SECONDS = 300  # a 20-page scan on a busy server (six pages: 41 s on the loaded 2-core test machine)
SLOT = threading.Lock()  # one OCR reading at a time in this process: each takes ~0.8 GB and both cores
ENGINE = "rapidocr_onnxruntime"
MISSING = (
    "这是扫描件（只有图片，没有文字层），需要文字识别才能读取，但本机未安装文字识别组件（rapidocr-onnxruntime），"
    "未读取。请上传原始的Word文件或带文字的PDF，或请管理员安装：pip install 'nianbao[ocr]'。"
)
COLUMN_GAP = 24  # points between two boxes that make them two columns of a line of text
CELL_GAP = 6  # points between two boxes of a table row that make them two cells (a group label beside a row label)
ORDINALS = set("一二三四五六七八")
SURE = 0.95  # a reading at least this confident needs no sum to confirm it
LOOKALIKES = "OoIl丨|S"  # read by OCR for 0, 1 and 5
DIGITS = str.maketrans("OoIl丨|S０１２３４５６７８９", "0011115" + "0123456789")
NUMBER = re.compile(r"[0-9０-９OoIl丨|S]{1,9}(\.[0-9]{1,4})?")
SPECKS = scanlayout.SPECKS
NOTE = "这是扫描件或照片，文字由本机文字识别读出，可能有个别错字；表格格子中的数字只在合计能够核对或识别把握很高时才填入，请核对原文。"


def is_photo(data: bytes, name: str) -> bool:
    """A picture by its content (PNG, JPEG), whatever its name says."""
    return data[:8] == b"\x89PNG\r\n\x1a\n" or data[:3] == b"\xff\xd8\xff"


def engine_installed() -> bool:
    return importlib.util.find_spec(ENGINE) is not None


def worker_command() -> list[str]:
    start = f"import sys; sys.path.insert(0, {ROOT!r}); from bot.importer.ocrworker import main; main()"
    return [sys.executable, "-I", "-c", start]


def read_scan(data: bytes, fmt: FormatDef | None = None) -> Source:
    """A scanned PDF or a photo as paragraphs and table lines; UnreadableError (one Chinese line) otherwise."""
    if not engine_installed():
        raise UnreadableError(MISSING)
    out = _run(data)
    if out.get("missing"):
        raise UnreadableError(MISSING)
    pages = out.get("lines")
    if not isinstance(pages, list):
        raise UnreadableError("文字识别没有给出结果，未读取。")
    source = source_of(pages, fmt or load_format())
    if not any(isinstance(e, Para) and e.text.strip() for e in source.elements):
        raise UnreadableError("这是扫描件或照片，但没有识别出任何文字（可能太模糊或拍歪了），请重新扫描或上传原始的Word文件。")
    return source


def _run(data: bytes) -> dict[str, Any]:
    import json

    with SLOT:
        try:
            # the child caps itself and asks the kernel to kill it when this process dies (ocrworker.limit)
            done = subprocess.run(worker_command(), input=data, capture_output=True, timeout=TIMEOUT_SECONDS, check=False)
        except subprocess.TimeoutExpired:
            raise UnreadableError(f"文字识别超时（超过{TIMEOUT_SECONDS}秒），可能页数过多或图片异常，未读取。") from None
        except OSError as exc:
            raise UnreadableError(f"无法启动文字识别程序：{exc.strerror or exc}") from None
    try:
        out = json.loads(done.stdout.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        raise UnreadableError("文字识别时超出资源限制（内存或时间），可能是异常文件，未读取。") from None
    if not isinstance(out, dict):
        raise UnreadableError("文字识别没有给出结果，未读取。")
    if not out.get("ok") and not out.get("missing"):
        raise UnreadableError(str(out.get("reason") or "扫描件无法读取。"))
    return out


# ---- the child's lines as the PDF reader's elements ---------------------------------------------------


def source_of(pages: list[Any], fmt: FormatDef) -> Source:
    """Paragraphs and table lines from the child's pages; anything malformed in them is skipped."""
    widths = _relations(fmt)
    raw: list[list[Any]] = []
    unread = 0
    for page in pages if isinstance(pages, list) else []:
        rows: list[Row] = []
        for line in page if isinstance(page, list) else []:
            tokens = [_token(t) for t in line] if isinstance(line, list) else []
            kept = [t for t in tokens if t is not None and not _speck(t)]
            if not kept:
                continue
            kept, doubtful = confirm(kept, widths)
            unread += doubtful
            rows.append(_row(kept, bool(doubtful)))
        for row in join_labels(rows):
            text = row.text()
            if text and not pdfworker.PAGE_NUMBER.match(text):
                raw.append(["p" if row.values is None else "row", text, row.x0, row.x1])
    starts = sorted(e[2] for e in raw if len(e[1]) >= 8) or [0.0]
    left = starts[len(starts) // 20]  # the text's left margin; a speck or a table line further left does not move it
    raw = [[e[0], heading(e[1], fmt), max(e[2], left), e[3]] for e in raw]
    elements: list[Element] = []
    for e in _join(raw):
        elements.extend(Para(heading(t, fmt)) for t in _split_heading(e[1], fmt))
    notes = [NOTE]
    if unread:
        notes.append(f"扫描件中有{unread}行表格的数字识别不够确定，合计也无法核对，这些格子未填入，请对照原件补填。")
    return Source(elements=elements, kind="pdf", notes=notes)


def heading(text: str, fmt: FormatDef) -> str:
    """A section heading with the '、' (or the whole ordinal) the engine did not see put back: '一总体情况',
    '主动公开政府信息情况' alone on its line → '一、总体情况', '二、主动公开政府信息情况'."""
    flat = re.sub(r"\s+", "", text)
    if len(flat) > 40:
        return text
    for section in fmt.sections:
        title = section.full_heading.split("、", 1)[-1]
        if flat == title or re.fullmatch(rf"{section.number}[，,.．]?{re.escape(title)}", flat):
            return section.full_heading
        lost = re.fullmatch(rf"{section.number}[，,.．]?(.{{2,30}})", flat)
        if lost and any(k in lost.group(1) for k in section.keywords) and not flat.startswith(f"{section.number}、"):
            return f"{section.number}、{lost.group(1)}"
    return text


def _join(raw: list[list[Any]]) -> list[list[Any]]:
    """Text lines broken by the layout joined back into paragraphs (pdfworker's rule: the line before runs
    to the right margin, this one starts at the left); a table row is never joined, nor joined onto."""
    out: list[list[Any]] = []
    block: list[list[Any]] = []
    for e in raw:
        if e[0] == "row":
            out += pdfworker._join_lines(block) if block else []
            out.append(["p", e[1]])
            block = []
        else:
            block.append(e)
    return out + (pdfworker._join_lines(block) if block else [])


def _split_heading(text: str, fmt: FormatDef) -> list[str]:
    """A heading that a line running to the margin was joined onto, apart again."""
    for section in fmt.sections:
        if text.startswith(section.full_heading) and len(text) > len(section.full_heading):
            return [section.full_heading, text[len(section.full_heading) :]]
    return [text]


@dataclass
class Row:
    """A line as cells: its text cells (x0, x1, text) and, for a row of a table, the values ending it."""

    cells: list[tuple[float, float, str]]
    values: list[str] | None  # None: a line of text; []: a table row whose values were left unread
    x0: float
    x1: float

    @property
    def label(self) -> tuple[float, float, str] | None:
        return self.cells[-1] if self.cells else None

    def text(self) -> str:
        if self.values is None:  # text: cells apart only by the letter spacing of the print are one run
            out = ""
            for cell in self.cells:
                out += ("" if not out or _cjk(out[-1]) or _cjk(cell[2][:1]) else " ") + cell[2]
            return out
        label = self.label[2].rstrip("：:") if self.label else ""  # the cells before it: a group's label printed down its column
        return "  ".join([label, *self.values]).strip()


def _row(tokens: list[list[Any]], dropped: bool) -> Row:
    values: list[str] = []
    while tokens and (number_of(tokens[-1][0]) is not None or tokens[-1][4]):
        values.insert(0, tokens.pop()[0])
    while values and tokens and not re.search(r"[^\W_]", tokens[-1][0]):
        tokens.pop()  # a speck between the label and the values ('+' 0.68): no cell of the table
    cells: list[tuple[float, float, str]] = []
    for tok in tokens:
        if cells and tok[2] - cells[-1][1] <= CELL_GAP and not OPENS.match(tok[0]):
            x0, x1, text = cells[-1]
            cells[-1] = (x0, tok[3], line_text([[text, 1.0, x0, x1, False], tok]))
        else:
            cells.append((tok[2], tok[3], line_text([tok])))
    if not values and not dropped and len(cells) > 1 and cells[0][2] in ORDINALS:  # a heading: '三' '收到和处理…'
        cells = [(cells[0][0], cells[-1][1], line_text([[c[2], 1.0, c[0], c[1], False] for c in cells]))]
    table = bool(values) or dropped
    xs = [c[0] for c in cells] or [0.0]
    return Row(cells, values if table else None, xs[0], max([c[1] for c in cells] or [0.0]))


def join_labels(rows: list[Row]) -> list[Row]:
    """A table row's label wrapped over lines put back together: the line above it that opens the label
    ('5.要求行政机关确认或重新出具' over '已获取信息  0 …') and the line under it that ends it."""
    out: list[Row] = []
    for n, row in enumerate(rows):
        label = row.label
        if row.values is None or label is None:
            out.append(row)
            continue
        above = out[-1] if out else None
        if above is not None and above.values is None and not OPENS.match(label[2]):
            top = _same_column(above, label)
            if top is not None and OPENS.match(top[2]):
                out.pop()
                label = (top[0], label[1], top[2] + label[2])
        below = rows[n + 1] if n + 1 < len(rows) else None
        if below is not None and below.values is None:
            rest = _same_column(below, label)
            if rest is not None and not OPENS.match(rest[2]) and len(rest[2]) <= 20:
                label = (label[0], rest[1], label[2] + rest[2])
                below.cells = [c for c in below.cells if c is not rest]
        out.append(Row([label], row.values, row.x0, row.x1))
    return [r for r in out if r.cells or r.values]


def _same_column(row: Row, label: tuple[float, float, str]) -> tuple[float, float, str] | None:
    """The row's cell standing where the label stands (its left edge within a character), if any."""
    for cell in row.cells:
        if abs(cell[0] - label[0]) <= 10:
            return cell
    return None


def _token(raw: Any) -> list[Any] | None:
    """[text, score, x0, x1, found] checked for its types; None when malformed."""
    if not isinstance(raw, list) or len(raw) != 5:
        return None
    text, score, x0, x1, found = raw
    if not isinstance(text, str) or not all(isinstance(v, int | float) for v in (score, x0, x1)):
        return None
    text = re.sub(r"\s+", " ", text).strip()
    return [text, float(score), float(x0), float(x1), bool(found)] if text else None


def _speck(tok: list[Any]) -> bool:
    """A doubtful mark of one character that is no digit: dust on the scan ('品' 0.40 beside a row, '、' 0.34)."""
    return tok[1] < 0.5 and (len(tok[0]) <= 1 or not tok[0].strip(SPECKS)) and number_of(tok[0]) is None


def line_text(tokens: list[list[Any]]) -> str:
    """Tokens as one line: a column gap (wide, or between two numbers) as two spaces, letters of a line joined.

    A heading's ordinal standing apart ('三' … '收到和处理…') gets back the '、' the engine did not see."""
    out = ""
    last: list[Any] | None = None
    for tok in tokens:
        if last is not None:
            gap = tok[2] - last[3]
            numbers = number_of(tok[0]) is not None and number_of(last[0]) is not None
            if out in ORDINALS and not numbers and number_of(tok[0]) is None:
                out += "、"
            elif numbers or gap > COLUMN_GAP:
                out += "  "
            elif not (_cjk(out[-1:]) or _cjk(tok[0][:1])):
                out += " "
        out += tok[0]
        last = tok
    return out.strip()


def _cjk(char: str) -> bool:
    return bool(char) and not char.isascii()


# ---- numbers confirmed by their sums --------------------------------------------------------------


def _relations(fmt: FormatDef) -> dict[int, tuple[int, list[int], int]]:
    """Rows of values by their width: (group width, parts, total) of 表三's rows and 表四's groups."""
    out: dict[int, tuple[int, list[int], int]] = {}
    for grid in (fmt.table3, fmt.table4):
        parts, total = _sum_indexes(grid)
        width = len(grid.columns)
        out[width] = (width, parts, total)
        out[width * len(grid.row_keys)] = (width, parts, total)
    return out


def confirm(tokens: list[list[Any]], widths: dict[int, tuple[int, list[int], int]]) -> tuple[list[list[Any]], int]:
    """The line with its numbers kept only where certain; and 1 when a row of numbers was left unread.

    The numbers ending a line are its values. Each group of them (表三's row, 表四's group) whose readings
    are all confident stays as printed (a wrong total printed is the report's own problem, found by the
    checker); a group with a doubtful reading stays only when its sum holds. Values without a sum (表二)
    stay only when every one is confident. A line with a group that fails loses its values.
    """
    start = len(tokens)
    while start > 0 and number_of(tokens[start - 1][0]) is not None or start > 0 and tokens[start - 1][4] and not tokens[start - 1][0]:
        start -= 1
    values = tokens[start:]
    if not values:
        return tokens, 0
    read = [number_of(t[0]) for t in values]
    doubtful = [_doubtful(t) for t in values]
    if not any(doubtful):
        return tokens[:start] + [[str(n), *t[1:]] for n, t in zip(read, values, strict=True)], 0
    relation = widths.get(len(values))
    groups_ok = relation is not None and all(
        _holds(read[g : g + relation[0]], relation[1], relation[2]) for g in range(0, len(values), relation[0])
    )
    if groups_ok:
        return tokens[:start] + [[str(n), *t[1:]] for n, t in zip(read, values, strict=True)], 0
    if start == 0 and relation is not None and len(values) > relation[0]:
        # a line of values only (表四's three groups): the groups that hold stay, so the table reader
        # sees fewer values than cells and reports the table unread instead of a missing one
        width, parts, total = relation
        kept = [[str(n), *t[1:]] for g in range(0, len(values), width) if _holds(read[g : g + width], parts, total)
                for n, t in zip(read[g : g + width], values[g : g + width], strict=True)]  # fmt: skip
        return kept or [["（数字无法识别）", 0.0, values[0][2], values[-1][3], True]], 1
    return tokens[:start], 1


def number_of(text: str) -> Decimal | None:
    """A count or an amount as the engine read it, its look-alikes of 0, 1 and 5 read as digits and specks
    of the scan around it ('7.', "'5", '.0') left out; else None. See `doubtful` for what needs a sum."""
    text = text.strip().strip(SPECKS)
    if not NUMBER.fullmatch(text) or text in ("|", "丨"):
        return None
    return Decimal(text.translate(DIGITS))


def _doubtful(tok: list[Any]) -> bool:
    """A reading that needs its sum: found in an empty slot, not confident, or with a look-alike or a speck."""
    text = tok[0].strip()
    return bool(tok[4]) or tok[1] < SURE or number_of(text) is None or text != text.strip(SPECKS) or any(c in LOOKALIKES for c in text)


def _holds(group: list[Decimal | None], parts: list[int], total: int) -> bool:
    known = present([group[i] for i in [*parts, total]])
    return known is not None and sum(known[:-1]) == known[-1]
