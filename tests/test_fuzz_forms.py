"""Fuzzing the readers of issue 27 (hypothesis, derandomized): reports with random consistent tables,
printed run together, as OCR-like text and as markdown, are read with no cell ever wrong (a cell is exact
or left unread); any text run together on one line is read or refused in one line, never a traceback."""

from __future__ import annotations

import re

from forms import TOWNSHIPS, as_markdown, as_ocr, read, run_together, truth
from hypothesis import given
from hypothesis import strategies as st
from test_fuzz import fuzz

from bot.importer import UnreadableError, import_bytes
from bot.importer.cells import confirm_ocr
from bot.importer.runtogether import _splits

# Leaves with many-digit values make glued runs ambiguous: the reader must leave those rows unread.
WIDE = (0, 0, 1, 2, 10, 11, 100, 1000)


def _no_wrong_cell(want, got) -> None:
    wrong = {p: (got.report.cells[p], v) for p, v in want.cells.items() if got.report.cells[p] is not None and got.report.cells[p] != v}
    assert wrong == {}


@fuzz(12, shrink=False)
@given(st.sampled_from(TOWNSHIPS), st.integers(0, 10**6), st.booleans())
def test_run_together_never_reads_a_cell_wrong(name, seed, wide):
    want = truth(name, seed, WIDE if wide else (0, 0, 0, 1, 2, 5))
    _no_wrong_cell(want, read(run_together(want), "page.txt"))


@fuzz(12, shrink=False)
@given(st.sampled_from(TOWNSHIPS), st.integers(0, 10**6))
def test_ocr_text_never_reads_a_cell_wrong(name, seed):
    want = truth(name, seed, WIDE)
    got = read(as_ocr(want, seed), "scan.txt")
    _no_wrong_cell(want, got)


@fuzz(8, shrink=False)
@given(st.sampled_from(TOWNSHIPS), st.integers(0, 10**6), st.sampled_from(["repeat", "empty"]), st.integers(3, 30))
def test_markdown_reads_every_cell(name, seed, merged, page):
    want = truth(name, seed, WIDE)
    got = read(as_markdown(want, merged, page), "report.md")
    assert {p for p, v in want.cells.items() if got.report.cells[p] != v} == set()


HEADINGS = ["一、总体情况", "二、主动公开政府信息情况", "三、收到和处理政府信息公开申请情况", "四、政府信息公开行政复议、行政诉讼情况",
            "五、存在的主要问题及改进情况", "六、其他需要报告的事项", "一、本年新收政府信息公开申请数量", "（七）总计", "规章", "行政许可"]


@fuzz(25, shrink=False)
@given(st.lists(st.one_of(st.sampled_from(HEADINGS), st.text("0123456789", min_size=1, max_size=60),
                          st.text("镇政府公开信息条件年报告", min_size=1, max_size=40)), min_size=2, max_size=80))
def test_any_run_together_line_is_read_or_refused_in_one_line(parts):
    line = "某镇人民政府2023年政府信息公开工作年度报告" + "".join(parts) + "。" * 1500
    try:
        result = import_bytes(line.encode("utf-8"), "page.txt")
    except UnreadableError as exc:
        assert "\n" not in str(exc) and re.search(r"[\u4e00-\u9fff]", str(exc))
        return
    assert all(v is None or isinstance(v, int) or v >= 0 for v in result.report.cells.values())


@fuzz(200)
@given(st.text("0123456789", min_size=0, max_size=60), st.integers(1, 15))
def test_splits_are_bounded_and_exact(digits, parts):
    for split in _splits(digits, parts):
        assert len(split) == parts and "".join(map(str, split)) == digits


@fuzz(200)
@given(st.lists(st.text("0123456789OolI丨 ,", min_size=1, max_size=6), min_size=7, max_size=7))
def test_an_ocr_reading_is_taken_only_when_its_sum_holds(values):
    read_ = confirm_ocr(values, [0, 1, 2, 3, 4, 5], 6)
    if read_ is not None and read_ != values:
        numbers = [int(v.replace(",", "").replace(" ", "")) for v in read_]
        assert sum(numbers[:6]) == numbers[6]
