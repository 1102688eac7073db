"""The format definition: what it knows is asked of it, and a broken definition stops loading with a clear message."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from bot.formatdef import FORMATS_DIR, FormatError, load_format, read_format

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
