"""Text a clerk types is read in linear work (issue 24, item 6): the 表三 row ("行名 + 数字") is split by a
scanner that counts the characters it looks at, where a pattern backtracked quadratically (one
19,985-character message: seconds). The bound is on that count, never on a measured time."""

from __future__ import annotations

import re

import pytest
from driver import Clerk, make_service, onboard
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.core import numbers
from bot.interview import parse
from bot.interview.table3input import split_row

N = 20_000
# The pattern the scanner replaces, kept here to show they read every line alike.
OLD = re.compile(r"^(?P<label>.*?\S)\s+(?P<numbers>[\d０-９零〇一二两三四五六七八九十百][\d０-９零〇一二两三四五六七八九十百\s,，、]*)$")

ADVERSARIAL = {
    "a row of digits then a letter": "予以公开" + " 1" * (N // 2 - 4) + " x",
    "six thousand rows' worth of digits": "予以公开 " + "1 " * (N // 2 - 3),
    "spaces then a letter": "予" + " " * (N - 2) + "x",
    "digit space digit without a label": "1 " * (N // 2),
    "a label of digits": "1" * (N - 2) + " 1",
    "commas between numerals": "予以公开 " + "1，" * (N // 2 - 3),
    "whitespace runs before commas": "予" + " ，" * (N // 2 - 1),
    "chinese numerals and ideographic spaces": "予以公开" + "\u3000一" * (N // 2 - 2),
    "a label and one number": "予" * (N - 2) + " 1",
}


@pytest.mark.parametrize("name", list(ADVERSARIAL))
def test_a_20000_character_row_is_split_in_linear_work(name: str) -> None:
    line = ADVERSARIAL[name].strip()
    assert len(line) >= N - 10
    work: list[int] = []
    found = split_row(line, work)
    assert work[0] <= 3 * len(line), (name, work)
    if found is not None:
        label, digits = found
        assert line.startswith(label) and line.endswith(digits) and not label[-1].isspace()


@settings(max_examples=1500, derandomize=True, deadline=None)
@given(st.text(alphabet="予公开x1０一十,，、 \t\u3000", max_size=24))
def test_the_scanner_reads_every_line_as_the_pattern_did(line: str) -> None:
    line = line.strip()
    old = OLD.match(line)
    assert split_row(line) == ((old.group("label"), old.group("numbers")) if old else None)


@pytest.mark.parametrize("line, expected", [
    ("予以公开 1 0 0 0 0 0", ("予以公开", "1 0 0 0 0 0")),
    ("（一）予以公开 21 0 0 0 0 0 22", ("（一）予以公开", "21 0 0 0 0 0 22")),
    ("其他 一，二，三 四 五 六", ("其他", "一，二，三 四 五 六")),
    ("3.其他 1 0 0 0 0 0", ("3.其他", "1 0 0 0 0 0")),
    ("予以公开", None),
    ("1 2 3", ("1", "2 3")),
    ("予以公开 ，1", None),
])
def test_rows_as_clerks_type_them(line: str, expected: tuple[str, str] | None) -> None:
    assert split_row(line) == expected


@pytest.mark.parametrize("token", ["1" * N, "9" * 5000, "²", "①", "１" * 4400])
def test_a_count_of_thousands_of_digits_or_a_superscript_is_refused_in_chinese(token: str) -> None:
    with pytest.raises(parse.AnswerError) as refused:
        parse.count(token)
    assert "“" in str(refused.value)
    assert numbers.to_int(token) is None


def test_a_20000_character_message_at_table3_is_answered(tmp_path) -> None:
    clerk = Clerk(make_service(tmp_path))
    onboard(clerk)
    clerk.tap("全部为0")
    clerk.tap("粘贴整张表")
    for text in ADVERSARIAL.values():
        clerk.say(text)
        reply = clerk.texts()
        assert reply and "出错" not in reply and re.search(r"[\u4e00-\u9fff]", reply), reply[:200]
