"""The .docx read back as XML: font fallbacks, Word 2013+ mode, zh-CN, the 28 × 22 grid, tables like the template."""

from __future__ import annotations

import io
import re
import zipfile
from functools import cache
from pathlib import Path

import pytest
from lxml import etree

from bot.core.report import Report
from bot.format.definition import load_format
from bot.importer import import_path
from bot.render import render_docx
from bot.render.lo_compat import libreoffice_copy
from bot.render.pdf import FONTS_CONF
from bot.render.style import load_style

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
SHARED = Path(__file__).resolve().parents[2] / "shared" / "data"
FMT = load_format()
STYLE = load_style()
TEXT_WIDTH_TWIPS = round(156 * 1440 / 25.4)
WINDOWS_FAMILY = {"仿宋_GB2312": "仿宋", "楷体_GB2312": "楷体", "黑体": "SimHei", "宋体": "SimSun", "方正小标宋简体": "宋体"}
LOCAL_NAME = {"仿宋": "FangSong", "楷体": "KaiTi"}


def zero_report() -> Report:
    report = Report.empty(year=2023, unit_name="次营镇人民政府")
    for path in report.cells:
        report.cells[path] = 0
    report.compute_totals()
    report.text.update(overview="（一）主动公开方面。有序推进。\n（二）依申请公开\n正文。", problems="问题。", other="未收费。")
    return report


@cache
def parts(status: str = "") -> dict[str, bytes]:
    buffer = io.BytesIO()
    render_docx(zero_report(), buffer, status=status)
    with zipfile.ZipFile(buffer) as package:
        return {name: package.read(name) for name in package.namelist()}


def xml(name: str, status: str = "") -> etree._Element:
    return etree.fromstring(parts(status)[name])


def w(element: etree._Element | None, attr: str) -> str | None:
    return None if element is None else element.get(W + attr)


def test_every_chinese_font_has_a_windows_fallback_with_panose_and_gb2312_charset() -> None:
    table = {w(f, "name"): f for f in xml("word/fontTable.xml").iter(W + "font")}
    used = {w(r, "eastAsia") for name in ("word/document.xml", "word/footer1.xml") for r in xml(name).iter(W + "rFonts")}
    assert used <= set(table), used - set(table)
    for name, family in WINDOWS_FAMILY.items():
        entry = table[name]
        assert w(entry.find(W + "altName"), "val") == family
        assert w(entry.find(W + "charset"), "val") == "86"
        assert re.fullmatch(r"[0-9A-F]{20}", w(entry.find(W + "panose1"), "val") or "")
        sig = entry.find(W + "sig")
        assert sig is not None and len(sig.attrib) == 6
    for name, english in LOCAL_NAME.items():
        assert w(table[name].find(W + "altName"), "val") == english
    assert w(table["Times New Roman"].find(W + "panose1"), "val") == "02020603050405020304"


def test_word_2013_mode_and_chinese_language_without_japanese_leftovers() -> None:
    settings = xml("word/settings.xml")
    modes = [s for s in settings.iter(W + "compatSetting") if w(s, "name") == "compatibilityMode"]
    assert [w(s, "val") for s in modes] == ["15"]
    lang = settings.find(W + "themeFontLang")
    assert w(lang, "eastAsia") == "zh-CN"
    default_lang = xml("word/styles.xml").find(f"{W}docDefaults/{W}rPrDefault/{W}rPr/{W}lang")
    assert w(default_lang, "eastAsia") == "zh-CN"
    for name, data in parts().items():
        text = data.decode("utf-8", "replace")
        for leftover in ("ja-JP", "MS Mincho", "MS Gothic", "ＭＳ", "Jpan", "明朝", "ゴシック"):
            assert leftover not in text, (name, leftover)


def test_document_grid_is_28_characters_by_22_lines() -> None:
    grid = xml("word/document.xml").find(f"{W}body/{W}sectPr/{W}docGrid")
    assert w(grid, "type") == "linesAndChars"
    line_pitch, char_space = int(w(grid, "linePitch") or 0), int(w(grid, "charSpace") or 0)
    assert line_pitch == 579  # 28.95 pt: 22 lines on the 225 mm text height
    assert 22 * line_pitch <= round(225 * 1440 / 25.4) < 23 * line_pitch
    pitch_pt = 16 + char_space / 4096  # 三号 body with the grid's extra pitch
    assert 28 * pitch_pt <= TEXT_WIDTH_TWIPS / 20 < 29 * pitch_pt
    normal = next(s for s in xml("word/styles.xml").iter(W + "style") if w(s, "default") == "1" and w(s, "type") == "paragraph")
    assert w(normal.find(f"{W}rPr/{W}sz"), "val") == "32"  # the grid is measured in the Normal style's size
    # Off-grid roles keep their own size: a table character must not take a whole 三号 grid cell.
    for tbl in xml("word/document.xml").iter(W + "tbl"):
        for p in tbl.iter(W + "p"):
            assert w(p.find(f"{W}pPr/{W}snapToGrid"), "val") == "0"


def test_libreoffice_copy_keeps_the_pitch_as_character_spacing() -> None:
    buffer = io.BytesIO()
    render_docx(zero_report(), buffer)
    with zipfile.ZipFile(io.BytesIO(libreoffice_copy(buffer.getvalue()))) as package:
        document = etree.fromstring(package.read("word/document.xml"))
    assert w(document.find(f"{W}body/{W}sectPr/{W}docGrid"), "type") == "lines"
    body_runs = [r for r in document.iter(W + "rPr") if w(r.find(W + "sz"), "val") == "32"]
    assert body_runs and all(w(r.find(W + "spacing"), "val") == "-5" for r in body_runs)
    assert TEXT_WIDTH_TWIPS / 20 >= 28 * (16 - 5 / 20)
    table_runs = [r for r in document.iter(W + "rPr") if w(r.find(W + "sz"), "val") == "20"]
    assert table_runs and all(r.find(W + "spacing") is None for r in table_runs)


