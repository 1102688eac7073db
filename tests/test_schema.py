"""The JSON Schema generated from the format definition: it accepts every report the project writes,
rejects broken ones, agrees with the shared spec's schema, and is what `nianbao schema` prints."""

from __future__ import annotations

import json
import subprocess
import sys
from typing import Any

import jsonschema
import pytest
import yaml
from conftest import ROOT, SAMPLE_NAMES, report_file, shared
from factories import consistent_reports, zero_report
from hypothesis import given, settings

from bot.core.report import Report, report_from_dict
from bot.core.schema import report_schema
from bot.format.definition import FORMATS_DIR, read_format
from bot.importer import import_path

VALIDATOR = jsonschema.Draft202012Validator(report_schema())


def test_the_generated_schema_is_a_valid_draft_2020_12_schema():
    jsonschema.Draft202012Validator.check_schema(report_schema())


@given(consistent_reports())
@settings(max_examples=40, deadline=None)
def test_every_consistent_report_is_valid(report: Report):
    VALIDATOR.validate(report.to_dict())


def test_reports_with_blanks_decimals_facts_and_a_profile_are_valid():
    r = zero_report()
    r.cells["table3.NEW.NP"] = None
    r.cells["table2.LIC"] = None
    r.profile = "shandong"
    r.info_fee = {"cases": 2, "amount_yuan": 35.5}
    r.unit.update(province="山西省", county="阳城县", website="http://example.gov.cn")
    doc = r.to_dict()
    VALIDATOR.validate(doc)
    doc["table2"]["FEE"] = 12.5  # a number is accepted as well as a decimal string
    VALIDATOR.validate(doc)


def test_imported_sample_reports_are_valid():
    for name in SAMPLE_NAMES:  # the 平潭 pair only with ../shared
        try:
            path = report_file(name)
        except pytest.skip.Exception:
            continue
        result = import_path(path)
        if result.report.year is None or not result.report.unit.get("name"):
            continue  # a document that cannot be written as a report at all is refused before the schema
        VALIDATOR.validate(result.report.to_dict())


BROKEN = [
    (lambda d: d.pop("table3"), "required"),
    (lambda d: d.pop("schema"), "required"),
    (lambda d: d.__setitem__("schema", "gov-info-annual-report/2019"), "const"),
    (lambda d: d.__setitem__("year", 2019), "minimum"),
    (lambda d: d.__setitem__("year", "2023"), "type"),
    (lambda d: d.__setitem__("profile", "beijing"), "enum"),
    (lambda d: d["unit"].__setitem__("name", ""), "minLength"),
    (lambda d: d["unit"].__setitem__("level", "village"), "enum"),
    (lambda d: d["text"].pop("other"), "required"),
    (lambda d: d["text"].__setitem__("overview", 3), "type"),
    (lambda d: d["table3"]["NEW"].pop("NP"), "required"),
    (lambda d: d["table3"]["NEW"].__setitem__("NP", -1), "minimum"),
    (lambda d: d["table3"]["NEW"].__setitem__("NP", 1.5), "type"),
    (lambda d: d["table3"]["NEW"].__setitem__("XX", 0), "additionalProperties"),
    (lambda d: d["table3"].__setitem__("EXTRA", {}), "additionalProperties"),
    (lambda d: d["table4"].pop("LR"), "required"),
    (lambda d: d["table2"]["REG"].__setitem__("valid", "三"), "type"),
    (lambda d: d["table2"].__setitem__("LIC", {"made": 0}), "type"),
    (lambda d: d["info_fee"].__setitem__("cases", -1), "minimum"),
]


@pytest.mark.parametrize("mutate, keyword", BROKEN)
def test_broken_documents_are_rejected(mutate, keyword):
    doc = zero_report().to_dict()
    doc["info_fee"] = {"cases": 0}
    VALIDATOR.validate(doc)
    mutate(doc)
    errors = list(VALIDATOR.iter_errors(doc))
    assert errors and keyword in {e.validator for e in errors}


def _meaning(node: Any) -> Any:
    """A schema without its prose: what it accepts, not how it explains it."""
    if isinstance(node, dict):
        return {k: _meaning(v) for k, v in node.items() if k not in ("description", "title")}
    if isinstance(node, list):
        return [_meaning(v) for v in node]
    return node


def test_the_generated_schema_means_what_the_shared_spec_says():
    """Same required keys, properties, types, bounds and closed objects as shared/spec/report.schema.json.

    Only the prose differs on purpose: descriptions name each cell in Chinese (表三「本年新收」自然人)
    from the definition, and the format's id is named next to `schema`.
    """
    schema = shared("spec/report.schema.json")
    assert _meaning(report_schema()) == _meaning(json.loads(schema.read_text(encoding="utf-8")))


def test_the_schema_follows_the_definition(tmp_path):
    """A profile or a level added to the definition appears in the schema without code."""
    raw = yaml.safe_load((FORMATS_DIR / "gov-2021.yaml").read_text(encoding="utf-8"))
    raw["profiles"]["fujian"] = {"label": "福建省实践", "other_items": [{"heading": "（一）信息处理费收取情况", "fee": True}]}
    raw["levels"]["village"] = "村（社区）"
    path = tmp_path / "gov-2021.yaml"
    path.write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    fmt = read_format(path)
    schema = report_schema(fmt)
    assert "fujian" in schema["properties"]["profile"]["enum"]
    assert "village" in schema["properties"]["unit"]["properties"]["level"]["enum"]
    doc = zero_report().to_dict()
    doc["profile"], doc["unit"]["level"] = "fujian", "village"
    jsonschema.Draft202012Validator(schema).validate(doc)
    assert report_from_dict(doc, fmt)[0].profile == "fujian"  # and the reader agrees


def test_nianbao_schema_prints_it():
    out = subprocess.run(
        [sys.executable, "-m", "bot", "schema"], capture_output=True, text=True, encoding="utf-8", cwd=ROOT, check=True
    )
    assert json.loads(out.stdout) == report_schema()
    bad = subprocess.run(
        [sys.executable, "-m", "bot", "schema", "--format", "gov-1999"], capture_output=True, text=True, cwd=ROOT, check=False
    )
    assert bad.returncode == 2 and "gov-1999" in bad.stderr
