"""PDF through LibreOffice: its text layer holds the report; a missing LibreOffice is a clear Chinese error.

CI installs LibreOffice (libreoffice-writer-nogui, fonts-noto-cjk, poppler-utils); there a missing
`soffice` or `pdftotext` fails the run, elsewhere the conversion tests are skipped.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from conftest import SAMPLES

from bot.importer import import_path
from bot.render import PdfError, PdfUnavailable, convert_to_pdf, render_docx
from bot.render.pdf import find_soffice

SAMPLE = SAMPLES / "township-2023-shanxi-ciying.txt"
IN_CI = os.environ.get("CI", "").lower() in ("true", "1", "yes")


def require(tool: str | None, what: str) -> str:
    if tool is None:
        if IN_CI:
            pytest.fail(f"CI上必须安装{what}")
        pytest.skip(f"未安装{what}")
    return tool


@pytest.fixture(scope="module")
def pdf_text(tmp_path_factory: pytest.TempPathFactory) -> str:
    soffice = require(find_soffice(), "LibreOffice（soffice）")
    pdftotext = require(shutil.which("pdftotext"), "poppler-utils（pdftotext）")
    work = tmp_path_factory.mktemp("pdf")
    docx_path = work / "次营镇2023年报.docx"
    render_docx(import_path(SAMPLE).report, docx_path)
    pdf = convert_to_pdf(docx_path, work / "out", soffice=soffice)
    assert pdf == work / "out" / "次营镇2023年报.pdf"
    assert pdf.read_bytes().startswith(b"%PDF")
    done = subprocess.run([pdftotext, "-layout", str(pdf), "-"], capture_output=True, text=True, check=True)
    return re.sub(r"\s+", "", done.stdout)


@pytest.mark.parametrize(
    "expected",
    [
        "次营镇人民政府",
        "2023年政府信息公开工作年度报告",
        "一、总体情况",
        "六、其他需要报告的事项",
        "第二十条第（一）项",
        "本年新收政府信息公开申请数量",
        "申请人情况",
        "复议后起诉",
        "本机关2023年度未收取政府信息公开信息处理费",
        "—1—",
    ],
)
def test_pdf_text_layer_holds_the_report(pdf_text: str, expected: str) -> None:
    assert expected in pdf_text


def test_missing_libreoffice_is_a_chinese_error(tmp_path: Path) -> None:
    docx_path = tmp_path / "r.docx"
    docx_path.write_bytes(b"PK")
    empty = tmp_path / "bin"
    empty.mkdir()
    with pytest.raises(PdfUnavailable, match="未找到LibreOffice.*无法生成PDF"):
        convert_to_pdf(docx_path, tmp_path, search_path=str(empty))
    with pytest.raises(PdfUnavailable, match="无法运行LibreOffice"):
        convert_to_pdf(docx_path, tmp_path, soffice=str(tmp_path / "no-such-soffice"))


def test_failed_conversion_is_a_chinese_error(tmp_path: Path) -> None:
    fake = tmp_path / "soffice"
    fake.write_text("#!/bin/sh\necho 'Error: source file could not be loaded' >&2\nexit 1\n")
    fake.chmod(0o755)
    docx_path = tmp_path / "r.docx"
    docx_path.write_bytes(b"PK")
    (tmp_path / "r.pdf").write_bytes(b"%PDF stale")
    with pytest.raises(PdfError, match="LibreOffice未能将r.docx转换为PDF") as info:
        convert_to_pdf(docx_path, tmp_path, search_path=str(tmp_path))
    assert not isinstance(info.value, PdfUnavailable)
    assert not (tmp_path / "r.pdf").exists()
