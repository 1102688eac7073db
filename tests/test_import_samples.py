"""The published sample reports import cell by cell, and `check` reports exactly what is wrong with them.

Expected numbers are transcribed by hand from the texts in shared/data/reports (every cell not listed
is 0 as printed; cells listed as None are blank or absent in the source).
"""

from __future__ import annotations

from decimal import Decimal

import pytest
from conftest import SAMPLE_NAMES, report_file

from bot.checks.validate import validate
from bot.importer import import_path

COLS = ("NP", "BIZ", "RES", "NGO", "LAW", "OTHORG", "SUM")


def t3(row: str, *values: int) -> dict[str, int]:
    return {f"table3.{row}.{c}": v for c, v in zip(COLS, values, strict=True)}


def t4(group: str, *values: int | None) -> dict[str, int | None]:
    return {f"table4.{group}.{c}": v for c, v in zip("MCOPT", values, strict=True)}


EXPECTED = {
    "township-2023-shanxi-ciying.txt": {
        "unit": "次营镇人民政府",
        "year": 2023,
        "profile": "national",
        "cells": {**t3("NEW", 1, 0, 0, 0, 0, 0, 1), **t3("FWD", 1, 0, 0, 0, 0, 0, 1), **t4("RV", None, None, None, None, None)},
        "rules": ["E-BLANK"] * 5,
        "texts": {
            "overview": ("（一）主动公开政府信息情况", "发挥社会监督职能。"),
            "problems": ("2023年，我镇政府信息公开工作虽然取得了一些成效", "切实增强人民群众满意度、获得感。"),
            "other": ("本机关 2023 年度未收取政府信息公开信息处理费。", "下载。"),
            "preamble": ("2023 年次营镇以习近平新时代中国特色社会主义思想为指导", "推进政府信息公开工作深入开展。"),
        },
    },
    "township-2023-shandong-caohe.txt": {
        "unit": "济宁市兖州区漕河镇人民政府",
        "year": 2023,
        "profile": "shandong",
        "cells": {},
        "rules": [],
        "texts": {
            "overview": ("今年以来，按照《中华人民共和国政府信息公开条例》要求", "严把业务提升关。"),
            "problems": ("2023年漕河镇政务公开工作取得一定成效", "对于政务公开工作的了解。"),
            "other": ("（一）依据《政府信息公开信息处理费管理办法》收取信息处理费的情况需在此专门报告", "政府网站信息发布情况"),
            "preamble": ("本报告由济宁市兖州区漕河镇人民政府按照", "电话：0537—3822211）。"),
        },
    },
    "township-2022-gansu-guojia.txt": {
        "unit": "郭嘉镇",
        "year": 2022,
        "profile": "national",
        "cells": t3("OTH3", *([None] * 7)),  # type: ignore[arg-type]
        "rules": ["E-T2-SHAPE", "E-T3-SHAPE", "W-ASPECTS", "W-CITATION", "W-WRONG-LEVEL"],
        "texts": {
            "overview": ("2022年，郭嘉镇人民政府认真执行《中华人民共和国政府信息公开条例》规定", "优化提升营商环境。"),
            "problems": ("（一）主要问题\n2022年我镇政务公开工作中存在的主要问题为", "确保政务公开的准确性和一致性。"),
            "other": ("按照《国务院办公厅关于印发", "本年度没有产生信息公开处理费。"),
            "preamble": ("", ""),
        },
    },
    "zone-2021-fujian-pingtan.txt": {
        "unit": "平潭综合实验区",
        "year": 2021,
        "profile": "national",
        "cells": {
            "table2.NORM.made": 69, "table2.NORM.repealed": 3, "table2.NORM.valid": 665,
            "table2.LIC": 2293, "table2.PUN": 1282, "table2.COE": 42, "table2.FEE": Decimal("24252.311082"),
            **t3("NEW", 64, 0, 0, 2, 0, 4, 70), **t3("OPEN", 27, 0, 0, 2, 0, 1, 30), **t3("PART", 5, 0, 0, 0, 0, 0, 5),
            **t3("DEN5", 1, 0, 0, 0, 0, 0, 1), **t3("DEN7", 6, 0, 0, 0, 0, 0, 6), **t3("DEN8", 1, 0, 0, 0, 0, 0, 1),
            **t3("UNA1", 22, 0, 0, 0, 0, 3, 25), **t3("OTH3", 1, 0, 0, 0, 0, 0, 1),
            **t3("TOTAL", 63, 0, 0, 2, 0, 4, 69), **t3("FWD", 1, 0, 0, 0, 0, 0, 1),
            **t4("RV", 1, 0, 2, 0, 3), **t4("LD", 12, 0, 0, 0, 12),
        },
        # 24252.311082 万元 is 242,523,110.82 元: an amount to the cent, not a fee typed in 元 (issue 27)
        "rules": ["W-LENGTH", "W-OTHER-HIGH"],
        "texts": {
            "overview": ("2021年，我区以习近平新时代中国特色社会主义思想为指导", "切实提升我区政务公开质效。"),
            "problems": ("（一）存在的主要问题:政策解读形式不够丰富", "充分发挥政府网站和政务新媒体作用。"),
            "other": ("2021年，无收取信息处理费情况。", "2021年，无收取信息处理费情况。"),
            "preamble": ("根据《中华人民共和国政府信息公开条例》", "电话/传真：0591-23165370。"),
        },
    },
    "zone-2022-fujian-pingtan.txt": {
        "unit": "平潭综合实验区",
        "year": 2022,
        "profile": "national",
        "cells": {
            "table2.NORM.made": 88, "table2.NORM.repealed": 55, "table2.NORM.valid": 698,
            "table2.LIC": 10690, "table2.PUN": 2113, "table2.FEE": Decimal("9116.36"),
            **t3("NEW", 71, 3, 0, 0, 0, 0, 74), **t3("CARRY", 1, 0, 0, 0, 0, 0, 1), **t3("OPEN", 21, 0, 0, 0, 0, 0, 21),
            **t3("PART", 8, 1, 0, 0, 0, 0, 9), **t3("DEN5", 1, 0, 0, 0, 0, 0, 1), **t3("DEN6", 2, 0, 0, 0, 0, 0, 2),
            **t3("DEN7", 1, 0, 0, 0, 0, 0, 1), **t3("UNA1", 37, 0, 0, 0, 0, 0, 37), **t3("OTH1", 2, 0, 0, 0, 0, 0, 2),
            **t3("OTH3", 0, 2, 0, 0, 0, 0, 2), **t3("TOTAL", 72, 3, 0, 0, 0, 0, 75),
            **t4("RV", 0, 1, 1, 0, 2), **t4("LD", 1, 0, 0, 0, 1),
        },
        "rules": ["W-LENGTH", "W-OTHER-HIGH"],
        "texts": {
            "overview": ("2022年，平潭综合实验区坚持以习近平新时代中国特色社会主义思想为指导", "造成不良影响或者严重后果的情况。"),
            "problems": ("2022年，平潭综合实验区政府信息公开工作取得了一定成绩", "提高解读效果。"),
            "other": ("2022年，无收取信息处理费情况。", "2022年，无收取信息处理费情况。"),
            "preamble": ("本报告根据《中华人民共和国政府信息公开条例》", "电话：0591-23165385）。"),
        },
    },
}


