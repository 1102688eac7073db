"""Titles, years, headings and unit levels as real reports print them."""

from __future__ import annotations

import pytest
from conftest import REPORTS, SAMPLES

from bot.checks.validate import validate
from bot.importer import import_bytes, import_path
from bot.importer.titles import read_title, title_span, unit_level

CAOHE = SAMPLES / "township-2023-shandong-caohe.txt"


def _caohe() -> list[str]:
    if not CAOHE.exists():
        pytest.skip("needs ../shared: data/reports/township-2023-shandong-caohe.txt")
    return CAOHE.read_text(encoding="utf-8").split("\n")


@pytest.mark.parametrize(
    "lines, unit, year",
    [
        (["次营镇人民政府", "", "2023 年政府信息公开工作年度报告"], "次营镇人民政府", 2023),
        (["沭阳县发展和改革局2023年政府信息公开年度报告"], "沭阳县发展和改革局", 2023),
        (["2024 年上海市科委政府信息公开工作", "年度报告"], "上海市科委", 2024),
        (["平潭综合实验区2021年度政府信息公开工作年度报告"], "平潭综合实验区", 2021),
        (["关于洪泽区2023年度政府信息公开工作的年度报告"], "洪泽区", 2023),
        (["# 某镇人民政府2023年政府信息公开工作年度报告"], "某镇人民政府", 2023),
        (["**淮安市洪泽区人民政府**", "**2024 年政府信息公开工作年度报告**"], "淮安市洪泽区人民政府", 2024),
        (["首页 > 政务公开 > 年报", "发布日期：2024-01-20", "淮安市洪泽区人民政府", "2023 年政府信息公开工作年度报告"], "淮安市洪泽区人民政府", 2023),
    ],
)
def test_title_forms(lines, unit, year):
    first, end = title_span(lines)
    assert end == len(lines)
    title = read_title([ln for ln in lines[first:end] if ln.strip()])
    assert (title.unit, title.year) == (unit, year)


def test_year_only_in_the_body_says_where_it_came_from():
    lines = _caohe()
    lines[1] = "政府信息公开工作年度报告"  # the title lost its year
    result = import_bytes("\n".join(lines).encode("utf-8"), "caohe.txt")
    assert result.report.year == 2023  # '统计期限自2023年1月1日起…'
    assert any("统计期限" in note for note in result.notes)


@pytest.mark.parametrize(
    "name, level",
    [
        ("次营镇人民政府", "township"),
        ("济宁市兖州区漕河镇人民政府", "township"),
        ("淮安市洪泽区人民政府", "county"),
        ("沭阳县人民政府", "county"),
        ("沭阳县发展和改革局", "county_department"),
        ("沭阳县市场监督管理局", "county_department"),
        ("某县城市管理局", "county_department"),
        ("沭阳县人民政府办公室", "county_department"),
        ("南京市人民政府", "city"),
        ("苏州市发展和改革委员会", "city_department"),
        ("江苏省人民政府", "province"),
        ("江苏省教育厅", "province_department"),
        ("上海市科委", "province_department"),
        ("北京市朝阳区人民政府", "county"),
        ("济宁市兖州区人民政府", "county"),
        ("内蒙古自治区人民政府", "province"),
        ("平潭综合实验区", "other"),
    ],
)
def test_unit_level_from_the_name(name, level):
    assert unit_level(name) == level


def test_county_government_is_not_held_to_township_rules(tmp_path):
    """A county may make 规章 and write 我区: the township-only rules stay quiet for it."""
    lines = _caohe()
    text = "\n".join(lines).replace("济宁市兖州区漕河镇人民政府", "济宁市兖州区人民政府").replace("漕河镇", "我区")
    result = import_bytes(text.encode("utf-8"), "county.txt")
    assert result.report.unit["level"] == "county"
    result.report.cells["table2.REG.made"] = 1
    result.report.cells["table2.REG.valid"] = 1
    rules = {f.rule for f in validate(result.report)}
    assert not rules & {"E-TOWN-REG", "W-WRONG-LEVEL"}
    result.report.unit["level"] = "township"
    assert {"E-TOWN-REG", "W-WRONG-LEVEL"} <= {f.rule for f in validate(result.report)}


@pytest.mark.parametrize(
    "style",
    [lambda h: f"## {h}", lambda h: f"**{h}**", lambda h: f"# {h}：", lambda h: h.replace("、", "．"), lambda h: f"【{h}】"],
    ids=["hashes", "bold", "hash-colon", "fullwidth-dot", "brackets"],
)
def test_heading_forms(style):
    lines = _caohe()
    original = import_bytes("\n".join(lines).encode("utf-8"), "a.txt")
    marked = [style(ln) if ln[:2] in ("一、", "二、", "三、", "四、", "五、", "六、") and len(ln) < 30 else ln for ln in lines]
    result = import_bytes("\n".join(marked).encode("utf-8"), "a.md")
    assert result.report.cells == original.report.cells
    assert result.report.text == original.report.text
    assert not [f for f in result.findings if f.rule == "E-SECTIONS"]


def test_sections_numbered_the_reports_own_way_are_found_by_content_and_reported_once():
    lines = _caohe()
    own = {"二、主动公开": "一、主动公开", "三、收到和处理": "二、收到和处理", "四、政府信息公开行政复议": "三、政府信息公开行政复议",
           "五、存在的主要问题": "四、存在的主要问题", "六、其他需要报告": "五、其他需要报告"}  # fmt: skip
    renumbered = []
    for ln in lines:
        if ln == "一、总体情况":
            continue  # the overview has no heading of its own
        for old, new in own.items():
            if ln.startswith(old):
                ln = new + ln[len(old) :]
        renumbered.append(ln)
    original = import_bytes("\n".join(lines).encode("utf-8"), "a.txt").report
    result = import_bytes("\n".join(renumbered).encode("utf-8"), "own.txt")
    assert result.report.cells == original.cells  # all three tables still read
    assert result.report.text["problems"] == original.text["problems"]
    assert result.report.text["other"] == original.text["other"]
    sections = [f for f in result.findings if f.rule == "E-SECTIONS"]
    assert len([f for f in sections if "编号" in f.message]) == 1
    assert [f for f in sections if "总体情况" in f.message]  # the missing overview heading is still named


def test_pdf_titles_over_two_lines_with_a_space_before_年():
    pdf = REPORTS / "pdf" / "hongze-district-2023.pdf"
    if not pdf.exists():
        pytest.skip("needs ../shared: data/reports/pdf/hongze-district-2023.pdf")
    report = import_path(pdf).report
    assert (report.unit["name"], report.year) == ("洪泽区人民政府", 2023)
