"""Reading a report into the model from .txt, .docx or .json, reporting what could not be read."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from pathlib import Path

from bot.checks.findings import Finding
from bot.core.report import CellProblem, Report, ReportError, parse_json, report_from_dict, report_problem
from bot.format.definition import FormatDef, load_format
from bot.importer.cells import rows_from_lines
from bot.importer.fetch import fetch as fetch_url
from bot.importer.fetch import is_url
from bot.importer.forms import read_source
from bot.importer.layout import rows_from_layout
from bot.importer.runtogether import is_run_together, unglue
from bot.importer.sections import paragraphs, split_sections, table_lines
from bot.importer.source import MAX_BYTES, MAX_ELEMENTS, Source, UnreadableError, check_json
from bot.importer.table4 import parse_table4
from bot.importer.tables import TableResult, parse_grid3, parse_table2
from bot.importer.titles import read_title, unit_level, year_from_period

# Every form a published report comes in that the readers take (uploads in any channel, `nianbao check`).
READABLE = (".docx", ".doc", ".wps", ".pdf", ".html", ".htm", ".txt", ".md", ".json", ".jpg", ".jpeg", ".png")
READABLE_WORDS = "Word（.docx/.doc）、WPS（.wps）、PDF（含扫描件）、照片（.jpg/.png）、网页（.html）、文本（.txt/.md）或年报JSON"

__all__ = ["ImportResult", "UnreadableError", "import_bytes", "import_path", "import_source"]

MAX_TABLE_ROWS = 1000  # 表三 has 40 rows; a section far longer is not a report (and would take minutes to match)
PARSERS = {"table2": parse_table2, "table3": parse_grid3, "table4": parse_table4}


@dataclass
class ImportResult:
    report: Report
    findings: list[Finding] = field(default_factory=list)  # structure findings of the source
    problems: list[CellProblem] = field(default_factory=list)  # cells that could not be used
    notes: list[str] = field(default_factory=list)  # what the reader did or could not do, in Chinese


def import_path(path: str | Path, fmt: FormatDef | None = None) -> ImportResult:
    """A report file, or an http(s) address of one."""
    if isinstance(path, str) and is_url(path):
        data, name = fetch_url(path)
        return import_bytes(data, name, fmt)
    p = Path(path)
    try:
        if not p.is_file():  # a device (/dev/zero), a pipe or a folder would never end or never start
            raise UnreadableError("这不是一个普通文件（可能是设备、管道或文件夹）。" if p.exists() else "文件不存在。")
        with p.open("rb") as file:
            data = file.read(MAX_BYTES + 1)  # bounded even if the file grows while it is read
        if len(data) > MAX_BYTES:
            raise UnreadableError(f"文件过大，报告文件不应超过{MAX_BYTES // 1024 // 1024} MB。")
    except OSError as exc:
        raise UnreadableError(f"无法读取文件：{exc.strerror or exc}") from None
    return import_bytes(data, p.name, fmt)


def is_json(data: bytes, name: str) -> bool:
    """A report JSON by its name or its content; an RTF document ('{\\rtf', often saved as .doc) is not one."""
    head = data.lstrip()[:5]
    return name.lower().endswith(".json") or head[:1] == b"{" and head != b"{\\rtf"


def import_bytes(data: bytes, name: str, fmt: FormatDef | None = None) -> ImportResult:
    fmt = fmt or load_format()
    if is_json(data, name):
        return _import_json(data, fmt)
    return import_source(read_source(data, name), fmt)


def import_source(source: Source, fmt: FormatDef | None = None) -> ImportResult:
    """A report from the paragraphs and tables a reader gave (no file work: the child did that)."""
    fmt = fmt or load_format()
    if len(source.elements) > MAX_ELEMENTS:
        raise UnreadableError(f"文件有{len(source.elements)}段（行），年报不会这么长，可能是异常文件，未读取。")
    elements = source.elements
    if source.kind == "txt" and is_run_together(elements, fmt):
        elements = unglue(elements, fmt)
    layout = split_sections(elements, fmt)
    if not layout.sections:
        raise UnreadableError("没有找到报告的任何部分（如“一、总体情况”“二、主动公开政府信息情况”），这不像是一份政府信息公开工作年度报告。")
    title = read_title(layout.title_lines)
    unit, year = title.unit, title.year
    join = source.kind == "txt"
    preamble = paragraphs(layout.preamble, join)
    notes: list[str] = []
    if not unit:
        notes.append("未能从标题中读出单位名称。")
    if year is None:
        year = year_from_period(preamble + "\n" + paragraphs(layout.sections.get("overview", []), join))
        if year is None:
            notes.append("未能从标题中读出报告年度。")
        else:
            notes.append(f"标题中没有年份，报告年度{year}取自正文的“统计期限”。")
    report = Report.empty(year=year, unit_name=unit, fmt=fmt)
    result = ImportResult(report=report, findings=list(layout.findings), notes=notes)
    report.unit["level"] = unit_level(unit)
    result.notes.append(f"单位层级按名称推断为：{fmt.levels[report.unit['level']]}。")
    report.text["preamble"] = preamble
    for section in fmt.sections:
        body = layout.sections.get(section.key)
        if section.text:
            report.text[section.text] = paragraphs(body or [], join, fee_tables=section.text == "other")
        elif section.table:
            tables, lines = table_lines(body or [])
            rows = [row for t in tables for row in t.rows] if tables else _text_rows(lines)
            if len(rows) > MAX_TABLE_ROWS:
                raise UnreadableError(f"“{section.full_heading}”中的表格有{len(rows)}行，年报的表格不会这么长，可能是异常文件，未读取。")
            parsed: TableResult = PARSERS[section.table](rows, fmt)
            report.cells.update(parsed.values)
            result.findings.extend(parsed.findings)
            result.problems.extend(parsed.problems)
            result.notes.extend(parsed.notes)
    report.profile = _profile(report.text["other"], fmt)
    if report.profile != "national":
        result.notes.append(f"第六部分按“{fmt.profiles[report.profile].label}”格式识别。")
    result.notes.extend(source.notes)
    if source.images:
        result.notes.append(f"原文中有{source.images}张图片，未导入。")
    unread = sum(1 for v in report.cells.values() if v is None)
    if unread:
        result.notes.append(f"表格中有{unread}个格子是空的或无法读取，未填入任何数字。")
    problem = report_problem(report)  # the same limits as a typed answer or a JSON upload
    if problem:
        raise UnreadableError(problem.message)
    unusable_notes(result)
    return result


UNUSABLE = ("not_integer", "not_money")  # kinds of CellProblem whose value was printed but cannot be used


def unusable_notes(result: ImportResult) -> None:
    """One note for each value printed but not usable (1e999999999, NaN, 400 digits, beyond the limits):
    named in every way a report comes in (nianbao import, an upload in any channel), never dropped unseen."""
    fmt = result.report.format
    for p in result.problems:
        if p.kind in UNUSABLE:
            what = "不小于0的金额（万元）" if p.kind == "not_money" else "不小于0的整数"
            raw = p.raw if len(p.raw) <= 30 else f"{p.raw[:12]}…（共{len(p.raw)}个字符）"
            result.notes.append(f"无法使用的数值：{fmt.cell(p.path).name}是“{raw}”，应为{what}且在合理范围内，已留空，请核对原文。")


def _text_rows(lines: list[str]) -> list[list[str]]:
    """Rows of a table given as text: tab-separated as exported, else space-aligned or a pipe table."""
    if any("\t" in ln for ln in lines):
        return rows_from_lines(lines)
    return rows_from_layout(lines)


def _profile(other: str, fmt: FormatDef) -> str:
    """A profile whose numbered items mostly appear in section 六."""
    lines = {re.sub(r"\s+", "", ln)[:12] for ln in other.splitlines()}
    for key, profile in fmt.profiles.items():
        if profile.other_items:
            hits = sum(1 for item in profile.other_items if any(item[:12] == ln for ln in lines))
            if hits >= len(profile.other_items) - 2:
                return key
    return "national"


def _import_json(data: bytes, fmt: FormatDef) -> ImportResult:
    check_json(data)
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise UnreadableError("JSON文件不是UTF-8编码。") from None
    try:
        report, problems = report_from_dict(_json_doc(text), fmt, lenient=True)
    except ReportError as exc:
        where = f"（位置：{exc.path}）" if exc.path else ""
        raise UnreadableError(f"JSON不符合年报数据格式{where}：{exc.message}") from None
    result = ImportResult(report=report, problems=problems)
    unusable_notes(result)
    return result


def _literal(text: str) -> float | str:
    """A JSON number that is no finite float (1e999999999) or NaN/Infinity stays its text, so that the
    checker names it as written instead of as 'Infinity' (and the limits refuse it as too large)."""
    try:
        value = float(text)
    except ValueError:  # pragma: no cover - json hands only number literals here
        return text
    return value if math.isfinite(value) else text


def _json_doc(text: str) -> object:
    return parse_json(text, parse_float=_literal, parse_constant=str)