@pytest.fixture(scope="module", params=sorted(EXPECTED))
def sample(request):
    return request.param, import_path(report_file(request.param)), EXPECTED[request.param]


def test_every_sample_is_covered():
    assert sorted(SAMPLE_NAMES) == sorted(EXPECTED)
    shared_reports = sorted(p.name for p in report_file("zone-2021-fujian-pingtan.txt").parent.glob("*.txt"))
    assert shared_reports == sorted(EXPECTED)


def test_cells_equal_the_printed_numbers(sample, fmt):
    name, result, expected = sample
    for cell in fmt.cells():
        want = expected["cells"].get(cell.path, Decimal("0") if cell.kind == "money" else 0)
        got = result.report.cells[cell.path]
        assert got == want and type(got) is type(want), f"{name} {cell.path}: got {got!r}, printed {want!r}"


def test_title_unit_year_profile(sample):
    name, result, expected = sample
    assert result.report.unit["name"] == expected["unit"]
    assert result.report.year == expected["year"]
    assert result.report.profile == expected["profile"]


def test_texts_are_whole_and_clean(sample):
    name, result, expected = sample
    for key, (start, end) in expected["texts"].items():
        text = result.report.text[key]
        assert text.startswith(start), (key, text[:80])
        assert text.endswith(end), (key, text[-80:])
        assert "[bookmark" not in text and "[image" not in text
        assert "\t" not in text
    # no table rows leak into the narrative, no heading swallowed into a text
    for text in result.report.text.values():
        assert "本年新收政府信息公开申请数量" not in text
        assert "五、存在的主要问题及改进情况" not in text


