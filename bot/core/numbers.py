"""Numbers as clerks and published reports write them: full-width digits, Chinese numerals, spaces."""

from __future__ import annotations

import re
from collections.abc import Sequence
from decimal import Decimal, InvalidOperation

FULLWIDTH = str.maketrans("０１２３４５６７８９．，－＋", "0123456789.,-+")
CN_DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
CN_UNITS = {"十": 10, "百": 100, "千": 1000, "万": 10000}
CN_NUMERAL = "[零〇一二两三四五六七八九十百千万]++"
# Not started inside a run of digits, and never backtracking through one: linear on any text.
NUMBER = rf"(?:(?<!\d)\d++|{CN_NUMERAL})"
MAX_DIGITS = 15  # longer digit runs are not counts (and Python refuses int() of over 4,300 digits)
BLANK_MARKS = {"", "/", "／", "-", "—", "——", "－", "无", "空", "\\"}

Number = int | Decimal


def display(value: int | Decimal | None) -> str:
    """A cell as printed: 0 is printed, an unknown value (None) is left empty, money exactly as given."""
    if value is None:
        return ""
    if isinstance(value, Decimal):
        return format_decimal(value)
    return str(value)


def format_decimal(value: Decimal) -> str:
    """Plain notation without exponent or trailing zeros: Decimal('1.50') → '1.5', Decimal('0E-8') → '0'."""
    text = format(value, "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text or "0"


def cn_to_int(text: str) -> int | None:
    """A Chinese numeral as clerks write it, or None if it is not one.

    '十二' → 12, '一百零五' → 105, '二〇二三' → 2023 (digit by digit), and the spoken short forms in which a
    last digit stands for the next lower unit: '三百五' → 350, '一百一' → 110, '两万三' → 23000. A unit
    with nothing before it other than 十 ('万', '百') is not a number.
    """
    if not text or any(ch not in CN_DIGITS and ch not in CN_UNITS for ch in text):
        return None
    if not any(ch in CN_UNITS for ch in text):
        return int("".join(str(CN_DIGITS[ch]) for ch in text)) if len(text) <= MAX_DIGITS else None
    total, section, digit = 0, 0, None
    last_unit, after_zero, seen_wan = 10**9, False, False
    for ch in text:
        if ch in CN_DIGITS:
            if CN_DIGITS[ch] == 0:
                if digit is not None:
                    return None
                after_zero = True
                continue
            if digit is not None:
                return None  # two digits in a row: '三四十'
            digit = CN_DIGITS[ch]
        elif ch == "万":
            if seen_wan or (section == 0 and digit is None):
                return None
            total, section, digit = (section + (digit or 0)) * 10000, 0, None
            last_unit, after_zero, seen_wan = 10000, False, True
        else:
            unit = CN_UNITS[ch]
            if unit >= last_unit or (digit is None and (unit != 10 or section)):
                return None  # '十百', '百' alone, '一百十'
            section += (1 if digit is None else digit) * unit
            digit, last_unit, after_zero = None, unit, False
    if digit is not None:
        section += digit * (last_unit // 10 if not after_zero and 100 <= last_unit <= 10000 else 1)
    return total + section


def to_int(text: str) -> int | None:
    """A count written as digits (any width, with spaces or thousands commas) or a Chinese numeral."""
    t = re.sub(r"[\s\u3000]", "", text.translate(FULLWIDTH))
    if re.fullmatch(r"\d{1,3}(,\d{3})+", t):
        t = t.replace(",", "")
    if t.isdecimal():  # not isdigit: "²" is a digit int() refuses
        return int(t) if len(t) <= MAX_DIGITS else None
    return cn_to_int(t)


def clean_number(text: str) -> str:
    """A table cell's text with widths folded and inner spaces removed ('1 2' → '12')."""
    return re.sub(r"[\s\u3000]", "", text.translate(FULLWIDTH))


def parse_decimal(text: str) -> Decimal | None:
    t = clean_number(text).replace(",", "")
    if not re.fullmatch(r"[+-]?\d+(\.\d+)?", t):
        return None
    try:
        return Decimal(t)
    except InvalidOperation:  # pragma: no cover - the pattern above admits only valid literals
        return None


def present(values: Sequence[Number | None]) -> list[Number] | None:
    """The values when none is blank; None when any is (a sum over blanks would mislead)."""
    out = [v for v in values if v is not None]
    return out if len(out) == len(values) else None
