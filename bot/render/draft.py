"""What makes a draft visibly a draft: its file name, and a last page listing the errors still open.

The mark on every page is in the draft's header (bot/render/package.py). The findings page is a
block content control (w:sdt) after the report: Word, WPS and LibreOffice print it, while a
reader of the report's body (the importer, when a clerk uploads the draft again) passes over it.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from lxml import etree

from bot.checks.findings import Finding, sort_findings
from bot.core.report import Report
from bot.render.body import Body
from bot.render.wordml import W, el

DRAFT = "草稿"
FINAL = "定稿"
FINDINGS_TAG = "nianbao-open-findings"
UNSAFE_IN_NAME = re.compile(r'[\\/:*?"<>|\x00-\x1f]+')
LEVEL_NAME = {"error": "错误", "warning": "提示"}


def is_draft(status: str) -> bool:
    return status == DRAFT


def document_filename(report: Report, status: str, suffix: str = ".docx") -> str:
    """The name a document is sent or saved under: "（草稿）" before the suffix of a draft, nothing for a final.

    The same stem serves the PDF and the page pictures (suffix ".pdf", "-1.png").
    """
    name = UNSAFE_IN_NAME.sub("_", report.title()).strip(" .") or "年度报告"
    return f"{name}（草稿）{suffix}" if is_draft(status) else f"{name}{suffix}"


def findings_page(body: Body, findings: Sequence[Finding], title: str) -> None:
    """A new page: the title, then each open error (and warning) with the cells it names."""
    sdt = etree.Element(W + "sdt")
    sdt_pr = el(sdt, "sdtPr")
    el(sdt_pr, "alias", val=title)
    el(sdt_pr, "tag", val=FINDINGS_TAG)
    content = el(sdt, "sdtContent")
    target = body.within(content)
    ordered = sort_findings(list(findings))
    errors = sum(1 for f in ordered if f.level == "error")
    others = len(ordered) - errors
    summary = f"共{errors}项错误须改正后方可定稿" + (f"，另有{others}项提示请核对" if others else "")
    # The page break goes in an empty paragraph of its own: LibreOffice drops the run fonts of a
    # content control's first paragraph, which would set the title in the body font.
    opener = el(content, "p")
    props = el(opener, "pPr")
    el(props, "pageBreakBefore")
    el(props, "snapToGrid", val=0)
    el(props, "spacing", before=0, after=0, line=20, lineRule="exact")
    target.paragraph(title, "heading1", keep_next=True, indent=False, align="center")
    target.paragraph(f"{summary}。本页不属于报告正文，定稿文件中没有本页。", "body")
    for n, finding in enumerate(ordered, 1):
        where = f"（{'、'.join(finding.cells)}）" if finding.cells else ""
        level = LEVEL_NAME.get(finding.level, finding.level)
        target.paragraph(f"{n}. [{level}·{finding.section}] {finding.message}{where}", "body")
    body.add(sdt)
