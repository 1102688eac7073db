"""Chinese numerals as clerks write them, the spoken short forms included."""

from __future__ import annotations

import pytest

from bot.core.numbers import cn_to_int, to_int


@pytest.mark.parametrize(("text", "value"), [
    ("三", 3), ("十", 10), ("十二", 12), ("二十", 20), ("一十五", 15), ("九十九", 99),
    ("一百零五", 105), ("三百五十", 350), ("三百五", 350), ("一百一", 110), ("一千二", 1200), ("一千零二", 1002),
    ("一千二百三十四", 1234), ("两万三", 23000), ("一万零五", 10005), ("十万", 100000), ("三百万", 3000000),
    ("二〇二三", 2023), ("零", 0), ("两百", 200),
])
def test_numerals(text: str, value: int) -> None:
    assert cn_to_int(text) == value
    assert to_int(text) == value


@pytest.mark.parametrize("text", ["万", "百", "千", "百五", "十百", "三四十", "一百十", "万万", "一万二万", "三零五十", "", "五元"])
def test_not_numerals(text: str) -> None:
    assert cn_to_int(text) is None


def test_digits_of_any_width() -> None:
    assert to_int("１２") == 12 and to_int("1,234") == 1234 and to_int(" 7 ") == 7
