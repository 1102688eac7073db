"""The format definition: what it knows is asked of it, and a broken definition stops loading with a clear message."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from bot.format.definition import FORMATS_DIR, FormatError, load_format, read_format

SOURCE = FORMATS_DIR / "gov-2021.yaml"


def raw() -> dict[str, Any]:
    return yaml.safe_load(SOURCE.read_text(encoding="utf-8"))


def write(tmp_path: Path, doc: dict[str, Any], name: str = "gov-2021.yaml") -> Path:
    path = tmp_path / name
    path.write_text(yaml.safe_dump(doc, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


# ---- what the definition knows -----------------------------------------------------------------


def test_applicant_columns_and_their_groups():
    grid = load_format().table3
    assert [c.key for c in grid.part_columns] == ["NP", "BIZ", "RES", "NGO", "LAW", "OTHORG"]
    assert [(label, [c.key for c in cols]) for label, cols in grid.column_groups] == [
        ("自然人", ["NP"]),
        ("法人或其他组织", ["BIZ", "RES", "NGO", "LAW", "OTHORG"]),
    ]
    assert [c.name for c in grid.part_columns][-1] == "其他组织"  # "其他" alone would not say what it is
    assert grid.column("OTHORG").label == "其他"  # the printed header stays the official one
    assert [c.name for c in load_format().table4.part_columns] == ["维持", "纠正", "其他", "未审结"]


def test_result_groups_are_the_rows_the_total_sums():
    grid = load_format().table3
    groups = grid.result_groups
    assert [(g.key, g.name) for g in groups] == [
        ("OPEN", "予以公开"), ("PART", "部分公开"), ("DEN", "不予公开"), ("UNA", "无法提供"), ("NOP", "不予处理"), ("OTH", "其他处理"),
    ]
    assert grid.result_group("DEN").rows == tuple(f"DEN{i}" for i in range(1, 9))
    assert [r for g in groups for r in g.rows] == grid.leaves()
    assert "TOTAL" not in [r.key for r in grid.entry_rows] and len(grid.entry_rows) == len(grid.data_rows) - 1
    assert load_format().table4.result_groups == []  # 表四 has no total row


def test_finding_sections_follow_the_report_order():
    fmt = load_format()
    assert [name for _, name in fmt.finding_sections][:3] == ["标题和前言", "一、总体情况", "二、主动公开政府信息情况"]
    assert dict(fmt.finding_sections)["text.other"] == "六、其他需要报告的事项"
    assert fmt.text_label("problems") == "五、存在的主要问题及改进情况"


def test_the_fee_item_of_a_profile_is_marked_not_assumed_first(tmp_path):
    shandong = load_format().profiles["shandong"]
    assert shandong.fee_item == 0 and shandong.fee_heading is not None and "信息处理费" in shandong.fee_heading
    assert load_format().profiles["national"].fee_item is None

    doc = raw()
    items = doc["profiles"]["shandong"]["other_items"]
    items[0], items[1] = items[1], items[0]  # a province that asks for the fee second
    doc["profiles"]["province"] = {"label": "某省（费用在第二项）", "other_items": items}
    fmt = read_format(write(tmp_path, doc))
    province = fmt.profiles["province"]
    assert province.fee_item == 1
    assert province.fee_heading == province.other_items[1] and "信息处理费" in province.fee_heading
    assert "信息处理费" not in province.other_items[0]


def test_rule_messages_are_all_in_the_definition():
    """No rule is left without a message a clerk can read; the code only fills placeholders."""
    fmt = load_format()
    assert all(rule.messages for rule in fmt.rules)
    assert fmt.rule("W-FEE-UNIT").say(reason="金额有5位小数").startswith("表二“行政事业性收费”单位是万元，金额有5位小数")


def test_an_unknown_format_id_is_a_clear_error():
    with pytest.raises(FormatError, match="unknown format 'gov-1999'.*gov-2021"):
        load_format("gov-1999")
    assert load_format("gov-2021").id == "gov-2021"


# ---- a broken definition stops loading, naming the file, the entry and the problem ------------------


def _rule(doc: dict[str, Any], rule_id: str) -> dict[str, Any]:
    return next(r for r in doc["rules"] if r["id"] == rule_id)


def _t3_row(doc: dict[str, Any], key: str) -> dict[str, Any]:
    def walk(nodes):
        for n in nodes:
            yield n
            yield from walk(n.get("rows", ()))

    return next(n for n in walk(doc["tables"]["table3"]["rows"]) if n.get("key") == key)


BROKEN = [
    # (what is broken, how, the entry named, the problem named)
    ("unknown row in a rule", lambda d: _rule(d, "E-T3-BALANCE").__setitem__("left", ["NEW", "CARY"]), "rules[E-T3-BALANCE].left", "unknown row 'CARY'"),
    ("unknown row of a rule's table", lambda d: _rule(d, "W-CARRY-PREV").__setitem__("row", "OPEN1"), "rules[W-CARRY-PREV].row", "unknown row 'OPEN1'"),
    ("unknown table in a rule", lambda d: _rule(d, "E-T4-SUM").__setitem__("table", "table5"), "rules[E-T4-SUM].table", "unknown table 'table5'"),
    ("parameter the check does not take", lambda d: _rule(d, "W-LENGTH").__setitem__("limt", 800), "rules[W-LENGTH].limt", "takes no parameter 'limt'"),
    ("missing parameter", lambda d: _rule(d, "W-LENGTH").pop("limit"), "rules[W-LENGTH]", "missing parameter 'limit'"),
    ("parameter of the wrong type", lambda d: _rule(d, "W-REPEAT").__setitem__("threshold", "高"), "rules[W-REPEAT].threshold", "should be a number"),
    ("unknown level in a rule", lambda d: _rule(d, "E-TOWN-REG").__setitem__("levels", ["village"]), "rules[E-TOWN-REG].levels", "unknown level 'village'"),
    ("unknown text in a rule", lambda d: _rule(d, "W-REPEAT").__setitem__("texts", ["overveiw"]), "rules[W-REPEAT].texts", "unknown text 'overveiw'"),
    ("unknown check", lambda d: _rule(d, "W-LATE").__setitem__("check", "lat"), "rules[W-LATE].check", "unknown check 'lat'"),
    ("unknown rule level", lambda d: _rule(d, "W-LATE").__setitem__("level", "warn"), "rules[W-LATE].level", "unknown level 'warn'"),
    ("rule id twice", lambda d: _rule(d, "W-LATE").__setitem__("id", "W-ARTIFACT"), "rules[W-ARTIFACT]", "id used twice"),
    ("unknown key of a rule's messages", lambda d: _rule(d, "W-ARTIFACT")["messages"].__setitem__("bookmrk", "x"),
     "rules[W-ARTIFACT].messages.bookmrk", "says no message 'bookmrk'"),
    ("missing message", lambda d: _rule(d, "W-LATE").pop("message"), "rules[W-LATE]", "missing message"),
    ("unknown placeholder in a message", lambda d: _rule(d, "W-LATE").__setitem__("message", "截止{deadline}"),
     "rules[W-LATE].message", "unknown placeholder deadline"),
    ("broken message template", lambda d: _rule(d, "W-LATE").__setitem__("message", "截止{expected"), "rules[W-LATE].message", "placeholders"),
    ("unknown placeholder in the title template", lambda d: d.__setitem__("title_pattern", "{unit}{yaer}年报告"), "title_pattern", "unknown placeholder"),
    ("unknown top-level key", lambda d: d.__setitem__("rulez", []), "(top level)", "unknown key 'rulez'"),
    ("unknown table", lambda d: d["tables"].__setitem__("table5", {}), "tables", "unknown key 'table5'"),
    ("missing table", lambda d: d["tables"].pop("table4"), "tables", "missing 'table4'"),
    ("unknown key of a row", lambda d: _t3_row(d, "NEW").__setitem__("lable", "x"), "tables.table3.rows", "unknown key 'lable'"),
    ("row key twice", lambda d: _t3_row(d, "CARRY").__setitem__("key", "NEW"), "tables.table3.rows[NEW]", "key used twice"),
    ("unknown row kind", lambda d: d["tables"]["table2"]["blocks"][3]["rows"][0].__setitem__("kind", "yuan"),
     "tables.table2.rows[FEE].kind", "unknown kind 'yuan'"),
    ("unknown column in a total", lambda d: d["tables"]["table4"]["columns"][4].__setitem__("sum_of", ["M", "C", "O", "Q"]),
     "tables.table4.columns[T].sum_of", "unknown column 'Q'"),
    ("unknown key of a column", lambda d: d["tables"]["table3"]["columns"][0].__setitem__("grop", "x"), "tables.table3.columns", "unknown key 'grop'"),
    ("unknown cell in the summary", lambda d: d["summary"][0].__setitem__("cells", ["table2.REG.mad"]),
     "summary[规章·本年制发]", "unknown cell 'table2.REG.mad'"),
    ("unknown text of a section", lambda d: d["sections"][0].__setitem__("text", "overveiw"), "sections[overview].text", "unknown text 'overveiw'"),
    ("unknown table of a section", lambda d: d["sections"][1].__setitem__("table", "table9"), "sections[table2].table", "unknown table 'table9'"),
    ("unknown key of a section", lambda d: d["sections"][0].__setitem__("titel", "x"), "sections[overview]", "unknown key 'titel'"),
    ("unknown key of a profile", lambda d: d["profiles"]["shandong"].__setitem__("items", []), "profiles.shandong", "unknown key 'items'"),
    ("two fee items", lambda d: d["profiles"]["shandong"]["other_items"].__setitem__(1, {"heading": "（二）x", "fee": True}),
     "profiles.shandong.other_items", "at most one"),
    ("unknown key of a text", lambda d: d["texts"]["overview"].__setitem__("requird", True), "texts.overview", "unknown key 'requird'"),
    ("id not the file's name", lambda d: d.__setitem__("id", "gov-2022"), "id", "differs from the file's name"),
    ("a role naming no cell", lambda d: d["cells"].__setitem__("received", "table3.NEW.SUMM"), "cells.received", "unknown cell 'table3.NEW.SUMM'"),
    ("a cell of a role's sum naming no cell", lambda d: d["cells"]["lawsuits"].__setitem__(1, "table4.LX.T"), "cells.lawsuits",
     "unknown cell 'table4.LX.T'"),
    ("a role the code asks for missing", lambda d: d["cells"].pop("fee"), "cells", "missing 'fee'"),
    ("a role no code asks for", lambda d: d["cells"].__setitem__("fees", "table2.FEE"), "cells", "unknown key 'fees'"),
    ("a one-cell role given a list", lambda d: d["cells"].__setitem__("fee", ["table2.FEE", "table2.LIC"]), "cells.fee", "names one cell"),
    ("no text holds the fee statement", lambda d: d["texts"]["other"].pop("fee"), "texts", "exactly one holds"),
    ("an unknown row of W-TXT-DOCS", lambda d: _rule(d, "W-TXT-DOCS").__setitem__("row", "FEE"), "rules[W-TXT-DOCS].row", "unknown row 'FEE'"),
]


@pytest.mark.parametrize("what, mutate, entry, problem", BROKEN, ids=[b[0] for b in BROKEN])
def test_a_broken_definition_stops_loading_naming_file_entry_and_problem(tmp_path, what, mutate, entry, problem):
    doc = raw()
    mutate(doc)
    path = write(tmp_path, doc)
    with pytest.raises(FormatError) as err:
        read_format(path)
    message = str(err.value)
    assert str(path) in message
    assert any(line.strip().startswith(f"{entry}:") and problem in line for line in message.splitlines()), message


def test_a_definition_that_is_not_yaml_names_the_file(tmp_path):
    path = tmp_path / "gov-2021.yaml"
    path.write_text("id: gov-2021\nrules: [\n", encoding="utf-8")
    with pytest.raises(FormatError, match=f"{path}: not valid YAML"):
        read_format(path)


def test_the_shipped_definition_and_an_unchanged_copy_load(tmp_path):
    assert read_format(write(tmp_path, raw())).cells() == load_format().cells()


def test_the_checks_of_the_definition_are_those_of_the_validator():
    from bot.checks.validate import CHECKS
    from bot.format.verify import CHECKS as SPECS

    assert set(SPECS) == set(CHECKS)
