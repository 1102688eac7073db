"""Drafts look like drafts (mark on every page, "（草稿）" in the name, a last page of open errors); finals do not."""

from __future__ import annotations

import io
import zipfile
from datetime import UTC, datetime, timedelta, timezone

from lxml import etree

from bot.checks.findings import Finding
from bot.checks.validate import validate
from bot.core.report import Report
from bot.importer import import_bytes
from bot.render import DRAFT, FINAL, document_filename, render_docx
from bot.render.style import load_style

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
R = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
MARK = load_style().draft.mark
TITLE = load_style().draft.findings_title


def report_with_errors() -> Report:
    report = Report.empty(year=2023, unit_name="次营镇人民政府")
    for path in report.cells:
        report.cells[path] = 0
    report.compute_totals()
    report.cells["table3.NEW.NP"] = None  # blank cell: E-BLANK
    report.cells["table4.RV.T"] = 5  # wrong total
    report.text.update(
        preamble="根据条例，编制本报告。", overview="（一）主动公开方面。有序推进。", problems="问题。", other="未收费。"
    )
    return report


def findings(report: Report) -> list[Finding]:
    found = [f for f in validate(report) if f.level == "error"]
    assert len(found) >= 2
    return found


def package(report: Report, status: str, found: list[Finding] | None = None, created: datetime | None = None) -> dict[str, bytes]:
    buffer = io.BytesIO()
    render_docx(report, buffer, status=status, findings=found, created=created)
    with zipfile.ZipFile(buffer) as docx_zip:
        return {name: docx_zip.read(name) for name in docx_zip.namelist()}


def docx_bytes(parts: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as docx_zip:
        for name, data in parts.items():
            docx_zip.writestr(name, data)
    return buffer.getvalue()


def header_texts(parts: dict[str, bytes]) -> dict[str, str]:
    """Header type (default, even) → its text, through the section's references."""
    document = etree.fromstring(parts["word/document.xml"])
    rels = etree.fromstring(parts["word/_rels/document.xml.rels"])
    target = {rel.get("Id"): rel.get("Target") or "" for rel in rels}
    out = {}
    for ref in document.iter(W + "headerReference"):
        header = etree.fromstring(parts["word/" + target[ref.get(R + "id")]])
        out[ref.get(W + "type") or ""] = "".join(t.text or "" for t in header.iter(W + "t"))
    return out


def test_a_draft_has_the_mark_in_the_header_of_odd_and_even_pages() -> None:
    parts = package(report_with_errors(), DRAFT)
    assert header_texts(parts) == {"default": MARK, "even": MARK}
    settings = etree.fromstring(parts["word/settings.xml"])
    assert settings.find(W + "evenAndOddHeaders") is not None  # so the even header is the one used on even pages
    assert b"<cp:contentStatus>\xe8\x8d\x89\xe7\xa8\xbf</cp:contentStatus>" in parts["docProps/core.xml"]


def test_a_draft_ends_with_a_page_of_its_open_errors() -> None:
    report = report_with_errors()
    found = findings(report)
    document = etree.fromstring(package(report, DRAFT, found)["word/document.xml"])
    last = list(document.iter(W + "body"))[0][-2]  # before the section properties
    assert last.tag == W + "sdt"
    paragraphs = ["".join(t.text or "" for t in p.iter(W + "t")) for p in last.iter(W + "p")]
    assert last.find(f".//{W}pageBreakBefore") is not None
    assert paragraphs[1] == TITLE
    assert f"共{len(found)}项错误须改正后方可定稿" in paragraphs[2]
    listed = paragraphs[3:]
    assert len(listed) == len(found)
    for finding in found:
        assert any(finding.message in line and all(c in line for c in finding.cells) for line in listed), finding


def test_a_final_has_neither_mark_nor_errors_page_whatever_it_is_given() -> None:
    report = report_with_errors()
    for status in (FINAL, ""):
        parts = package(report, status, findings(report))
        assert header_texts(parts) == {}
        everything = b"".join(parts.values()).decode("utf-8", "replace")
        assert MARK not in everything and TITLE not in everything
        assert b"w:sdt" not in parts["word/document.xml"]


def test_a_draft_reads_back_as_the_same_report() -> None:
    """The errors page is not part of the report: uploading the draft again gives the texts without it."""
    report = report_with_errors()
    back = import_bytes(docx_bytes(package(report, DRAFT, findings(report))), "草稿.docx").report
    assert back.text["other"] == report.text["other"]
    assert back.text["overview"] == report.text["overview"]
    assert back.cells == report.cells


def test_file_names() -> None:
    report = report_with_errors()
    assert document_filename(report, DRAFT) == "次营镇人民政府2023年政府信息公开工作年度报告（草稿）.docx"
    assert document_filename(report, FINAL) == "次营镇人民政府2023年政府信息公开工作年度报告.docx"
    assert document_filename(report, "") == "次营镇人民政府2023年政府信息公开工作年度报告.docx"
    assert document_filename(report, DRAFT, ".pdf").endswith("（草稿）.pdf")
    odd = Report.empty(year=2023, unit_name='a/b:c*"镇"')
    name = document_filename(odd, FINAL)
    assert not set('/\\:*?"<>|') & set(name) and name.endswith("年度报告.docx")


def test_document_time_comes_from_the_caller_and_the_bytes_from_the_input() -> None:
    report = report_with_errors()
    created = datetime(2024, 1, 5, 9, 30, tzinfo=timezone(timedelta(hours=8)))
    core = package(report, DRAFT, created=created)["docProps/core.xml"].decode()
    assert '<dcterms:created xsi:type="dcterms:W3CDTF">2024-01-05T01:30:00Z</dcterms:created>' in core
    assert "2024-01-05T01:30:00Z</dcterms:modified>" in core
    undated = package(report, DRAFT)["docProps/core.xml"].decode()
    assert "dcterms:created" not in undated and "dcterms:modified" not in undated
    first = io.BytesIO()
    second = io.BytesIO()
    for buffer in (first, second):
        render_docx(report, buffer, status=DRAFT, findings=findings(report), created=datetime(2024, 1, 5, tzinfo=UTC))
    assert first.getvalue() == second.getvalue()
