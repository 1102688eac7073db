"""Builders of reports for tests: all-zero, and random consistent ones (hypothesis strategies)."""

from __future__ import annotations

from decimal import Decimal

from hypothesis import strategies as st

from bot.core.report import Report
from bot.format.definition import load_format

FMT = load_format()
TEXTS = {
    "preamble": "",
    "overview": "（一）主动公开政府信息情况\n本年度主动公开政府信息120条。\n（二）依申请公开政府信息情况\n本年度依法办理依申请公开。\n"
    "（三）政府信息管理\n严格落实保密审查制度。\n（四）政府信息公开平台建设\n持续维护政府网站公开专栏。\n（五）监督保障\n将政务公开纳入考核，开展培训2次。",
    "problems": "一是公开内容不够全面，部分栏目信息更新不及时；二是工作人员业务能力有待提升，对《条例》理解不深。"
    "下一步，我镇将加强业务培训，完善信息发布审核机制，提升公开质量。",
    "other": "本机关{year}年度未收取政府信息公开信息处理费。",
}


def zero_report(year: int = 2024, name: str = "测试镇人民政府") -> Report:
    report = Report.empty(year=year, unit_name=name)
    for path in report.cells:
        report.cells[path] = Decimal("0") if FMT.cell(path).kind == "money" else 0
    report.text = {k: v.format(year=year) for k, v in TEXTS.items()}
    return report


@st.composite
def consistent_reports(
    draw,
    max_count: int = 30,
    *,
    max_year: int = 2030,
    unit: st.SearchStrategy[str] | None = None,
    texts: st.SearchStrategy[str] | None = None,
    fee: st.SearchStrategy[Decimal] | None = None,
) -> Report:
    """A report whose tables satisfy every arithmetic rule: leaves and FWD random, totals derived.

    CARRY is drawn too; NEW is then chosen per column so that NEW + CARRY = TOTAL + FWD holds. The unit's
    name, the four texts and the fee are drawn from the given strategies (default: fixed name and
    texts, a fee in cents).
    """
    year = draw(st.integers(min_value=2021, max_value=max_year))
    report = zero_report(year, draw(unit) if unit is not None else "测试镇人民政府")
    grid = FMT.table3
    parts = [c for c in grid.col_keys if c != "SUM"]
    for col in parts:
        for leaf in grid.leaves():
            report.cells[f"table3.{leaf}.{col}"] = draw(st.integers(0, max_count))
        fwd = draw(st.integers(0, max_count))
        total = sum(report.cells[f"table3.{leaf}.{col}"] for leaf in grid.leaves())
        carry = draw(st.integers(0, total + fwd))
        report.cells[f"table3.FWD.{col}"] = fwd
        report.cells[f"table3.CARRY.{col}"] = carry
        report.cells[f"table3.NEW.{col}"] = total + fwd - carry
    for group in FMT.table4.row_keys:
        for member in ("M", "C", "O", "P"):
            report.cells[f"table4.{group}.{member}"] = draw(st.integers(0, max_count))
    for row in ("NORM",):
        for col in ("made", "repealed", "valid"):
            report.cells[f"table2.{row}.{col}"] = draw(st.integers(0, max_count))
    for key in ("LIC", "PUN", "COE"):
        report.cells[f"table2.{key}"] = draw(st.integers(0, 5000))
    report.cells["table2.FEE"] = draw(fee) if fee is not None else Decimal(draw(st.integers(0, 9999))) / 100
    report.compute_totals()
    if texts is not None:
        for key in ("preamble", "overview", "problems", "other"):
            report.text[key] = draw(texts)
    return report
