"""A provincial profile whose fee item is not first: the fee statement is drafted under that item."""

from __future__ import annotations

import yaml
from factories import zero_report

from bot.format.definition import FORMATS_DIR, read_format
from bot.interview.drafts import draft


def test_the_fee_statement_goes_under_the_profiles_fee_item(tmp_path):
    raw = yaml.safe_load((FORMATS_DIR / "gov-2021.yaml").read_text(encoding="utf-8"))
    items = raw["profiles"]["shandong"]["other_items"]
    items[0], items[1] = items[1], items[0]
    path = tmp_path / "gov-2021.yaml"
    path.write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    fmt = read_format(path)
    report = zero_report(2024)
    report.format, report.profile = fmt, "shandong"
    text = draft("other.j2", report, {"fact.other1": "已落实年度工作要点。"})
    lines = text.splitlines()
    second = lines.index(fmt.profiles["shandong"].other_items[1])
    assert "信息处理费" in lines[second + 1] and "2024" in lines[second + 1]
    first = lines.index(fmt.profiles["shandong"].other_items[0])
    assert lines[first + 1] == "已落实年度工作要点。"
