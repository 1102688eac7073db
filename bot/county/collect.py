"""/collect: every final .docx of a county in one zip, with an .xlsx summary of the key figures.

The .docx files are the ones stored when each report was approved, byte for byte; a final report
without one (approved before documents were stored) is rendered now. The summary's columns are the
format definition's `summary` entries, so a new format year brings its own.
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Callable
from datetime import date
from decimal import Decimal
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter

from bot.core.numbers import present
from bot.core.report import Report
from bot.core.sheets import keep_text
from bot.county.overview import UnitStatus
from bot.format.definition import FormatDef
from bot.storage.models import County, id_of
from bot.storage.protocols import CollectStore

FIXED_HEADERS = ["编号", "单位名称", "层级", "状态", "进度", "错误", "最后填报", "截止日期"]


def safe_name(name: str) -> str:
    """A file name every unzip tool accepts: no path separators or characters Windows refuses."""
    return re.sub(r'[\\/:*?"<>|\x00-\x1f]', "_", name).strip(". ") or "未命名"


def figure(report: Report, cells: tuple[str, ...]) -> int | Decimal | None:
    """The sum of some cells; None when any is blank (a sum over blanks would mislead)."""
    values = present([report.cells.get(path) for path in cells])
    return None if values is None else sum(values)


def summary_xlsx(county: County, year: int, rows: list[UnitStatus], fmt: FormatDef, zone: Any) -> bytes:
    """One row per unit; a last row of totals over the final reports."""
    book = Workbook()
    sheet = book.active
    sheet.title = "汇总"
    headers = FIXED_HEADERS + [c.label for c in fmt.summary] + ["说明"]
    sheet.append([f"{county.name}{year}年度政府信息公开工作年度报告汇总表"])
    sheet.append(headers)
    totals: list[int | Decimal] = [0] * len(fmt.summary)
    for row in sorted(rows, key=lambda r: r.unit.id or 0):
        figures = [figure(row.report, c.cells) if row.report else None for c in fmt.summary]
        last = row.last_activity.astimezone(zone).strftime("%Y-%m-%d %H:%M") if row.last_activity else ""
        sheet.append(
            [row.unit.id, row.name, fmt.levels.get(row.unit.level, row.unit.level[:20]), row.label,
             f"{row.done}/{row.parts}", row.errors if row.report else None, last, row.deadline.isoformat()]
            + [float(v) if isinstance(v, Decimal) else v for v in figures]
            + [f"无法汇总：{row.problem}" if row.problem else None]
        )
        if row.status == "final":
            totals = [t + (v or 0) for t, v in zip(totals, figures, strict=True)]
    finals = sum(1 for r in rows if r.status == "final")
    sheet.append([None, f"合计（已定稿{finals}个单位）", None, None, None, None, None, None] + [float(t) if isinstance(t, Decimal) else t for t in totals])
    sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(headers))
    sheet["A1"].font = Font(bold=True, size=14)
    sheet["A1"].alignment = Alignment(horizontal="center")
    for cell in sheet[2]:
        cell.font = Font(bold=True)
        cell.alignment = Alignment(wrap_text=True, vertical="center")
    for cell in sheet[sheet.max_row]:
        cell.font = Font(bold=True)
    sheet.column_dimensions["B"].width = 28
    for i in range(3, len(headers) + 1):
        sheet.column_dimensions[get_column_letter(i)].width = 12
    sheet.freeze_panes = "C3"
    keep_text(book)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def collect_zip(
    store: CollectStore,
    county: County,
    year: int,
    rows: list[UnitStatus],
    fmt: FormatDef,
    zone: Any,
    render: Callable[[Report], bytes],
    today: date,
) -> tuple[str, bytes, int]:
    """(file name, zip bytes, number of .docx files) for the county's final reports."""
    out = io.BytesIO()
    count = 0
    used: set[str] = set()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as package:
        for row in rows:
            if row.status != "final" or row.record is None or row.report is None:
                continue
            stored = store.document(id_of(row.record))
            data = stored.data if stored is not None else render(row.report)
            name = safe_name(row.report.title())
            if name in used:  # two units of the same name: keep both
                name = f"{name}（#{row.unit.id}）"
            used.add(name)
            package.writestr(f"{name}.docx", data)
            count += 1
        package.writestr("汇总表.xlsx", summary_xlsx(county, year, rows, fmt, zone))
    filename = f"{safe_name(county.name)}{year}年度政府信息公开工作年度报告汇总（{today.strftime('%Y%m%d')}）.zip"
    return filename, out.getvalue(), count