def test_check_reports_what_is_wrong_and_nothing_else(sample):
    name, result, expected = sample
    findings = result.findings + validate(result.report, problems=result.problems)
    assert sorted(f.rule for f in findings) == sorted(expected["rules"]), [f.message for f in findings]
    for f in findings:
        assert f.message and f.level in ("error", "warning")


def test_ciying_blank_review_cells_are_named():
    result = import_path(report_file("township-2023-shanxi-ciying.txt"))
    blanks = [f for f in validate(result.report, problems=result.problems) if f.rule == "E-BLANK"]
    assert sorted(c for f in blanks for c in f.cells) == sorted(f"table4.RV.{m}" for m in "MCOPT")
    assert all("表四「行政复议」" in f.message for f in blanks)


def test_gansu_is_reported_as_hybrid_format():
    result = import_path(report_file("township-2022-gansu-guojia.txt"))
    t2 = [f for f in result.findings if f.rule == "E-T2-SHAPE"]
    assert t2 and "2019年试行格式" in t2[0].message and t2[0].cells == [f"table2.NORM.{c}" for c in ("made", "repealed", "valid")]
    t3 = [f for f in result.findings if f.rule == "E-T3-SHAPE"]
    assert t3 and "3.其他" in t3[0].message
    findings = validate(result.report, problems=result.problems)
    level = next(f for f in findings if f.rule == "W-WRONG-LEVEL")
    assert "我区" in level.message and "全区" in level.message
    aspects = next(f for f in findings if f.rule == "W-ASPECTS")
    assert "依申请公开" in aspects.message and "监督保障" in aspects.message
    # the missing row is one shape error, not seven blank-cell errors on top
    assert not [f for f in findings if f.rule == "E-BLANK"]


def test_pingtan_consecutive_years_pass_cross_year_rules():
    before = import_path(report_file("zone-2021-fujian-pingtan.txt")).report
    after = import_path(report_file("zone-2022-fujian-pingtan.txt")).report
    cross = [f for f in validate(after, previous=before) if f.rule in ("W-CARRY-PREV", "W-VALID-CONT", "W-REPEAT")]
    assert cross == []


def test_pingtan_cross_year_rules_fire_when_numbers_disagree():
    before = import_path(report_file("zone-2021-fujian-pingtan.txt")).report
    after = import_path(report_file("zone-2022-fujian-pingtan.txt")).report
    after.cells["table3.CARRY.NP"] = 0
    after.cells["table2.NORM.valid"] = 700
    rules = {f.rule: f for f in validate(after, previous=before)}
    assert rules["W-CARRY-PREV"].cells == ["table3.CARRY.NP"]
    assert (rules["W-CARRY-PREV"].expected, rules["W-CARRY-PREV"].actual) == (1, 0)
    assert rules["W-VALID-CONT"].expected == 665 + 88 - 55 and rules["W-VALID-CONT"].actual == 700
