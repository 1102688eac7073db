"""The pages as LibreOffice prints them: every sample report to PDF and PNG, read back with poppler.

Word boxes come from `pdftotext -bbox-layout`: no page is blank, nothing runs off the text area,
no table label leaves one character alone on a line, a body line holds 28 characters and a page
22 lines, and each font role got its own free font.
"""

from __future__ import annotations

import io
import os
import re
import shutil
import struct
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest
from conftest import REPORTS
from conftest import SAMPLES as SAMPLE_DIR
from lxml import etree
from PIL import Image

from bot.checks.findings import Finding
from bot.checks.validate import validate
from bot.importer import import_path
from bot.render import DRAFT, render_docx, render_pages
from bot.render.pages import pdf_pages
from bot.render.pdf import convert_all, find_soffice

# every sample report: ../shared's when beside the clone, else the three the project carries
READ_SAMPLES = sorted(REPORTS.glob("*.txt") if REPORTS.is_dir() else SAMPLE_DIR.glob("*.txt")) + sorted((REPORTS / "pdf").glob("*.json"))
IN_CI = os.environ.get("CI", "").lower() in ("true", "1", "yes")
PT_PER_MM = 72 / 25.4
LEFT, RIGHT = 28 * PT_PER_MM, (210 - 26) * PT_PER_MM
TOLERANCE = 2.0  # points: glyph boxes of full-width punctuation overhang a little
TABLE_LINE_MAX_HEIGHT = 16.0  # a 10 pt table line's box is about 13 pt high, a 三号 line's about 21
BODY_LINE_HEIGHT = (19.0, 23.0)
CJK = re.compile(r"[\u4e00-\u9fff]")
HANGING = set("，。、；：！？”’）》")


def tool(name: str) -> str:
    found = find_soffice() if name == "soffice" else shutil.which(name)
    if found is None:
        reason = f"needs {name} (apt-get install libreoffice-writer-nogui poppler-utils) to render the pages"
        if IN_CI:
            pytest.fail(reason)
        pytest.skip(reason)
    return found


@dataclass(frozen=True)
class Line:
    page: int
    text: str
    x_min: float
    x_max: float
    y_min: float
    height: float


def read_lines(pdf: Path) -> tuple[int, list[Line]]:
    """(page count, every text line with its box) from pdftotext -bbox-layout."""
    done = subprocess.run([tool("pdftotext"), "-bbox-layout", str(pdf), "-"], capture_output=True, check=True)
    root = etree.fromstring(done.stdout, etree.XMLParser(recover=True))
    ns = "{http://www.w3.org/1999/xhtml}"
    pages = list(root.iter(ns + "page"))
    lines = []
    for n, page in enumerate(pages, 1):
        for line in page.iter(ns + "line"):
            words = [w.text or "" for w in line.iter(ns + "word")]
            box = {k: float(line.get(k) or 0) for k in ("xMin", "xMax", "yMin", "yMax")}
            lines.append(Line(n, "".join(words), box["xMin"], box["xMax"], box["yMin"], box["yMax"] - box["yMin"]))
    return len(pages), lines


def errors_of(path: Path) -> list[Finding]:
    result = import_path(path)
    return [f for f in validate(result.report, problems=result.problems) if f.level == "error"]


@pytest.fixture(scope="module")
def pdfs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Each sample rendered (a draft with its errors where it has any) and converted in one LibreOffice run."""
    if not READ_SAMPLES:
        pytest.skip("needs ../shared: the sample reports in shared/data/reports")
    soffice = tool("soffice")
    work = tmp_path_factory.mktemp("pages")
    sources = []
    for path in READ_SAMPLES:
        errors = errors_of(path)
        target = work / f"{path.stem}.docx"
        render_docx(import_path(path).report, target, status=DRAFT if errors else "", findings=errors)
        sources.append(target)
    converted = convert_all(sources, work / "pdf", soffice=soffice)
    return {path.name: pdf for path, pdf in zip(READ_SAMPLES, converted, strict=True)}


@pytest.fixture(scope="module")
def printed(pdfs: dict[str, Path]) -> dict[str, tuple[int, list[Line]]]:
    return {name: read_lines(pdf) for name, pdf in pdfs.items()}


def sample_ids() -> list[str]:
    return [p.name for p in READ_SAMPLES] or ["no-samples"]


@pytest.mark.parametrize("name", sample_ids())
def test_no_page_is_blank(printed: dict[str, tuple[int, list[Line]]], name: str) -> None:
    pages, lines = printed[name]
    assert pages >= 3
    for page in range(1, pages + 1):
        text = "".join(line.text for line in lines if line.page == page)
        assert len(CJK.findall(text)) > 20, (page, text)  # more than a page number and a draft mark


@pytest.mark.parametrize("name", sample_ids())
def test_no_table_and_no_text_runs_off_the_text_area(printed: dict[str, tuple[int, list[Line]]], name: str) -> None:
    """Only a line's closing punctuation may hang into the margin, as Word and WPS set it (w:overflowPunct)."""
    _, lines = printed[name]
    for line in lines:
        assert line.x_min >= LEFT - TOLERANCE, line
        hanging = line.height >= TABLE_LINE_MAX_HEIGHT and line.text[-1:] in HANGING
        assert line.x_max <= RIGHT + TOLERANCE + (16 if hanging else 0), line


