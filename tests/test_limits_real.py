"""Limits from real data (issue 27, item 1): province-level counts in the tens of millions and fees in
billions of 元 with cents are read; beyond the plausible a value is kept with a warning (W-LARGE); only the
absurd is refused, naming the cell; a value that cannot be read is named in one line, never dropped."""

from __future__ import annotations

import json
import re
from decimal import Decimal
from typing import Any

import pytest
from factories import zero_report
from forms import as_text, truth
from test_cli import nianbao

from bot.checks.validate import validate
from bot.core.limits import MAX_COUNT, MAX_MONEY, PLAUSIBLE_COUNT, PLAUSIBLE_DECISIONS, PLAUSIBLE_MONEY, check_value
from bot.importer import import_bytes

NAME = "township-2023-shanxi-ciying.txt"


def _with(label: str, number: str) -> str:
    """The township sample as plain text with one single-count row of 表二 printing `number`."""
    text = as_text(truth(NAME))
    line = next(ln for ln in text.splitlines() if ln.startswith(label))
    return text.replace(line, f"{label}  {number}")


def _check(text: str) -> tuple[Any, list]:
    result = import_bytes(text.encode("utf-8"), "r.txt")
    return result, result.findings + validate(result.report, problems=result.problems)


def test_each_bound_is_plausible_below_absurd():
    assert PLAUSIBLE_COUNT < PLAUSIBLE_DECISIONS < MAX_COUNT and PLAUSIBLE_MONEY < MAX_MONEY
    assert PLAUSIBLE_DECISIONS >= 30_000_000  # a province's 行政处罚 of tens of millions needs no second look


def test_a_province_count_of_tens_of_millions_is_read_without_a_word():
    result, findings = _check(_with("行政处罚", "38,000,000"))
    assert result.report.cells["table2.PUN"] == 38_000_000
    assert not [f for f in findings if f.cells == ["table2.PUN"]]


def test_an_implausible_count_is_kept_with_a_warning():
    result, findings = _check(_with("行政处罚", str(PLAUSIBLE_DECISIONS + 1)))
    assert result.report.cells["table2.PUN"] == PLAUSIBLE_DECISIONS + 1
    large = [f for f in findings if f.rule == "W-LARGE"]
    assert len(large) == 1 and large[0].level == "warning" and "数值异常大，请核对" in large[0].message
    assert "行政处罚" in large[0].message


def test_an_absurd_count_is_refused_naming_the_cell_and_the_rest_is_read():
    result, findings = _check(_with("行政处罚", str(MAX_COUNT + 1)))
    assert result.report.cells["table2.PUN"] is None and result.report.cells["table2.LIC"] is not None
    refused = [f for f in findings if f.cells == ["table2.PUN"]]
    assert [f.rule for f in refused] == ["E-INT"] and str(MAX_COUNT + 1) in refused[0].message
    # named among the notes an upload in any channel shows, as nianbao import prints them
    assert [n for n in result.notes if "无法使用的数值" in n and "行政处罚" in n and str(MAX_COUNT + 1) in n]
    assert check_value("table2.PUN", MAX_COUNT + 1, result.report.format) is not None
    assert check_value("table2.PUN", PLAUSIBLE_DECISIONS + 1, result.report.format) is None


def test_a_400_digit_number_in_a_table_is_named_not_a_refusal_of_the_file():
    result, findings = _check(_with("行政处罚", "9" * 400))
    assert result.report.cells["table2.PUN"] is None
    assert [f.rule for f in findings if f.cells == ["table2.PUN"]] == ["E-INT"]


def test_a_fee_of_billions_of_yuan_with_cents_is_read_and_only_asked_about_beyond_plausible():
    report = zero_report(2023, "广东省人民政府")
    report.unit["level"] = "province"
    report.cells["table2.FEE"] = Decimal("345678.123456")  # 3,456,781,234.56 元
    assert not [f for f in validate(report) if f.cells == ["table2.FEE"]]
    report.cells["table2.FEE"] = PLAUSIBLE_MONEY + 1
    assert [f.rule for f in validate(report) if f.cells == ["table2.FEE"]] == ["W-LARGE"]


def _json_with(tmp_path, literal: str):
    doc = json.loads(zero_report(2023, "次营镇人民政府").to_json())
    doc["table2"]["FEE"] = "@@"
    path = tmp_path / "r.json"
    path.write_text(json.dumps(doc, ensure_ascii=False).replace('"@@"', literal), encoding="utf-8")
    return path


@pytest.mark.parametrize("literal", ["1e999999999", "NaN", "9" * 400])
def test_import_names_a_value_it_cannot_use_and_exits_1(tmp_path, literal):
    path = _json_with(tmp_path, literal)
    out = nianbao("import", str(path), "-o", str(tmp_path / "out.json"))
    assert out.returncode == 1, out.stderr
    named = [ln for ln in out.stderr.splitlines() if "无法使用的数值" in ln]
    assert len(named) == 1 and "行政事业性收费" in named[0] and literal[:12] in named[0]
    assert json.loads((tmp_path / "out.json").read_text(encoding="utf-8"))["table2"]["FEE"] is None
    check = nianbao("check", str(path))
    assert check.returncode == 1
    assert re.search(r"\[错误 E-FEE\] 表二「行政事业性收费」.*" + re.escape(literal[:12]), check.stdout), check.stdout
