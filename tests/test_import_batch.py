"""`nianbao check DIR… --xlsx`: a county reviewer's workbook, one row per report found plus every finding."""

from __future__ import annotations

import shutil

import pytest
from conftest import REPORTS, SAMPLES
from openpyxl import load_workbook

from bot.channels.cli.commands import main


def test_a_folder_of_reports_in_every_form_becomes_one_workbook(tmp_path, capsys):
    pdf = REPORTS / "pdf" / "hongze-district-2023.pdf"
    if not pdf.exists():
        pytest.skip("needs ../shared: data/reports/pdf/hongze-district-2023.pdf")
    folder = tmp_path / "各单位年报"
    (folder / "乡镇").mkdir(parents=True)
    shutil.copyfile(pdf, folder / "洪泽区.pdf")
    shutil.copyfile(SAMPLES / "township-2023-shanxi-ciying.txt", folder / "乡镇" / "次营镇.txt")
    (folder / "坏文件.pdf").write_bytes(b"%PDF-1.4 broken")
    (folder / "说明.png").write_bytes(b"\x89PNG not a report")  # not a report form: not picked up
    out = tmp_path / "审查结果.xlsx"
    assert main(["check", str(folder), "--xlsx", str(out)]) == 2  # one file could not be read
    assert "已检查3份报告" in capsys.readouterr().err
    book = load_workbook(out)
    rows = {r[0]: r for r in book["审查结果"].iter_rows(min_row=2, values_only=True)}
    assert set(rows) == {"洪泽区.pdf", "次营镇.txt", "坏文件.pdf"}
    hz = rows["洪泽区.pdf"]
    assert hz[1:4] == ("洪泽区人民政府", "县级政府", 2023)
    assert hz[4] == 3 and hz[5] == 0  # errors (（六） printed as one row: one E-T3-SHAPE; two E-T4-SUM), warnings
    assert hz[6:11] == (21, 21, 0, 0, 0)  # 表三 新收/总计/结转, 复议 and 诉讼 totals as printed
    assert hz[11].startswith("1. 表三中“（六）其他处理”一行直接填了数字")
    assert rows["次营镇.txt"][1:4] == ("次营镇人民政府", "乡镇（街道）", 2023)
    assert "无法读取" in rows["坏文件.pdf"][11]
    findings = list(book["全部问题"].iter_rows(min_row=2, values_only=True))
    assert sum(1 for f in findings if f[0] == "洪泽区.pdf") == 3
    assert any(f[0] == "洪泽区.pdf" and f[5] == "E-T4-SUM" and "table4.RV" in f[6] for f in findings)
