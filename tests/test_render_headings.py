"""Headings as written: （一） lines in 楷体, run-in headings split 楷体 | 仿宋, on every sample report's texts."""

from __future__ import annotations

import io
import re
from pathlib import Path
from typing import Any

import docx
import pytest
from conftest import REPORTS
from conftest import SAMPLES as SAMPLE_DIR
from docx.oxml.ns import qn

from bot.core.report import Report
from bot.importer import import_path
from bot.render import render_docx
from bot.render.headings import split_heading

# every sample report: ../shared's when beside the clone, else the three the project carries
READ_SAMPLES = sorted(REPORTS.glob("*.txt") if REPORTS.is_dir() else SAMPLE_DIR.glob("*.txt")) + sorted((REPORTS / "pdf").glob("*.json"))
ORDINAL = re.compile(r"^[（(][一二三四五六七八九十]+[）)]")
KAI, FANG = "楷体_GB2312", "仿宋_GB2312"
LONG_HEADING = "（一）依据《政府信息公开信息处理费管理办法》收取信息处理费的情况需在此专门报告"

# The heading part of each ordinal line of the samples, read by hand: run-in headings end at their 。 or ：.
EXPECTED_RUN_IN = {
    "township-2022-gansu-guojia.txt": ["(一)细化工作部署，规范推进公开工作。", "(二)完善公开渠道，拓宽政务公开载体。"],
    "zone-2021-fujian-pingtan.txt": [
        "（一）主动公开方面。",
        "（二）依申请公开方面。",
        "（三）政府信息管理方面。",
        "（四）平台载体建设方面。",
        "（五）监督保障方面。",
        "（一）存在的主要问题:",
    ],
    "hongze-district-2023.json": [
        "（一）主动公开情况。",
        "（二）依申请公开情况。",
        "（四）政府信息公开平台建设情况。",
        "（五）政府信息公开监督保障情况。",
    ],
    "hongze-district-2024.json": [
        "（一）主动公开情况。",
        "（二）依申请公开情况。",
        "（三）政府信息管理情况。",
        "（四）政府信息公开平台建设情况。",
        "（五）政府信息公开监督保障情况。",
    ],
}


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("（一）主动公开政府信息情况", ("（一）主动公开政府信息情况", "")),
        ("（一）主动公开方面。有序推进政务公开。", ("（一）主动公开方面。", "有序推进政务公开。")),
        ("(二)依申请公开：全年收到申请3件。", ("(二)依申请公开：", "全年收到申请3件。")),
        ("（三）政府信息管理情况。", ("（三）政府信息管理情况。", "")),
        (LONG_HEADING, (LONG_HEADING, "")),
        ("（一）我镇全年在政府网站、政务新媒体和公开栏共主动公开各类政府信息六百余条，其中政策解读二十条。", None),
        ("一是加强组织领导。", None),
        ("截至2023年12月31日，我镇公开66条信息。", None),
    ],
)
def test_split_heading(line: str, expected: tuple[str, str] | None) -> None:
    assert split_heading(line) == expected


def lines_of(report: Report) -> list[str]:
    return [line.strip() for text in report.text.values() for line in (text or "").split("\n") if line.strip()]


@pytest.mark.skipif(not READ_SAMPLES, reason="needs ../shared: the sample reports in shared/data/reports")
@pytest.mark.parametrize("path", READ_SAMPLES, ids=lambda p: p.name)
def test_every_ordinal_line_of_the_samples_is_classified_as_read_by_hand(path: Path) -> None:
    report = import_path(path).report
    run_in = []
    for line in lines_of(report):
        parts = split_heading(line)
        if not ORDINAL.match(line):
            assert parts is None, line
            continue
        assert parts is not None, line  # every ordinal line of the samples is a heading, run in or alone
        heading, rest = parts
        assert heading + rest == line
        if rest:
            assert heading.endswith(("。", "：", ":")) and len(heading) <= 24
            run_in.append(heading)
    assert run_in == EXPECTED_RUN_IN.get(path.name, [])


def runs_by_font(paragraph: Any) -> list[tuple[str, str]]:
    return [(r._r.rPr.rFonts.get(qn("w:eastAsia")), r.text) for r in paragraph.runs]


@pytest.mark.skipif(not READ_SAMPLES, reason="needs ../shared: the sample reports in shared/data/reports")
@pytest.mark.parametrize("path", READ_SAMPLES, ids=lambda p: p.name)
def test_headings_in_kaiti_and_the_sentence_after_a_run_in_heading_in_fangsong(path: Path) -> None:
    report = import_path(path).report
    buffer = io.BytesIO()
    render_docx(report, buffer)
    paragraphs = {p.text: p for p in docx.Document(io.BytesIO(buffer.getvalue())).paragraphs}
    for line in lines_of(report):
        if line not in paragraphs:
            continue  # a line that is also a section heading or title is checked elsewhere
        parts = split_heading(line)
        runs = runs_by_font(paragraphs[line])
        if parts is None:
            assert runs == [(FANG, line)]
        elif not parts[1]:
            assert runs == [(KAI, line)]
        else:
            assert runs == [(KAI, parts[0]), (FANG, parts[1])]
            assert paragraphs[line].paragraph_format.first_line_indent is not None
