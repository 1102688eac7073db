"""The same report read from every form it is published in: a .docx rendered by the project, converted by
LibreOffice to HTML, .doc, .wps and PDF; pipe-table and space-aligned texts of the sample reports.
Every form gives the same cells; where a form cannot show a cell (a blank in space-aligned text) the
cell stays empty and the row is reported, never guessed."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest
from conftest import REPORTS
from conftest import SAMPLES as SAMPLE_DIR

from bot.core.report import Report
from bot.format.definition import load_format
from bot.importer import import_bytes, import_path
from bot.importer.cells import rows_from_lines
from bot.importer.sections import heading_of
from bot.render import render_docx
from bot.render.pages import pdf_bytes

HONGZE = REPORTS / "pdf" / "hongze-district-2023.json"
# every sample report: ../shared's when beside the clone, else the three the project carries
READ_SAMPLES = sorted(REPORTS.glob("*.txt") if REPORTS.is_dir() else SAMPLE_DIR.glob("*.txt"))


def _need(path: Path) -> None:
    if not path.exists():
        pytest.skip(f"needs ../shared: {path.relative_to(REPORTS.parent.parent.parent)}")


@pytest.fixture(scope="module")
def forms(tmp_path_factory) -> dict[str, Path]:
    """hz.docx rendered from the hand-checked JSON, and LibreOffice's .html, .doc, .pdf of it (built once)."""
    _need(HONGZE)
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if soffice is None:
        pytest.skip("needs LibreOffice (soffice) to convert the rendered .docx")
    work = tmp_path_factory.mktemp("forms")
    docx = work / "hz.docx"
    render_docx(import_path(HONGZE).report, docx)
    out = {"docx": docx}
    for target, ext in (("html", "html"), ("doc:MS Word 97", "doc")):
        subprocess.run(
            [soffice, f"-env:UserInstallation={(work / 'profile').as_uri()}", "--headless", "--convert-to", target, "--outdir", str(work), str(docx)],
            capture_output=True, timeout=120, check=True,
        )  # fmt: skip
        out[ext] = work / f"hz.{ext}"
        assert out[ext].stat().st_size > 1000
    # the PDF as the product makes it (bot/render: LibreOffice with the project's fonts and its grid fix)
    out["pdf"] = work / "hz.pdf"
    out["pdf"].write_bytes(pdf_bytes(docx.read_bytes()))
    out["wps"] = work / "hz.wps"
    shutil.copyfile(out["doc"], out["wps"])  # WPS saves its .wps in the same OLE compound format
    return out


def _same_cells(got: Report, want: Report) -> None:
    assert {p: got.cells[p] for p in want.cells if got.cells[p] != want.cells[p]} == {}


@pytest.mark.parametrize("form", ["docx", "html", "doc", "wps", "pdf"])
def test_every_form_of_the_rendered_report_reads_the_same(forms, form):
    want = import_path(HONGZE).report
    got = import_path(forms[form]).report
    _same_cells(got, want)
    assert (got.unit["name"], got.year, got.unit["level"]) == ("淮安市洪泽区人民政府", 2023, "county")
    assert got.text["other"] == want.text["other"]


def test_a_saved_web_page_is_read_from_its_article_body(forms):
    """A real page: GBK, navigation, a layout table, scripts, a footer; the title only in <title>."""
    page = forms["html"].read_text(encoding="utf-8")
    body = page[page.index("<body") : page.index("</body>")]
    body = body[body.index(">") + 1 :]
    body = re.sub(r"^\s*<p.*?</p>\s*<p.*?</p>", "", body, count=1, flags=re.S)  # the two title lines gone
    assert "年度报告" not in body[:3000]
    wrapped = (
        '<html><head><meta http-equiv="Content-Type" content="text/html; charset=gb2312">'
        "<title>淮安市洪泽区人民政府2023年政府信息公开工作年度报告_淮安市洪泽区人民政府</title>"
        '<script>document.write("<p>一、总体情况</p>")</script></head><body>'
        '<div class="nav"><a href="/">首页</a> &gt; <a>政务公开</a> &gt; 年度报告</div>'
        "<table><tr><td><div>发布日期：2024-01-20 来源：区政府办</div></td></tr>"
        f'<tr><td><div class="TRS_Editor">{body}</div></td></tr></table>'
        '<div class="footer">主办：洪泽区人民政府办公室 总体情况 网站标识码</div></body></html>'
    )
    got = import_bytes(wrapped.encode("gb18030"), "page.html")
    want = import_path(HONGZE).report
    _same_cells(got.report, want)
    assert (got.report.unit["name"], got.report.year) == ("淮安市洪泽区人民政府", 2023)
    assert got.report.text["overview"] == want.text["overview"]
    assert "首页" not in got.report.text["preamble"] and "主办" not in got.report.text["other"]