def test_fontconfig_maps_every_font_the_document_names_to_a_free_font() -> None:
    conf = etree.parse(str(FONTS_CONF)).getroot()
    mapped = {a.findtext("family") for a in conf.iter("alias")}
    mapped |= {m.findtext("test/string") for m in conf.iter("match")}
    named = {role.east_asia for role in STYLE.roles.values()} | {role.latin for role in STYLE.roles.values()}
    named |= {f.alt for f in STYLE.fonts if f.alt}
    assert named - {"宋体"} <= mapped | {"宋体"} and "宋体" in mapped, named - mapped


# ---- tables -----------------------------------------------------------------------------------


def tables() -> list[etree._Element]:
    return list(xml("word/document.xml").iter(W + "tbl"))


def cells(tbl: etree._Element) -> list[tuple[str, int, etree._Element]]:
    """(text, width in twips, tc) of every cell."""
    out = []
    for tc in tbl.iter(W + "tc"):
        text = "".join(t.text or "" for t in tc.iter(W + "t"))
        out.append((text, int(w(tc.find(f"{W}tcPr/{W}tcW"), "w") or 0), tc))
    return out


def lines(text: str, width_em: float) -> list[str]:
    """The measure of tests: CJK one em, the rest half; closing punctuation never starts a line."""
    closing = set("，。、；：？！）》”’")
    out: list[str] = []
    line, used = "", 0.0
    for ch in text:
        em = 0.5 if ord(ch) < 0x2E80 else 1.0
        if line and used + em > width_em:
            carry = ""
            if ch in closing:
                carry, line = line[-1], line[:-1]
            out.append(line)
            line, used = carry, len(carry)
        line += ch
        used += em
    return [*out, line] if line else out


def lonely_characters(document: etree._Element) -> tuple[list[tuple[str, list[str]]], int]:
    """(cells whose text leaves one character alone on its last line, cells measured)."""
    margin = round(STYLE.tables.cell_margin_mm * 1440 / 25.4)
    lonely, checked = [], 0
    for tbl in document.iter(W + "tbl"):
        for text, width, tc in cells(tbl):
            if not text:
                continue
            size_pt = int(w(tc.find(f".//{W}sz"), "val") or 0) / 2
            width_em = (width - 2 * margin - 40) / (size_pt * 20)  # 40 twips: borders and rounding
            broken = lines(text, width_em)
            if len(broken) > 1 and len(broken[-1]) == 1:
                lonely.append((text, broken))
            checked += 1
    return lonely, checked


def test_no_label_leaves_a_single_character_on_its_last_line() -> None:
    lonely, checked = lonely_characters(xml("word/document.xml"))
    assert lonely == []
    assert checked > 100


def test_column_widths_fill_the_text_width_and_follow_the_template() -> None:
    t2, t3, t4 = tables()
    grids = [[int(w(c, "w") or 0) for c in t.iter(W + "gridCol")] for t in (t2, t3, t4)]
    for grid in grids:
        assert sum(grid) == TEXT_WIDTH_TWIPS
    assert max(grids[0]) - min(grids[0]) <= 1 and max(grids[2]) - min(grids[2]) <= 1  # equal, as the template
    group1, group2, label, *data = grids[1]
    assert label > 0.3 * TEXT_WIDTH_TWIPS  # the template's row-label column: a third of the table
    assert group1 < group2 < label and all(d < group2 for d in data)
    # 自然人 three characters a line, 商业企业 two and two: never one alone
    assert data[0] > data[1]


def test_table2_section_rows_shaded_and_labels_centred_as_the_template() -> None:
    t2 = tables()[0]
    for text, _, tc in cells(t2):
        shading = tc.find(f"{W}tcPr/{W}shd")
        jc = w(tc.find(f"{W}p/{W}pPr/{W}jc"), "val")
        if text.startswith("第二十条"):
            assert shading is not None and w(shading, "fill") == "C6D9F1" and jc == "left"
        else:
            assert shading is None and jc == "center", text


def test_table3_labels_left_and_numbers_centred() -> None:
    t3 = tables()[1]
    for text, _, tc in cells(t3):
        jc = w(tc.find(f"{W}p/{W}pPr/{W}jc"), "val")
        if text.isdigit() or text in ("申请人情况", "自然人", "总计"):
            assert jc == "center"
        elif text.startswith(("一、", "三、", "（三）", "1.")):
            assert jc == "left", text


@pytest.mark.skipif(not (SHARED / "reports").exists(), reason="needs ../shared: the sample reports")
def test_labels_fit_in_every_sample_report() -> None:
    for path in sorted((SHARED / "reports").glob("*.txt")):
        buffer = io.BytesIO()
        render_docx(import_path(path).report, buffer)
        with zipfile.ZipFile(buffer) as package:
            document = etree.fromstring(package.read("word/document.xml"))
        for tbl in document.iter(W + "tbl"):
            assert sum(int(w(c, "w") or 0) for c in tbl.iter(W + "gridCol")) == TEXT_WIDTH_TWIPS, path.name
        assert lonely_characters(document)[0] == [], path.name
