"""Markdown and OCR text (issue 27, item 2): pipe tables with merged cells repeated or left empty, header
rows over several lines, page breaks repeating the header; OCR look-alikes (O, l, 丨) taken as digits only
where the row's own sum confirms the reading, thousands separators and full-width digits."""

from __future__ import annotations

import re

import pytest
from forms import TOWNSHIPS, as_markdown, as_ocr, read, truth

from bot.checks.validate import validate


@pytest.mark.parametrize("merged", ["repeat", "empty"])
@pytest.mark.parametrize("name", TOWNSHIPS)
def test_pipe_tables_split_over_pages_read_cell_for_cell(name, merged):
    want = truth(name)
    text = as_markdown(want, merged)
    assert text.count("— 分页 —") >= 2 and "|---|" in text
    got = read(text, "report.md")
    assert {p for p, v in want.cells.items() if got.report.cells[p] != v} == set()
    assert not [f for f in got.findings + validate(got.report, problems=got.problems) if f.level == "error"]


def _row_line(text: str, label: str) -> str:
    return next(ln for ln in text.splitlines() if label in ln and re.search(r"\d\s*$", ln))


def _replace_values(text: str, label: str, values: list[str]) -> str:
    line = _row_line(text, label)
    head = re.sub(r"(\s+\S+){7}\s*$", "", line)
    return text.replace(line, head + "  " + "  ".join(values))


def test_ocr_look_alikes_are_digits_only_where_the_row_sum_confirms():
    want = truth(TOWNSHIPS[0])
    text = as_ocr(want, seed=1)
    confirmed = _replace_values(text, "6.属于四类过程性信息", ["l", "O", "o", "1O", "0", "丨", "l2"])
    got = read(confirmed, "scan.txt")
    assert [got.report.cells[f"table3.DEN6.{c}"] for c in want.format.table3.col_keys] == [1, 0, 0, 10, 0, 1, 12]
    # '7' read as 'l': 1 + 0 + … ≠ 11, so the row is not read, never read wrong
    wrong = _replace_values(text, "6.属于四类过程性信息", ["l", "O", "0", "l0", "0", "0", "17"])
    got = read(wrong, "scan.txt")
    assert all(got.report.cells[f"table3.DEN6.{c}"] is None for c in want.format.table3.col_keys)
    assert [f.cells[0] for f in got.findings if f.rule == "W-UNREAD"] == ["table3.DEN6.NP"]


def test_an_ocr_look_alike_in_table2_has_no_sum_to_confirm_it_and_is_unread():
    want = truth(TOWNSHIPS[0])
    text = as_ocr(want, seed=2)
    line = _row_line(text, "行政许可")
    got = read(text.replace(line, re.sub(r"\S+$", "1O", line)), "scan.txt")
    assert got.report.cells["table2.LIC"] is None
    assert "W-UNREAD" in {f.rule for f in got.findings}
    assert "E-INT" not in {f.rule for f in validate(got.report, problems=got.problems)}


def test_thousands_separators_and_full_width_digits():
    want = truth(TOWNSHIPS[1])
    want.cells["table2.PUN"] = 1_234_567
    text = as_ocr(want, seed=3)
    line = _row_line(text, "行政处罚")
    text = text.replace(line, re.sub(r"\S+$", "１,２３４,５６７", line))
    got = read(text, "scan.txt")
    assert got.report.cells["table2.PUN"] == 1_234_567
    assert {p for p, v in want.cells.items() if got.report.cells[p] != v} == set()