def _variant(text: str, style: str) -> str:
    """The sample with its tab-separated tables rewritten as pipe tables or space-aligned columns."""
    fmt = load_format()
    out: list[str] = []
    block: list[str] = []
    in_table = False

    def emit() -> None:
        tabbed = [i for i, ln in enumerate(block) if "\t" in ln]
        if not tabbed:
            out.extend(block)
            return
        out.extend(block[: tabbed[0]])
        for row in rows_from_lines(block[tabbed[0] : tabbed[-1] + 1]):
            cells = [c.strip() for c in row]
            out.append("| " + " | ".join(cells) + " |" if style == "pipe" else "    ".join(c for c in cells if c))
        out.extend(block[tabbed[-1] + 1 :])

    for line in text.replace("\r\n", "\n").split("\n"):
        section = heading_of(line, fmt)
        if section:
            if in_table:
                emit()
            block, in_table = [], bool(section.table)
            out.append(line)
        elif in_table:
            block.append(line)
        else:
            out.append(line)
    if in_table:
        emit()
    return "\n".join(out)


@pytest.mark.parametrize("style", ["pipe", "space"])
@pytest.mark.parametrize("sample", [p.name for p in READ_SAMPLES])
def test_pipe_and_space_aligned_tables_read_like_the_tabbed_original(sample, style):
    _need(REPORTS / sample)
    original = import_path(REPORTS / sample)
    text = _variant((REPORTS / sample).read_text(encoding="utf-8"), style)
    assert "\t" not in text
    got = import_bytes(text.encode("utf-8"), "report.md" if style == "pipe" else "report.txt")
    assert got.report.text == original.report.text
    differ = {p: (got.report.cells[p], v) for p, v in original.report.cells.items() if got.report.cells[p] != v}
    if style == "pipe" or sample != "township-2023-shanxi-ciying.txt":
        assert differ == {}
    else:
        # 次营镇 leaves 表四 cells blank: space-aligned text cannot show where, so the row is not read and is reported.
        assert differ and all(value is None for value, _ in differ.values())
        assert any(f.rule == "W-UNREAD" and f.cells[0].startswith("table4.") for f in got.findings)
        assert not any(f.rule == "E-T4-SHAPE" for f in got.findings)  # the reader's gap, not the report's error


def test_wrapped_labels_and_numbers_on_their_own_line():
    text = "\n".join(
        [
            "某镇人民政府2023年政府信息公开工作年度报告",
            "一、总体情况",
            "全年主动公开信息12条。",
            "三、收到和处理政府信息公开申请情况",
            "一、本年新收政府信息公开申请数量        3   0   0   0   0   0   3",
            "（二）部分公开（区分处理的，只计这一情 形，不",
            "计其他情形）",
            "                                        1   0   0   0   0   0   1",
            "5.要求行政机关确认或重 新出具",
            "已获取信息",
            "                                        0   0   0   0   0   0   0",
            "（四）无法提供",
            "2.没有现成信息需要另行制作       2   0   0   0  0   2",
            "- 3 -",
        ]
    )
    result = import_bytes(text.encode("utf-8"), "r.txt")
    cells = result.report.cells
    assert [cells[f"table3.NEW.{c}"] for c in ("NP", "SUM")] == [3, 3]
    assert [cells[f"table3.PART.{c}"] for c in ("NP", "SUM")] == [1, 1]
    assert cells["table3.NOP5.NP"] == 0
    # Six numbers for a row of seven: which column lacks one cannot be known, so none is taken.
    assert cells["table3.UNA2.NP"] is None and cells["table3.UNA2.SUM"] is None
    unread = [f for f in result.findings if f.rule == "W-UNREAD" and "没有现成信息" in f.message]
    assert unread and unread[0].level == "warning" and "2 0 0 0 0 2" in unread[0].message
    assert any("读到6个" in note for note in result.notes)


def test_a_pdf_with_borderless_space_aligned_tables_never_misplaces_a_number(tmp_path):
    """Text laid out with spaces and printed to PDF: the column gaps survive; a row the page wrapped is
    reported instead of read, and every number that is read is the printed one."""
    sample = SAMPLE_DIR / "township-2023-shandong-caohe.txt"
    _need(sample)
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if soffice is None:
        pytest.skip("needs LibreOffice (soffice) to print the text to PDF")
    text = tmp_path / "caohe.txt"
    text.write_text(_variant(sample.read_text(encoding="utf-8"), "space"), encoding="utf-8")
    subprocess.run(
        [soffice, f"-env:UserInstallation={(tmp_path / 'profile').as_uri()}", "--headless", "--convert-to", "pdf", "--outdir", str(tmp_path), str(text)],
        capture_output=True, timeout=120, check=True,
    )  # fmt: skip
    original = import_path(sample).report
    got = import_path(tmp_path / "caohe.pdf")
    differ = {p: got.report.cells[p] for p, v in original.cells.items() if got.report.cells[p] != v}
    assert all(value is None for value in differ.values())
    assert {p: got.report.cells[p] for p in original.cells if p.startswith(("table2.", "table4."))} == {
        p: v for p, v in original.cells.items() if p.startswith(("table2.", "table4."))
    }
    assert len(differ) <= 21 and all(f.rule in ("W-UNREAD",) for f in got.findings)
