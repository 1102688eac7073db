"""The JSON form: exactly the schema on output, and path-named rejections on input.

The schema is the one generated from the format definition (bot/core/schema.py); tests/test_schema.py checks
that it means what the shared spec's schema says.
"""

from __future__ import annotations

from decimal import Decimal

import jsonschema
import pytest
from factories import consistent_reports, zero_report
from hypothesis import given, settings

from bot.core.report import ReportError, load_report_json, report_from_dict
from bot.core.schema import report_schema

VALIDATOR = jsonschema.Draft202012Validator(report_schema())


@given(consistent_reports())
@settings(max_examples=60, deadline=None)
def test_saved_document_is_schema_valid_and_round_trips(report):
    doc = report.to_dict()
    VALIDATOR.validate(doc)
    again, problems = load_report_json(report.to_json())
    assert problems == []
    assert again.cells == report.cells and again.text == report.text and again.year == report.year


def test_fee_keeps_exact_digits():
    r = zero_report()
    r.cells["table2.FEE"] = Decimal("18651.06")
    doc = r.to_dict()
    assert doc["table2"]["FEE"] == "18651.06"
    again, _ = report_from_dict(doc)
    assert again.cells["table2.FEE"] == Decimal("18651.06")
    doc["table2"]["FEE"] = 12.5
    assert report_from_dict(doc)[0].cells["table2.FEE"] == Decimal("12.5")


def test_nulls_are_schema_valid_and_kept():
    r = zero_report()
    r.cells["table3.NEW.NP"] = None
    doc = r.to_dict()
    VALIDATOR.validate(doc)
    assert report_from_dict(doc)[0].cells["table3.NEW.NP"] is None


def _doc():
    return zero_report().to_dict()


@pytest.mark.parametrize(
    "mutate, path",
    [
        (lambda d: d.pop("table3"), "table3"),
        (lambda d: d["table3"]["NEW"].pop("NP"), "table3.NEW.NP"),
        (lambda d: d["table3"]["NEW"].__setitem__("NP", -1), "table3.NEW.NP"),
        (lambda d: d["table3"]["NEW"].__setitem__("NP", 1.5), "table3.NEW.NP"),
        (lambda d: d["table3"]["NEW"].__setitem__("NP", "一"), "table3.NEW.NP"),
        (lambda d: d["table3"]["NEW"].__setitem__("XX", 0), "table3.NEW.XX"),
        (lambda d: d["table3"].__setitem__("EXTRA", {}), "table3.EXTRA"),
        (lambda d: d["table4"].pop("LR"), "table4.LR"),
        (lambda d: d["table2"].__setitem__("FEE", "abc"), "table2.FEE"),
        (lambda d: d["table2"].__setitem__("FEE", -3), "table2.FEE"),
        (lambda d: d.__setitem__("year", 2019), "year"),
        (lambda d: d.__setitem__("year", "2023"), "year"),
        (lambda d: d.__setitem__("schema", "other"), "schema"),
        (lambda d: d["unit"].__setitem__("name", ""), "unit.name"),
        (lambda d: d["unit"].__setitem__("level", "village"), "unit.level"),
        (lambda d: d["text"].pop("other"), "text.other"),
        (lambda d: d["text"].__setitem__("overview", 3), "text.overview"),
        (lambda d: d.__setitem__("profile", "beijing"), "profile"),
    ],
)
def test_malformed_documents_are_rejected_naming_the_path(mutate, path):
    doc = _doc()
    mutate(doc)
    with pytest.raises(ReportError) as err:
        report_from_dict(doc)
    assert err.value.path == path
    assert path in str(err.value)
    # the schema agrees, except on the fee, which it leaves open (E-FEE is stricter)
    assert VALIDATOR.is_valid(doc) == (path == "table2.FEE")


def test_lenient_loading_turns_bad_cells_into_problems():
    doc = _doc()
    doc["table3"]["NEW"]["NP"] = -1
    doc["table2"]["FEE"] = "约3万"
    report, problems = report_from_dict(doc, lenient=True)
    assert {(p.path, p.kind) for p in problems} == {("table3.NEW.NP", "not_integer"), ("table2.FEE", "not_money")}
    assert report.cells["table3.NEW.NP"] is None


def test_invalid_json_text():
    with pytest.raises(ReportError, match="不是有效的JSON"):
        load_report_json("{not json")


def test_incomplete_report_cannot_be_saved():
    r = zero_report()
    r.year = None
    with pytest.raises(ReportError, match="year"):
        r.to_dict()


def test_a_report_records_its_format_and_is_read_with_it(tmp_path):
    """The document's `schema` names its format; reading picks that format, and a report keeps it."""
    import yaml

    from bot.format.definition import FORMATS_DIR, load_format, read_format

    r = zero_report()
    assert r.format_id == "gov-2021" and r.format is load_format("gov-2021")
    doc = r.to_dict()
    assert doc["schema"] == load_format().schema == "gov-info-annual-report/2021"
    assert report_from_dict(doc)[0].format_id == "gov-2021"

    raw = yaml.safe_load((FORMATS_DIR / "gov-2021.yaml").read_text(encoding="utf-8"))
    raw.update(id="gov-2099", schema="gov-info-annual-report/2099", first_year=2099)
    path = tmp_path / "gov-2099.yaml"
    path.write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    later = read_format(path)
    report = zero_report()
    report.format, report.year = later, 2099
    doc = report.to_dict()
    assert doc["schema"] == "gov-info-annual-report/2099"
    again, _ = report_from_dict(doc, later)
    assert again.format_id == "gov-2099" and again.format is later
    with pytest.raises(ReportError) as err:  # a 2021 document is not read as a 2099 one, nor the reverse
        report_from_dict(r.to_dict(), later)
    assert err.value.path == "schema" and "gov-info-annual-report/2099" in err.value.message
    with pytest.raises(ReportError) as err:
        report_from_dict(doc)
    assert err.value.path == "schema"
