"""The finished .docx: page, type, the three tables against the official blank template, round trip."""

from __future__ import annotations

import dataclasses
import io
import re
import zipfile
from decimal import Decimal
from functools import cache
from pathlib import Path

import docx
import pytest
from conftest import SAMPLE_NAMES, report_file, shared
from docx.document import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING
from docx.oxml.ns import qn
from docx.shared import Mm, Pt
from factories import consistent_reports
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.core.numbers import display, format_decimal
from bot.core.report import Report
from bot.format.definition import Grid, load_format
from bot.importer import import_bytes, import_path
from bot.importer.sections import paragraphs
from bot.importer.source import Para
from bot.render import render_docx
from bot.render.docx import is_subheading

REPORT_FILES = [Path(name) for name in SAMPLE_NAMES]
FMT = load_format()
THEME = [qn(f"w:{a}") for a in ("asciiTheme", "eastAsiaTheme", "hAnsiTheme")]
LATIN = "Times New Roman"
TEXT_WIDTH_TWIPS = round(156 * 1440 / 25.4)


@cache
def sample(name: str) -> Report:
    return import_path(report_file(name)).report


def render_bytes(report: Report) -> bytes:
    buffer = io.BytesIO()
    render_docx(report, buffer)
    return buffer.getvalue()


def render(report: Report) -> Document:
    return docx.Document(io.BytesIO(render_bytes(report)))


@cache
def ciying_doc() -> Document:
    return render(sample("township-2023-shanxi-ciying.txt"))


def complete_report(value: int = 0, fee: Decimal = Decimal("0")) -> Report:
    report = Report.empty(year=2023, unit_name="次营镇人民政府")
    for path in report.cells:
        report.cells[path] = value
    report.cells["table2.FEE"] = fee
    report.compute_totals()
    report.text.update(overview="（一）主动公开政府信息情况\n本年度公开信息66条。", problems="问题。", other="未收费。")
    return report


def fonts(run) -> dict[str, str]:  # type: ignore[no-untyped-def]
    rfonts = run._r.rPr.rFonts
    return {k.rsplit("}", 1)[-1]: v for k, v in rfonts.attrib.items()}


def assert_run_type(run, east_asia: str, size_pt: float, latin: str = LATIN) -> None:  # type: ignore[no-untyped-def]
    f = fonts(run)
    assert f["eastAsia"] == east_asia
    assert f["ascii"] == latin and f["hAnsi"] == latin
    assert not any(t in run._r.rPr.rFonts.attrib for t in THEME)
    assert run.font.size == Pt(size_pt)


def paragraph(document: Document, text: str):  # type: ignore[no-untyped-def]
    return next(p for p in document.paragraphs if p.text == text)


def squash(text: str) -> str:
    return re.sub(r"\s+", "", text)


def shape(table) -> list[list[tuple[int, str | None]]]:  # type: ignore[no-untyped-def]
    """Per row, (gridSpan, vMerge) of each w:tc."""
    return [[(tc.grid_span, tc.vMerge) for tc in tr.tc_lst] for tr in table._tbl.tr_lst]


def texts(table) -> list[list[str]]:  # type: ignore[no-untyped-def]
    return [[squash(tc.xpath("string(.)")) for tc in tr.tc_lst] for tr in table._tbl.tr_lst]


# ---- page -------------------------------------------------------------------------------------


def test_page_is_a4_with_gbt9704_margins() -> None:
    section = ciying_doc().sections[0]
    for actual, mm in (
        (section.page_width, 210),
        (section.page_height, 297),
        (section.top_margin, 37),
        (section.bottom_margin, 35),
        (section.left_margin, 28),
        (section.right_margin, 26),
    ):
        assert abs(actual - Mm(mm)) <= Mm(0.1)


def test_page_numbers_are_dashed_page_fields_in_song_14pt() -> None:
    document = ciying_doc()
    assert document.settings.odd_and_even_pages_header_footer
    section = document.sections[0]
    for footer, align in ((section.footer, WD_ALIGN_PARAGRAPH.RIGHT), (section.even_page_footer, WD_ALIGN_PARAGRAPH.LEFT)):
        p = footer.paragraphs[0]
        assert p.alignment == align
        instr = "".join(p._p.xpath(".//w:instrText/text()"))
        assert instr.strip() == "PAGE"
        assert [f.get(qn("w:fldCharType")) for f in p._p.xpath(".//w:fldChar")] == ["begin", "separate", "end"]
        assert p.text.startswith("— ") and p.text.endswith(" —")
        for run in p.runs:
            assert_run_type(run, "宋体", 14, latin="宋体")