@pytest.mark.parametrize("name", sample_ids())
def test_no_table_label_leaves_a_single_character_on_a_line(printed: dict[str, tuple[int, list[Line]]], name: str) -> None:
    _, lines = printed[name]
    table_lines = [line for line in lines if line.height < TABLE_LINE_MAX_HEIGHT]
    assert len(table_lines) > 60  # the three tables are there
    lonely = [line for line in table_lines if len(line.text) == 1 and CJK.match(line.text)]
    assert lonely == []


@pytest.mark.parametrize("name", sample_ids())
def test_body_lines_hold_28_characters_and_pages_22_lines(printed: dict[str, tuple[int, list[Line]]], name: str) -> None:
    pages, lines = printed[name]
    body = [line for line in lines if BODY_LINE_HEIGHT[0] <= line.height <= BODY_LINE_HEIGHT[1]]
    chinese = [line for line in body if line.text.isascii() is False and not re.search(r"[ -~]", line.text)]
    inside = [len(line.text) for line in chinese if line.x_max <= RIGHT + TOLERANCE]
    assert max(inside) == 28  # the 28-character grid, 三号 on 156 mm
    assert max(len(line.text) for line in chinese) <= 29  # and at most a closing punctuation mark hanging
    per_page = [len({round(line.y_min) for line in body if line.page == page}) for page in range(1, pages + 1)]
    assert max(per_page) <= 22


FREE_FONTS = {"Noto Serif CJK SC": "fonts-noto-cjk", "AR PL UKai CN": "fonts-arphic-ukai", "Liberation Serif": "fonts-liberation2"}


def test_each_font_role_has_its_own_free_font(pdfs: dict[str, Path]) -> None:
    name = "zone-2021-fujian-pingtan.txt"  # run-in headings: 楷体 and 仿宋 on one line
    if name not in pdfs:
        pytest.skip(f"needs ../shared: {name} in shared/data/reports")
    families = subprocess.run([tool("fc-list"), ":", "family"], capture_output=True, text=True, check=True).stdout
    missing = [package for family, package in FREE_FONTS.items() if family not in families]
    if missing:
        reason = f"needs the fonts of bot/render/fonts.conf: apt-get install {' '.join(missing)}"
        if IN_CI:
            pytest.fail(reason)
        pytest.skip(reason)
    fonts = subprocess.run([tool("pdffonts"), str(pdfs[name])], capture_output=True, text=True, check=True).stdout
    assert "NotoSerifCJK" in fonts and "Bold" in fonts  # 仿宋, 宋体 and the title's 方正小标宋
    assert "NotoSansCJK" in fonts  # 黑体
    assert "UKai" in fonts  # 楷体
    assert "LiberationSerif" in fonts  # Times New Roman


def png_size(png: bytes) -> tuple[int, int]:
    assert png.startswith(b"\x89PNG\r\n\x1a\n")
    width, height = struct.unpack(">II", png[16:24])
    return width, height


def test_render_pages_gives_the_pdf_and_a_picture_of_each_page() -> None:
    tool("soffice")
    tool("pdftoppm")
    if not READ_SAMPLES:
        pytest.skip("needs ../shared: the sample reports in shared/data/reports")
    buffer = io.BytesIO()
    render_docx(import_path(READ_SAMPLES[0]).report, buffer)
    pdf, pages = render_pages(buffer.getvalue())
    assert pdf.startswith(b"%PDF")
    assert len(pages) == len(re.findall(rb"/Type\s*/Page[^s]", pdf))
    for page in pages:
        width, height = png_size(page)
        assert 880 <= width <= 940 and abs(height / width - 297 / 210) < 0.01  # A4 at 110 dpi


def test_cli_writes_docx_pdf_and_pngs(tmp_path: Path) -> None:
    tool("soffice")
    tool("pdftoppm")
    sample = SAMPLE_DIR / "township-2023-shanxi-ciying.txt"
    if not sample.exists():
        pytest.skip("needs ../shared: the sample reports in shared/data/reports")
    out = tmp_path / "次营镇（草稿）.docx"
    done = subprocess.run(
        [sys.executable, "-m", "bot", "render", str(sample), "-o", str(out), "--draft", "--pdf", "--png"],
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
        env=dict(os.environ, PYTHONPATH=str(Path(__file__).resolve().parents[1])),
    )
    assert done.returncode == 0, done.stderr
    pngs = sorted(tmp_path.glob("次营镇（草稿）-*.png"))
    assert out.exists() and out.with_suffix(".pdf").exists() and len(pngs) >= 4
    for png in pngs:
        assert f"已生成 {png}" in done.stderr


@pytest.mark.parametrize("name", sample_ids())
def test_the_pictures_of_the_pages_have_ink_and_none_in_the_side_margins(pdfs: dict[str, Path], name: str) -> None:
    """The PNGs the clerk sees (bot/render/pages.py): each page printed on, and nothing — no table border,
    no text — in the left or right margin, beyond a closing punctuation mark hanging."""
    tool("pdftoppm")
    pictures = pdf_pages(pdfs[name].read_bytes())
    assert len(pictures) >= 3
    for number, png in enumerate(pictures, 1):
        with Image.open(io.BytesIO(png)) as picture:
            grey = picture.convert("L")
        width, height = grey.size
        scale = width / (210 * PT_PER_MM)  # pixels per point
        ink = grey.point(lambda v: 255 if v < 160 else 0)
        assert sum(ink.histogram()[255:]) > 2000, f"page {number} is blank"
        left = ink.crop((0, 0, int((LEFT - TOLERANCE) * scale), height)).getbbox()
        right = ink.crop((int((RIGHT + TOLERANCE + 16) * scale), 0, width, height)).getbbox()
        assert left is None and right is None, f"page {number}: ink in the margin {left or right}"
