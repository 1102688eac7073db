"""Rules on real phrasing (issue 27, item 5): an unopened bracket in a citation, year slips and breakdowns
in every section's text, overlapping lists not summed, years naming another document, a fee in a table."""

from __future__ import annotations

from factories import zero_report

from bot.checks.validate import validate
from bot.importer import import_bytes


def _rules(report) -> dict[str, list]:
    out: dict[str, list] = {}
    for f in validate(report):
        out.setdefault(f.rule, []).append(f)
    return out


def test_a_closing_bracket_with_no_opening_in_a_citation_is_a_finding():
    r = zero_report(2023)
    r.text["other"] += "\n按照国办公开办函2021〕30号要求编制本报告。"
    found = _rules(r).get("W-CITATION", [])
    assert len(found) == 1 and "〕" in found[0].message and "〔" in found[0].message
    r = zero_report(2023)
    r.text["other"] += "\n依据中华人民共和国政府信息公开条例》第五十条编制。"
    assert len(_rules(r).get("W-CITATION", [])) == 1


def test_a_list_ordinal_closing_bracket_is_not_a_citation():
    r = zero_report(2023)
    r.text["problems"] += "\n改进措施：1）加强培训；2）完善制度。"
    assert "W-CITATION" not in _rules(r)


def test_year_slips_are_checked_in_the_preamble_too():
    r = zero_report(2023)
    r.text["preamble"] = "本报告根据2021年度我镇政府信息公开工作情况编制。"
    slips = _rules(r).get("W-YEAR", [])
    assert [f.cells for f in slips] == [["text.preamble"]]


def test_a_year_naming_another_document_is_no_slip():
    r = zero_report(2023)
    r.text["overview"] += "\n按照2022年度考核要求和2021年预算安排，做好公开工作。"
    assert "W-YEAR" not in _rules(r)


def test_overlapping_parts_are_not_summed_against_their_whole():
    r = zero_report(2023)
    r.text["overview"] += "\n全年主动公开信息100条，其中政策文件60条，涉及民生事项50条。"
    assert "W-TXT-BREAKDOWN" not in _rules(r)
    r = zero_report(2023)
    r.text["overview"] += "\n全年主动公开信息100条，其中政策文件60条、民生事项50条。"
    assert "W-TXT-BREAKDOWN" in _rules(r)


def test_a_fee_reported_in_a_table_of_its_own_is_the_fee_statement():
    r = zero_report(2023)
    html = f"""<html><body><h1>{r.title()}</h1>
    <h2>一、总体情况</h2><p>全年主动公开信息12条。</p>
    <h2>五、存在的主要问题及改进情况</h2><p>问题：公开不够及时。措施：加强审核。</p>
    <h2>六、其他需要报告的事项</h2><p>本年度其他事项如下。</p>
    <table><tr><td>收取信息处理费情况</td><td>件数</td><td>金额（元）</td></tr><tr><td>信息处理费</td><td>0</td><td>0</td></tr></table>
    </body></html>"""
    result = import_bytes(html.encode("utf-8"), "r.html")
    assert "信息处理费 0 0" in result.report.text["other"]
    assert "E-FEE-STATEMENT" not in {f.rule for f in validate(result.report, problems=result.problems)}


def _group_as_one_row(total_delta: int = 0):
    """A township's text with 表三 （六） printed as one row (2019 layout) holding the sum of its three rows."""
    import re

    from forms import as_text, truth

    want = truth("township-2023-shanxi-ciying.txt")
    grid = want.format.table3
    sums = [sum(want.cells[f"table3.OTH{n}.{c}"] for n in (1, 2, 3)) for c in grid.col_keys]
    lines = as_text(want).splitlines()
    first = next(i for i, ln in enumerate(lines) if ln.startswith("（六）其他处理"))
    last = next(i for i, ln in enumerate(lines) if ln.startswith("3.其他"))
    lines[first : last + 1] = ["（六）其他处理  " + "  ".join(map(str, sums))]
    text = "\n".join(lines)
    if total_delta:
        line = next(ln for ln in lines if ln.startswith("（七）总计"))
        numbers = line.split()[1:]
        numbers[0] = str(int(numbers[0]) + total_delta)
        text = text.replace(line, "（七）总计  " + "  ".join(numbers))
    assert re.search(r"（六）其他处理  \d", text)
    return import_bytes(text.encode("utf-8"), "report.txt")


def test_a_group_printed_as_one_row_is_one_finding_and_summed_as_its_parts():
    result = _group_as_one_row()
    findings = result.findings + validate(result.report, problems=result.problems)
    shape = [f for f in findings if f.rule == "E-T3-SHAPE"]
    assert len(shape) == 1 and "2019年试行格式" in shape[0].message
    assert not [f for f in findings if f.rule in ("E-T3-TOTAL", "E-BLANK", "W-UNREAD")]
    result = _group_as_one_row(total_delta=1)
    totals = [f for f in validate(result.report, problems=result.problems) if f.rule == "E-T3-TOTAL"]
    assert len(totals) == 1 and totals[0].actual == totals[0].expected + 1