# ---- type -------------------------------------------------------------------------------------


def test_long_title_is_two_centred_lines_in_xiaobiaosong() -> None:
    document = ciying_doc()
    first, second = document.paragraphs[:2]
    assert (first.text, second.text) == ("次营镇人民政府", "2023年政府信息公开工作年度报告")
    assert document.core_properties.title == "次营镇人民政府2023年政府信息公开工作年度报告"
    for p in (first, second):
        assert p.alignment == WD_ALIGN_PARAGRAPH.CENTER
        assert_run_type(p.runs[0], "方正小标宋简体", 22)


def test_short_title_is_one_line() -> None:
    document = render(sample("township-2022-gansu-guojia.txt"))
    assert document.paragraphs[0].text == "郭嘉镇2022年政府信息公开工作年度报告"
    assert not document.paragraphs[1].text.endswith("年度报告")


def test_level1_headings_come_from_the_definition_in_heiti() -> None:
    document = ciying_doc()
    for section in FMT.sections:
        p = paragraph(document, section.full_heading)
        assert_run_type(p.runs[0], "黑体", 16)
        assert p.paragraph_format.keep_with_next


def test_level2_headings_in_kaiti_and_body_in_fangsong() -> None:
    document = ciying_doc()
    heading = paragraph(document, "（一）主动公开政府信息情况")
    assert_run_type(heading.runs[0], "楷体_GB2312", 16)
    body = next(p for p in document.paragraphs if p.text.startswith("我们充分运用平台"))
    assert_run_type(body.runs[0], "仿宋_GB2312", 16)
    for p in (heading, body):
        fmt = p.paragraph_format
        assert fmt.line_spacing_rule == WD_LINE_SPACING.EXACTLY
        assert fmt.line_spacing == Pt(28.95)
        assert fmt.first_line_indent == Pt(32)  # two characters of 三号
        assert p._p.pPr.find(qn("w:ind")).get(qn("w:firstLineChars")) == "200"


def test_no_theme_fonts_anywhere_and_every_run_names_its_fonts() -> None:
    data = render_bytes(sample("township-2023-shanxi-ciying.txt"))
    with zipfile.ZipFile(io.BytesIO(data)) as package:
        for name in package.namelist():
            if name.startswith("word/") and name.endswith(".xml"):
                assert not re.search(rb"(ascii|eastAsia|hAnsi|cs)Theme=", package.read(name)), name
        assert "docProps/thumbnail.jpeg" not in package.namelist()
    document = docx.Document(io.BytesIO(data))
    for r in document.element.body.iter(qn("w:r")):
        rfonts = r.rPr.rFonts
        assert rfonts.get(qn("w:ascii")) and rfonts.get(qn("w:hAnsi")) and rfonts.get(qn("w:eastAsia"))
    defaults = document.styles.element.find(qn("w:docDefaults")).find(qn("w:rPrDefault"))[0].find(qn("w:rFonts"))
    assert defaults.get(qn("w:ascii")) == LATIN and defaults.get(qn("w:eastAsia")) == "仿宋_GB2312"


def test_table_cells_in_song_10pt_as_the_template_and_its_note_in_kaiti() -> None:
    table3 = FMT.table("table3")
    assert isinstance(table3, Grid)
    for table in ciying_doc().tables:
        runs = [run for row in table.rows for cell in row.cells for p in cell.paragraphs for run in p.runs]
        assert runs
        for run in runs:
            if run.text == table3.corner:
                assert_run_type(run, "楷体_GB2312", 10)
            else:
                assert_run_type(run, "宋体", 10)


# ---- tables -----------------------------------------------------------------------------------


