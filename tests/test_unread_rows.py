"""A printed row the reader could not read is the reader's gap (W-UNREAD, with the line), not the report's
error: its cells are not blank cells, no table rule runs on them, and only cells read as blank are blank."""

from __future__ import annotations

import re

from forms import as_text, truth

from bot.checks.validate import validate
from bot.importer import import_bytes

NAME = "township-2023-shanxi-ciying.txt"
ARITHMETIC = ("E-T3-COLSUM", "E-T3-TOTAL", "E-T3-BALANCE", "E-T4-SUM", "E-BLANK", "E-T3-SHAPE", "E-T4-SHAPE")


def _read(text: str):
    result = import_bytes(text.encode("utf-8"), "report.txt")
    return result, result.findings + validate(result.report, problems=result.problems)


def _line(text: str, label: str) -> str:
    return next(ln for ln in text.splitlines() if label in ln)


def test_a_row_with_a_number_too_few_is_one_unread_finding_and_no_error():
    text = as_text(truth(NAME))
    line = _line(text, "1.属于国家秘密")
    cut = re.sub(r"\s+\S+$", "", line)  # the last number lost, as a page edge cuts it
    result, findings = _read(text.replace(line, cut))
    unread = [f for f in findings if f.rule == "W-UNREAD"]
    assert len(unread) == 1 and unread[0].level == "warning"
    assert "未能读取表三" in unread[0].message and cut.split()[0] in unread[0].message and unread[0].actual == " ".join(cut.split())
    assert all(result.report.cells[c] is None for c in unread[0].cells) and len(unread[0].cells) == 7
    assert [f.rule for f in findings if f.rule in ARITHMETIC] == []


def test_a_label_with_nothing_after_it_is_unread_not_blank():
    text = as_text(truth(NAME))
    line = _line(text, "（一）予以公开")
    result, findings = _read(text.replace(line, "（一）予以公开"))
    assert [f.rule for f in findings if f.rule in ARITHMETIC] == []
    assert [f.cells[0].split(".")[1] for f in findings if f.rule == "W-UNREAD"] == ["OPEN"]


def test_cells_read_as_blank_are_the_reports_blank_cells():
    text = as_text(truth(NAME))
    line = _line(text, "（一）予以公开")
    label = re.sub(r"(\s+\d+)+$", "", line)
    result, findings = _read(text.replace(line, label + "  " + "  ".join(["—"] * 7)))
    blank = [f for f in findings if f.rule == "E-BLANK"]
    assert sorted(f.cells[0] for f in blank) == sorted(f"table3.OPEN.{c}" for c in result.report.format.table3.col_keys)
    assert not [f for f in findings if f.rule == "W-UNREAD"]


def test_a_row_not_printed_at_all_stays_the_reports_shape_error():
    text = as_text(truth(NAME))
    result, findings = _read(text.replace(_line(text, "（一）予以公开") + "\n", ""))
    shape = [f for f in findings if f.rule == "E-T3-SHAPE"]
    assert len(shape) == 1 and "予以公开" in shape[0].message
    assert not [f for f in findings if f.rule in ("E-BLANK", "W-UNREAD")]


def test_table4_printed_but_not_placeable_is_unread():
    text = as_text(truth(NAME))
    lines = text.splitlines()
    i = max(n for n, ln in enumerate(lines) if re.fullmatch(r"[\d ]+", ln.strip()))
    lines[i] = " ".join(lines[i].split()[:-2])
    result, findings = _read("\n".join(lines))
    assert not [f for f in findings if f.rule in ARITHMETIC]
    unread = [f for f in findings if f.rule == "W-UNREAD"]
    assert len(unread) == 1 and unread[0].cells[0].startswith("table4.")
