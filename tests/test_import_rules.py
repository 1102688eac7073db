"""The narrative rules read real phrasing: a breakdown stops at its clause, every real way of saying no fee was
charged is a fee statement, and a sentence that lists the aspects does not cover them."""

from __future__ import annotations

import pytest
from conftest import SAMPLES

from bot.checks.validate import validate
from bot.core.report import Report
from bot.importer import import_path

CAOHE = SAMPLES / "township-2023-shandong-caohe.txt"


@pytest.fixture
def report() -> Report:
    if not CAOHE.exists():
        pytest.skip("needs ../shared: data/reports/township-2023-shandong-caohe.txt")
    return import_path(CAOHE).report


def _rules(report: Report, rule: str) -> list[str]:
    return [f.message for f in validate(report, only=[rule])]


def test_breakdown_stops_at_the_clause(report):
    report.text["problems"] = (
        "2023年全市办理行政复议351件，其中维持72件、纠错20件、其他结果222件、尚未审结37件；"
        "政府信息公开行政诉讼46件，其中维持30件、纠错2件、其他结果10件、尚未审结4件。"
    )
    assert _rules(report, "W-TXT-BREAKDOWN") == []
    report.text["problems"] = report.text["problems"].replace("尚未审结4件", "尚未审结14件")
    found = _rules(report, "W-TXT-BREAKDOWN")
    assert len(found) == 1 and "46" in found[0] and "56" in found[0]


def test_breakdown_listed_over_semicolons_is_still_added(report):
    report.text["problems"] = "全年共收到申请10件；其中自然人申请9件、法人申请3件。"
    found = _rules(report, "W-TXT-BREAKDOWN")
    assert len(found) == 1 and "12" in found[0]


@pytest.mark.parametrize(
    "phrase",
    [
        "政府信息公开未发生收费情况。",  # the report the issue names
        "全年收取政府信息公开信息处理费0元。",  # 洪泽区 2023, 2024
        "本机关2023年度未收取政府信息公开信息处理费。",
        "本年度不存在收费情况。",
        "依申请公开政府信息收费0元。",
        "本单位未向申请人收取任何费用。",
        "2023年度，我镇政府信息公开工作无收费情况。",
        "没有收取信息处理费。",
    ],
)
def test_every_real_way_to_say_nothing_was_charged(report, phrase):
    report.text["other"] = phrase
    assert _rules(report, "E-FEE-STATEMENT") == []


@pytest.mark.parametrize("other", ["无。", "本年度无其他需要报告的事项。", "按照《政府信息公开信息处理费管理办法》执行。"])
def test_no_fee_statement_is_still_an_error(report, other):
    report.text["other"] = other
    assert len(_rules(report, "E-FEE-STATEMENT")) == 1


def test_aspects_are_judged_by_the_subsections_not_by_a_list(report):
    report.text["overview"] = (
        "本报告全文包括总体情况、主动公开、依申请公开、政府信息管理、平台建设、监督保障等内容。\n"
        "（一）主动公开。全年主动公开政府信息120条，涉及政策文件、财政预决算等。"
    )
    found = _rules(report, "W-ASPECTS")
    assert len(found) == 1
    for aspect in ("依申请公开", "政府信息管理", "政府信息公开平台建设", "监督保障"):
        assert aspect in found[0]
    assert "：主动公开" not in found[0]


def test_aspects_written_as_subsections_pass(report):
    report.text["overview"] = "\n".join(
        [
            "（一）主动公开。全年主动公开政府信息120条。",
            "（二）依申请公开。全年收到政府信息公开申请3件，均按期答复。",
            "（三）政府信息管理。落实信息发布三审三校、保密审查制度。",
            "（四）平台建设。优化政府网站、政务新媒体和公开栏。",
            "（五）监督保障。将政务公开纳入年度考核，组织培训2次。",
        ]
    )
    assert _rules(report, "W-ASPECTS") == []
