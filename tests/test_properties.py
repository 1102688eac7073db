"""Property tests: consistent reports are clean; breaking any one number names that number's cell."""

from __future__ import annotations

from factories import FMT, consistent_reports
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.checks.validate import validate

ARITHMETIC = {"E-T3-COLSUM", "E-T3-TOTAL", "E-T3-BALANCE", "E-T4-SUM"}
GRID_CELLS = [c.path for c in FMT.cells() if c.table in ("table3", "table4")]


@given(consistent_reports())
@settings(max_examples=200, deadline=None)
def test_consistent_report_has_no_arithmetic_finding(report):
    findings = validate(report)
    assert [f for f in findings if f.rule in ARITHMETIC] == []
    assert [f for f in findings if f.level == "error"] == []


@given(consistent_reports(), st.sampled_from(GRID_CELLS), st.integers(min_value=1, max_value=50), st.booleans())
@settings(max_examples=400, deadline=None)
def test_changing_one_number_names_its_cell(report, path, delta, down):
    old = report.cells[path]
    new = old - delta if down and old >= delta else old + delta
    report.cells[path] = new
    errors = [f for f in validate(report) if f.level == "error"]
    assert errors, f"changing {path} from {old} to {new} went unnoticed"
    assert any(path in f.cells and f.rule in ARITHMETIC for f in errors)
    for f in errors:
        assert f.expected != f.actual


@given(consistent_reports(), st.sampled_from(["made", "repealed", "valid"]))
@settings(max_examples=50, deadline=None)
def test_township_regulations_must_be_zero(report, col):
    report.cells[f"table2.REG.{col}"] = 1
    findings = [f for f in validate(report) if f.rule == "E-TOWN-REG"]
    assert [f.cells for f in findings] == [[f"table2.REG.{col}"]]
    report.unit["level"] = "county_department"
    assert not [f for f in validate(report) if f.rule == "E-TOWN-REG"]
