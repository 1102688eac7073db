"""Cells and rows of a published table as text: labels normalised for matching, a cell told apart as a
number, a blank or a label, a value read without guessing, text lines split into rows."""

from __future__ import annotations

import re

from bot.core.limits import MAX_COUNT, MAX_MONEY
from bot.core.numbers import BLANK_MARKS, clean_number, parse_decimal, present
from bot.core.report import CellProblem, Value

BOOKMARK = re.compile(r"\[bookmark:[^\]]*\]")
MAX_SHOWN = 40  # characters of a cell quoted back; a value longer than that is no count or amount
HALF_TO_FULL = str.maketrans({"(": "（", ")": "）", "．": ".", "，": "、", ",": "、"})


def norm_label(text: str) -> str:
    """A label as compared: no bookmarks or spaces, full-width brackets, '1、' → '1.'."""
    t = BOOKMARK.sub("", text)
    t = re.sub(r"[\s\u3000]+", "", t).translate(HALF_TO_FULL)
    return re.sub(r"^(\d+)[、.]", r"\1.", t)


OCR_LOOKALIKES = "OoIl丨"  # read by OCR for 0 and 1
OCR_DIGITS = str.maketrans(OCR_LOOKALIKES, "00111")
OCR_COUNT = re.compile(rf"[\d{OCR_LOOKALIKES}]{{1,9}}")


def kind_of(cell: str) -> str:
    """'empty', 'blank' (a mark meaning nothing: /, -, 无), 'number', 'ocr' (a count with an OCR look-alike
    of 0 or 1 in it: 'O', 'l', '1O'), or 'text'."""
    clean = clean_number(BOOKMARK.sub("", cell))
    if clean == "":
        return "empty"
    if clean in BLANK_MARKS:
        return "blank"
    if re.fullmatch(r"[+-]?(\d{1,3}(,\d{3})+|\d+)(\.\d+)?", clean):
        return "number"
    if OCR_COUNT.fullmatch(clean) and (len(clean) > 1 or clean in "Ool丨"):
        return "ocr"
    return "text"


def confirm_ocr(values: list[str], parts: list[int], total: int) -> list[str] | None:
    """The row with its OCR look-alikes read as digits when the row's own sum (the parts add up to the
    total) confirms that reading; None when it does not. A row without look-alikes is returned as is."""
    if not any(kind_of(v) == "ocr" for v in values):
        return values
    read = [clean_number(v).translate(OCR_DIGITS) if kind_of(v) == "ocr" else v for v in values]
    numbers = present([parse_decimal(read[i]) for i in [*parts, total]])
    if numbers is None:
        return None
    if sum(numbers[:-1]) != numbers[-1]:
        return None
    return read


def read_value(raw: str, path: str, money: bool) -> tuple[Value, CellProblem | None]:
    """The value of one cell, or the reason it has none."""
    kind = kind_of(raw)
    shown = clean_number(raw)
    if kind in ("empty", "blank"):
        return None, CellProblem(path, shown, "blank")
    if len(shown) > MAX_SHOWN:  # a 400-digit number: named, never parsed
        return None, CellProblem(path, shown[:MAX_SHOWN] + "…", "not_money" if money else "not_integer")
    number = parse_decimal(raw)
    if money:
        if number is None or number < 0 or number > MAX_MONEY:
            return None, CellProblem(path, shown, "not_money")
        return number, None
    if number is None or number < 0 or number != number.to_integral_value() or "." in shown or number > MAX_COUNT:
        return None, CellProblem(path, shown, "not_integer")
    return int(number), None


# ---- rows from plain text ----------------------------------------------------------------------


def rows_from_lines(lines: list[str]) -> list[list[str]]:
    """Table rows from extracted text.

    Two extraction styles occur: tab-separated rows (one row per line), and one cell per line,
    each cell line starting with a tab, rows separated by blank lines, and a cell's text broken
    over lines that do not start with a tab.
    """
    tabbed = [ln for ln in lines if "\t" in ln]
    one_cell_per_line = bool(tabbed) and all(ln.startswith("\t") and ln.count("\t") == 1 for ln in tabbed)
    rows: list[list[str]] = []
    if not one_cell_per_line:
        for ln in lines:
            if ln.strip():
                rows.append(ln.rstrip("\r\n").split("\t"))
        return rows
    row: list[str] = []
    for ln in lines:
        if not ln.strip():
            if row:
                rows.append(row)
            row = []
        elif ln.startswith("\t"):
            row.append(ln[1:])
        elif row:
            row[-1] += ln.strip()
        else:
            row.append(ln.strip())
    if row:
        rows.append(row)
    return rows


# ---- label runs -------------------------------------------------------------------------------
