"""Parsing a clerk's answers: rows of counts, money, names, regions, phone numbers.

Every parser returns the value or raises AnswerError with a message that tells the clerk what to send.
"""

from __future__ import annotations

import re
from decimal import Decimal

from bot.core.limits import MAX_COUNT, unit_name_problem
from bot.core.limits import MAX_MONEY as MAX_FEE_WAN
from bot.core.numbers import FULLWIDTH, cn_to_int, parse_decimal

MAX_FEE_YUAN = MAX_FEE_WAN  # the same bound (bot/core/limits.py), read in 元
SEPARATORS = re.compile(r"[\s,，、；;|｜/]+")


class AnswerError(ValueError):
    """An answer that cannot be stored; the message is for the clerk."""


def _shown(token: str) -> str:
    """A token as quoted back in a message: its start only, when long."""
    return token if len(token) <= 20 else token[:20] + "…"


def count(token: str) -> int:
    """One count: digits (any width) or a Chinese numeral; never negative, fractional or absurd."""
    t = token.strip().translate(FULLWIDTH)
    if re.fullmatch(r"[+-]?\d+\.\d+", t):
        raise AnswerError(f"“{_shown(token)}”不是整数。件数只能是0或正整数。")
    if re.fullmatch(r"-\d+", t):
        raise AnswerError(f"“{_shown(token)}”是负数。件数不能为负，没有请填0。")
    if t.isdecimal():  # not isdigit: "²" is a digit int() refuses
        if len(t.lstrip("0")) > len(str(MAX_COUNT)):  # never int() of thousands of digits (slow, then refused)
            raise AnswerError(f"“{_shown(token)}”太大了（超过{MAX_COUNT}），请核对。")
        value = int(t)
    else:
        value_cn = cn_to_int(t)
        if value_cn is None:
            raise AnswerError(f"“{_shown(token)}”不是数字。请只发数字，例如：0 1 2")
        value = value_cn
    if value > MAX_COUNT:
        raise AnswerError(f"“{_shown(token)}”太大了（超过{MAX_COUNT}），请核对。")
    return value


def counts(text: str, n: int, *, allow_total: bool = False, what: str = "") -> tuple[list[int], int | None]:
    """n counts from one message ('1 0 0', '１，０，０', '一 零 零'); with allow_total, n+1 with the total last.

    A single '0' means all zero. Returns (counts, total given or None).
    """
    tokens = [t for t in SEPARATORS.split(text.strip()) if t]
    if len(tokens) == 1 and tokens[0].translate(FULLWIDTH) in ("0", "零"):
        return [0] * n, None
    values = [count(t) for t in tokens]
    if len(values) == n:
        return values, None
    if allow_total and len(values) == n + 1:
        return values[:n], values[n]
    expected = f"{n}个数" + (f"（或{n + 1}个数，最后一个是总计）" if allow_total else "")
    raise AnswerError(f"需要{expected}，您发了{len(values)}个。{what}".strip())


def money(text: str) -> Decimal:
    """An amount in 万元: decimals allowed, never negative."""
    t = text.strip().translate(FULLWIDTH).replace("万元", "").replace("万", "").strip()
    if t in ("零", "无", "没有"):
        return Decimal("0")
    value = parse_decimal(t)
    if value is None:
        raise AnswerError(f"“{text.strip()}”不是金额。请只发数字（单位万元），例如：0 或 1.25")
    if value < 0:
        raise AnswerError("金额不能为负数。没有收费请填0。")
    if value > MAX_FEE_WAN:
        raise AnswerError("金额过大，请核对单位是否为“万元”。")
    return value


def yuan(text: str) -> Decimal:
    """An amount in 元, as a clerk writes it: '300', '300元', '三百元', '1.5万元' (= 15000); never negative."""
    t = re.sub(r"[\s\u3000]", "", text.translate(FULLWIDTH)).replace("人民币", "").removesuffix("元")
    scale = Decimal(1)
    if t.endswith("万") and len(t) > 1 and not cn_to_int(t):
        t, scale = t[:-1], Decimal(10000)
    if t in ("零", "无", "没有"):
        return Decimal("0")
    value = parse_decimal(t)
    if value is None and cn_to_int(t) is not None:
        value = Decimal(cn_to_int(t) or 0)
    if value is None:
        raise AnswerError(f"“{text.strip()}”不是金额。请发一个数，单位是元，例如：300 或 三百元")
    if value < 0:
        raise AnswerError("金额不能为负数。没有收费请发0。")
    value *= scale
    if value > MAX_FEE_YUAN:
        raise AnswerError("金额过大，请核对（单位是元）。")
    return value


LEVEL_ENDINGS = (("镇人民政府", "township"), ("乡人民政府", "township"), ("街道办事处", "township"), ("街道办", "township"))


def level_of(name: str) -> str:
    """The level a unit's official name states ('…镇人民政府' is a township), or '' when it does not."""
    return next((level for ending, level in LEVEL_ENDINGS if name.endswith(ending)), "")


def unit_name(text: str) -> str:
    name = re.sub(r"\s+", "", text)
    problem = unit_name_problem(name)
    if problem:
        raise AnswerError(problem)
    return name


def region(text: str) -> list[str]:
    parts = [p for p in SEPARATORS.split(text.strip()) if p]
    if not 2 <= len(parts) <= 3 or any(len(p) > 20 for p in parts):
        raise AnswerError("请用空格分开省、市、县（区），例如：山西省 晋城市 阳城县")
    if not re.search(r"(省|自治区|市)$", parts[0]):
        raise AnswerError(f"“{parts[0]}”不像是省份名称，请写全称，例如：山西省。")
    return parts + [""] * (3 - len(parts))


def phone(text: str) -> str:
    t = text.strip().translate(FULLWIDTH)
    if not re.fullmatch(r"[\d\-—－ ()（）转]{7,30}", t):
        raise AnswerError("电话号码格式不对，例如：0356-1234567")
    return t


def year(text: str, lo: int, hi: int) -> int:
    t = text.strip().translate(FULLWIDTH).rstrip("年度").strip()
    if not t.isdigit() or not lo <= int(t) <= hi:
        raise AnswerError(f"年度应为{lo}到{hi}之间的年份，例如：{hi}")
    return int(t)
