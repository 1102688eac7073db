"""What the chat shows of a report: its tables as a message, findings as a numbered list, progress."""

from __future__ import annotations

from datetime import date
from typing import Any

from bot.checks.findings import Finding
from bot.core.numbers import display
from bot.core.progress import CheckResult, check_report, parts_done_from
from bot.core.report import Report
from bot.format.definition import Grid
from bot.interview.context import Ctx


def deadline_of(report: Report) -> date | None:
    return date(report.year + 1, 1, 31) if report.year else None


def findings_text(title: str, findings: list[Finding], limit: int, more: str = "，发送 /status 查看") -> str:
    lines = [title] + [f"{i}. {f.message}" for i, f in enumerate(findings[:limit], start=1)]
    if len(findings) > limit:
        lines.append(f"……另有{len(findings) - limit}条{more}。")
    return "\n".join(lines)


def check(ctx: Ctx) -> CheckResult:
    """The report's check, counted the one way every screen counts it."""
    report = ctx.report()
    return check_report(report, ctx.previous(), today=ctx.engine.today(), deadline=deadline_of(report))


def parts_done(ctx: Ctx, result: CheckResult | None = None) -> set[str]:
    """Parts complete and, for the tables, free of errors."""
    if not ctx.conv.report_id:
        return set()
    faulty = (result or check(ctx)).faulty_parts()
    return parts_done_from(ctx.answers(), ctx.fmt, ctx.script, faulty)


def missing_text(result: CheckResult) -> str:
    """What is still to fill, by table or section, in one line."""
    where: dict[str, int] = {}
    for f in result.missing:
        for cell in f.cells or ["sections"]:
            name = {"table2": "表二", "table3": "表三", "table4": "表四"}.get(cell.split(".")[0], "正文")
            where[name] = where.get(name, 0) + 1
    return "尚未填写：" + "、".join(f"{k}{v}处" for k, v in where.items()) if where else ""


def _fmt_value(value: Any) -> str:
    """A cell in a chat message: as printed in the document, and an unknown one as “空”."""
    return "（空）" if value is None else display(value)


def _header(grid: Grid, attr: str) -> str:
    """A grid's columns as the preview heads them: '维持 纠正 其他 未审结 | 总计' (parts by `attr`, then the total)."""
    total = grid.total_column()
    return " ".join(getattr(c, attr) for c in grid.part_columns) + (f" | {total.label}" if total else "")


def preview(report: Report) -> str:
    """The tables as a readable message: 表二 in full, 表三's non-zero rows and totals, 表四 by group."""
    fmt = report.format
    c = report.cells
    lines = [f"{report.title()}", "", "表二 主动公开"]
    for block in fmt.table2.blocks:
        for row in block.rows:
            if block.columns:
                cols = " / ".join(f"{col.label}{_fmt_value(c[f'table2.{row.key}.{col.key}'])}" for col in block.columns)
                lines.append(f"· {row.label}：{cols}")
            else:
                unit = "万元" if row.kind == "money" else "件"
                value = c[f"table2.{row.key}"]
                lines.append(f"· {row.label}：{_fmt_value(value)}{unit if value is not None else ''}")
    lines += ["", f"表三 依申请公开（{_header(fmt.table3, 'label')}）"]
    rows3 = [(row, [c[f"table3.{row.key}.{col}"] for col in fmt.table3.col_keys]) for row in fmt.table3.data_rows]
    if all(v is None for _, values in rows3 for v in values):
        lines.append("（尚未填写）")
    else:
        always = tuple(fmt.role_row(role) for role in ("received", "carried", "concluded", "forwarded"))
        shown = [(row, values) for row, values in rows3 if row.key in always or any(v != 0 for v in values)]
        for row, values in shown:
            lines.append(f"· {row.name}：{' '.join(_fmt_value(v) for v in values[:-1])} | {_fmt_value(values[-1])}")
        if len(shown) == len(always):
            lines.append("（其余各行均为0）")
    lines += ["", f"表四 复议诉讼（{_header(fmt.table4, 'name')}）"]
    for row in fmt.table4.data_rows:
        values = [c[f"table4.{row.key}.{col}"] for col in fmt.table4.col_keys]
        name = f"{row.super}—{row.label}" if row.super else row.label
        lines.append(f"· {name}：{' '.join(_fmt_value(v) for v in values[:-1])} | {_fmt_value(values[-1])}")
    return "\n".join(lines)
