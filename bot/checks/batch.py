"""A county reviewer's batch: every report found in folders, files or addresses checked, one row each in a
workbook, with a second sheet of every finding."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from bot.checks.findings import Finding
from bot.core.sheets import keep_text
from bot.format.definition import load_format
from bot.importer import ImportResult, UnreadableError, import_path
from bot.importer.fetch import is_url

EXTENSIONS = (".pdf", ".html", ".htm", ".doc", ".wps", ".docx", ".txt", ".md", ".json")
SUMMARY_HEAD = [
    "文件", "单位", "层级", "年度", "错误数", "提醒数", "表三·本年新收", "表三·办结（总计）", "表三·结转下年度",
    "行政复议·总计", "行政诉讼·总计", "前三个错误",
]  # fmt: skip
FINDINGS_HEAD = ["文件", "单位", "年度", "部分", "级别", "规则", "涉及格子", "说明"]
LEVEL_WORD = {"error": "错误", "warning": "提醒"}


@dataclass
class Checked:
    source: str
    result: ImportResult | None = None
    findings: list[Finding] = field(default_factory=list)
    error: str = ""


def report_sources(args: Iterable[str]) -> list[str]:
    """Files and addresses as given; folders searched (recursively) for files of every readable form."""
    found: list[str] = []
    for arg in args:
        path = Path(arg)
        if not is_url(arg) and path.is_dir():
            found.extend(str(p) for p in sorted(path.rglob("*")) if p.is_file() and p.suffix.lower() in EXTENSIONS)
        else:
            found.append(arg)
    return found


def check_all(sources: list[str], check: Callable[[ImportResult], list[Finding]]) -> list[Checked]:
    out = []
    for source in sources:
        try:
            result = import_path(source)
        except UnreadableError as exc:
            out.append(Checked(source, error=str(exc)))
            continue
        out.append(Checked(source, result, check(result)))
    return out


def _cell(result: ImportResult, path: str) -> int | None:
    value = result.report.cells.get(path)
    return value if isinstance(value, int) else None


def _role(result: ImportResult, role: str) -> int | None:
    """The sum of a role's cells (`cells:` of the format), None when one is not a number."""
    parts = [_cell(result, path) for path in result.report.format.role(role)]
    return None if any(p is None for p in parts) else sum(p for p in parts if p is not None)


def write_workbook(checked: list[Checked], out: Path) -> None:
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font

    levels = load_format().levels
    book = Workbook()
    summary = book.active
    summary.title = "审查结果"
    summary.append(SUMMARY_HEAD)
    every = book.create_sheet("全部问题")
    every.append(FINDINGS_HEAD)
    for item in checked:
        name = Path(item.source).name if not is_url(item.source) else item.source
        if item.result is None:
            summary.append([name, "", "", "", "", "", "", "", "", "", "", f"无法读取：{item.error}"])
            every.append([name, "", "", "整体", "错误", "", "", f"无法读取：{item.error}"])
            continue
        report = item.result.report
        errors = [f for f in item.findings if f.level == "error"]
        summary.append(
            [
                name, report.unit.get("name") or "", levels.get(report.unit.get("level", ""), ""), report.year,
                len(errors), len(item.findings) - len(errors), _role(item.result, "received"),
                _role(item.result, "concluded"), _role(item.result, "forwarded"),
                _role(item.result, "reviews"), _role(item.result, "lawsuits"),
                "\n".join(f"{n}. {f.message}" for n, f in enumerate(errors[:3], start=1)),
            ]
        )  # fmt: skip
        for f in item.findings:
            every.append([name, report.unit.get("name") or "", report.year, f.section, LEVEL_WORD[f.level], f.rule, "、".join(f.cells), f.message])
    for sheet, widths in ((summary, [28, 24, 12, 8, 8, 8, 12, 14, 14, 12, 12, 80]), (every, [28, 24, 8, 24, 8, 18, 30, 90])):
        for n, width in enumerate(widths):
            sheet.column_dimensions[chr(ord("A") + n)].width = width
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        for row in sheet.iter_rows(min_row=2):
            row[-1].alignment = Alignment(wrap_text=True, vertical="top")
        sheet.freeze_panes = "A2"
    keep_text(book)
    book.save(out)