def test_tables_have_the_merged_layout_and_labels_of_the_official_template() -> None:
    template = docx.Document(str(shared("data/official-blank-format-2021.docx"))).tables
    ours = ciying_doc().tables
    assert len(ours) == len(template) == 3
    for mine, official, (nrows, ncols) in zip(ours, template, ((14, 4), (28, 10), (4, 15)), strict=True):
        assert len(mine._tbl.tr_lst) == nrows
        assert len(mine._tbl.tblGrid.gridCol_lst) == ncols
        assert shape(mine) == shape(official)
        for my_row, row in zip(texts(mine), texts(official), strict=True):
            for my_text, text in zip(my_row, row, strict=True):
                if text:
                    assert my_text == text
                else:
                    assert my_text == "" or my_text.isdigit()


def test_tables_fit_the_text_width_with_explicit_widths() -> None:
    for table in ciying_doc().tables:
        tbl = table._tbl
        grid = [int(c.get(qn("w:w"))) for c in tbl.tblGrid.gridCol_lst]
        assert sum(grid) == TEXT_WIDTH_TWIPS
        assert int(tbl.tblPr.find(qn("w:tblW")).get(qn("w:w"))) == TEXT_WIDTH_TWIPS
        assert tbl.tblPr.find(qn("w:tblLayout")).get(qn("w:type")) == "fixed"
        for tr in tbl.tr_lst:
            col = 0
            for tc in tr.tc_lst:
                assert tc.width == sum(grid[col : col + tc.grid_span]) * 635
                col += tc.grid_span


def test_header_rows_repeat_and_rows_do_not_split() -> None:
    document = ciying_doc()
    for table, header_rows in zip(document.tables, (0, 3, 3), strict=True):
        for i, tr in enumerate(table._tbl.tr_lst):
            assert tr.trPr.find(qn("w:cantSplit")) is not None
            assert (tr.trPr.find(qn("w:tblHeader")) is not None) == (i < header_rows)


def test_every_value_is_printed_zero_included_and_fee_exactly() -> None:
    fee = Decimal("18651.060")
    document = render(complete_report(0, fee))
    t2, t3, t4 = document.tables
    assert texts(t2)[-1] == ["行政事业性收费", format_decimal(fee)] == ["行政事业性收费", "18651.06"]
    assert texts(t2)[2] == ["规章", "0", "0", "0"]
    for row in texts(t3)[3:]:
        assert row[-7:] == ["0"] * 7
    assert texts(t4)[-1] == ["0"] * 15


def test_values_land_in_their_cells() -> None:
    report = complete_report(0)
    report.cells["table3.DEN6.LAW"] = 7
    report.cells["table4.LR.C"] = 3
    report.cells["table2.NORM.repealed"] = 5
    report.cells["table2.PUN"] = 12
    document = render(report)
    t2, t3, t4 = (texts(t) for t in document.tables)
    den6 = next(r for r in t3 if "6.属于四类过程性信息" in r)
    assert den6[-7:] == ["0", "0", "0", "0", "7", "0", "0"]
    assert t4[-1][11] == "3"
    assert t2[3] == ["行政规范性文件", "0", "5", "0"]
    assert t2[9] == ["行政处罚", "12"]


def test_display() -> None:
    assert display(0) == "0"
    assert display(None) == ""
    assert display(Decimal("0E-8")) == "0"
    assert display(Decimal("24252.311082")) == "24252.311082"


def test_layout_follows_a_changed_definition() -> None:
    """Fewer applicant columns and no 行政诉讼 super header: the tables change without code changes."""
    t3 = dataclasses.replace(FMT.table3, columns=tuple(c for c in FMT.table3.columns if c.key != "RES"))
    t4 = dataclasses.replace(FMT.table4, rows=tuple(dataclasses.replace(r, super=None) for r in FMT.table4.rows))
    variant = dataclasses.replace(FMT, table3=t3, table4=t4)
    report = Report.empty(year=2024, unit_name="某镇人民政府", fmt=variant)
    document = render(report)
    _, table3, table4 = document.tables
    assert shape(table3)[1] == [(3, "continue"), (1, "restart"), (4, None), (1, "restart")]
    assert len(table3._tbl.tblGrid.gridCol_lst) == 9
    assert shape(table4)[0] == [(5, None)] * 3
    assert texts(table4)[0] == ["行政复议", "未经复议直接起诉", "复议后起诉"]
    assert len(table4._tbl.tr_lst) == 3


# ---- narrative --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("line", "heading"),
    [
        ("（一）主动公开政府信息情况", True),
        ("(二)依申请公开", True),
        ("（一）依据《政府信息公开信息处理费管理办法》收取信息处理费的情况需在此专门报告", True),
        ("（一）存在的主要问题:政策解读形式不够丰富，未能充分运用数字化、图表图解等方式通俗易懂地解读政策文件。", False),
        ("一是加强组织领导。", False),
        ("截至2023年12月31日，我镇公开66条信息。", False),
    ],
)
def test_subheading_lines(line: str, heading: bool) -> None:
    assert is_subheading(line) is heading


def test_one_paragraph_per_line_and_preamble_after_title() -> None:
    report = sample("township-2023-shandong-caohe.txt")
    document = render(report)
    body = [p.text for p in document.paragraphs if p.text]
    start = body.index("2023年政府信息公开工作年度报告") + 1
    end = body.index(FMT.sections[0].full_heading)
    assert body[start:end] == report.text["preamble"].split("\n")
    other = body[body.index(next(s for s in FMT.sections if s.key == "other").full_heading) + 1 :]
    assert other == report.text["other"].split("\n")


def test_shandong_items_are_level2_headings() -> None:
    report = sample("township-2023-shandong-caohe.txt")
    assert report.profile == "shandong"
    document = render(report)
    kaiti = [p.text for p in document.paragraphs if p.runs and fonts(p.runs[0])["eastAsia"] == "楷体_GB2312"]
    for item in FMT.profiles["shandong"].other_items:
        assert any(text.startswith(item[:12]) for text in kaiti), item


def test_bad_input_does_not_crash() -> None:
    report = Report.empty()
    report.text["other"] = "含有控制字符\x0b\x00的文字\n\n  \n（一）"
    document = render(report)
    assert [p.text for p in document.paragraphs if p.text in {s.full_heading for s in FMT.sections}] == [
        s.full_heading for s in FMT.sections
    ]
    assert any(p.text == "含有控制字符的文字" for p in document.paragraphs)
    t2, t3, t4 = (texts(t) for t in document.tables)
    assert t2[2] == ["规章", "", "", ""] and t4[-1] == [""] * 15


def test_render_to_a_path(tmp_path: Path) -> None:
    out = tmp_path / "年报.docx"
    render_docx(complete_report(), out)
    assert docx.Document(str(out)).tables


# ---- round trip -------------------------------------------------------------------------------


def assert_round_trip(report: Report) -> None:
    back = import_bytes(render_bytes(report), "x.docx").report
    assert back.year == report.year
    assert back.unit["name"] == report.unit["name"]
    assert back.cells == report.cells
    for key in ("preamble", "overview", "problems", "other"):
        assert back.text[key] == report.text[key], key
    assert back.profile == report.profile


@pytest.mark.parametrize("path", REPORT_FILES, ids=lambda p: p.stem)
def test_round_trip_of_the_sample_reports(path: Path) -> None:
    assert_round_trip(sample(path.name))


CHARS = "的政府信息公开工作我镇本年度共收到申请件条平台网站培训考核监督保障落实推进abcXYZ0123456789，。；：“”《》 "
LINE = st.tuples(
    st.sampled_from(["", "（一）", "（二）", "一是", "1.", "下一步，"]),
    st.text(alphabet=CHARS, min_size=1, max_size=70),
).map("".join)
TEXT = st.lists(LINE, max_size=6).map(lambda lines: paragraphs([Para(line) for line in lines]))
UNIT = st.one_of(
    st.sampled_from(["次营镇人民政府", "郭嘉镇", "平潭综合实验区", "济宁市兖州区漕河镇人民政府", "东城街道办事处"]),
    st.text(alphabet="东西南北山河新城关镇乡街道人民政府办事处", min_size=2, max_size=16),
)
FEE = st.integers(0, 6).flatmap(lambda places: st.decimals(min_value=0, max_value=10**6, places=places))


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(consistent_reports(60, max_year=2100, unit=UNIT, texts=TEXT, fee=FEE))
def test_round_trip_of_random_consistent_reports(report: Report) -> None:
    assert None not in report.cells.values()
    assert_round_trip(report)


def test_round_trip_keeps_a_paragraph_without_closing_punctuation() -> None:
    report = complete_report()
    report.text["problems"] = "我镇政务公开工作还存在一些不足之处需要认真加以改进\n部分信息更新不够及时。"
    assert_round_trip(report)
