"""A county's units at a glance: status, progress, open errors, last activity and days to the deadline.

Read in a few bulk queries (units, reports, answers, members, deadlines), not per unit: a county has up to
some hundreds of units and the coordinator waits for the answer in a chat.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from bot.checks.validate import open_errors
from bot.core.limits import UNIT_TEXT, check_value, check_values
from bot.core.progress import parts_done_from, started
from bot.core.report import Report
from bot.format.definition import FormatDef
from bot.format.interview import Script
from bot.reminders.schedule import county_keys, earliest
from bot.storage.db import aware
from bot.storage.models import County, Deadline, ReportRecord, Unit, id_of
from bot.storage.protocols import OverviewStore
from bot.storage.reports import assemble_report

STATUS_LABELS = {"none": "未开始", "draft": "填报中", "returned": "已退回", "review": "待审核", "final": "已定稿"}
STATUS_ORDER = {"none": 0, "draft": 1, "returned": 1, "review": 2, "final": 3}


@dataclass
class UnitStatus:
    unit: Unit
    record: ReportRecord | None
    status: str  # none | draft | returned | review | final
    done: int
    parts: int
    errors: int
    last_activity: datetime | None
    deadline: date
    days_left: int
    members: int
    report: Report | None
    problem: str = ""  # why the unit's stored values cannot be summarised (it is listed, not collected)

    @property
    def label(self) -> str:
        return STATUS_LABELS[self.status]

    @property
    def name(self) -> str:
        """The unit's name as listed: a name longer than any unit's (written past the limits) is cut."""
        return short_name(self.unit.name)

    @property
    def behind(self) -> bool:
        """Still to be filled in (a returned report too); waiting for review or final is not behind."""
        return self.status in ("none", "draft", "returned")


def county_status(store: OverviewStore, county: County, year: int, fmt: FormatDef, script: Script, today: date) -> list[UnitStatus]:
    """Every unit of the county with its report of `year`, most behind first, then by name."""
    units = store.county_units(id_of(county))
    if not units:
        return []
    unit_ids = [id_of(u) for u in units]
    snap = store.county_snapshot(unit_ids, year, county_keys(store, units[0]))
    records, answers, returned, members, deadlines = snap.records, snap.answers, snap.returned, snap.members, snap.deadlines
    county_rows = [d for d in deadlines if d.scope == "county"]
    unit_rows: dict[str, list[Deadline]] = defaultdict(list)
    for d in deadlines:
        if d.scope == "unit":
            unit_rows[d.scope_key].append(d)

    out = []
    for unit in units:
        record = records.get(id_of(unit))
        due, _ = earliest(year, county_rows + unit_rows.get(str(unit.id), []))
        mine = answers.get(id_of(record), {}) if record else {}
        if record is None or not started(mine):  # the card the county gave is not a start
            status = "none"
        elif record.status == "draft" and record.id in returned:
            status = "returned"
        else:
            status = record.status
        report, errors, done, problem = _summary(unit, record, mine, status, fmt, script)
        out.append(
            UnitStatus(
                unit=unit,
                record=record,
                status=status,
                done=done,
                parts=len(script.parts),
                errors=errors,
                last_activity=aware(record.updated_at) if record and started(mine) else None,
                deadline=due,
                days_left=(due - today).days,
                members=members.get(unit.id or 0, 0),
                report=report,
                problem=problem,
            )
        )
    out.sort(key=lambda s: (STATUS_ORDER[s.status], s.done, s.unit.name))
    return out


def _summary(
    unit: Unit, record: ReportRecord | None, answers: dict[str, Any], status: str, fmt: FormatDef, script: Script
) -> tuple[Report | None, int, int, str]:
    """(report, open errors, parts done, why it cannot be summarised) of one unit. Stored values outside
    the limits (`bot/core/limits.py`: written by hand, or by a release without them) are named, not summed."""
    problem = check_value("unit.name", unit.name, fmt) or check_values(answers, fmt)
    if problem:
        return None, 0, 0, problem.message
    if record is None or not started(answers):  # nothing beyond the card the county gave: nothing to sum
        return None, 0, 0, ""
    try:
        report = assemble_report(record, unit, answers)
        # a final report passed every check and was approved: complete, whatever optional part is empty
        done = len(script.parts) if status == "final" else len(parts_done_from(answers, fmt, script))
        return report, open_errors(report), done, ""
    except (ValueError, TypeError, ArithmeticError, KeyError, AttributeError):
        return None, 0, 0, "保存的数据无法读取。"


def short_name(name: str) -> str:
    return name if len(name) <= UNIT_TEXT["name"] else name[: UNIT_TEXT["name"]] + "…"


def dashboard_text(county: County, year: int, rows: list[UnitStatus], today: date, zone: Any) -> str:
    """The coordinator's /dashboard message."""
    counts: dict[str, int] = defaultdict(int)
    for row in rows:
        counts[row.status] += 1
    head = (
        f"{county.name}{year}年度政府信息公开工作年度报告进度（截至{today.month}月{today.day}日）\n"
        f"共{len(rows)}个单位：已定稿{counts['final']}，待审核{counts['review']}，"
        f"填报中{counts['draft'] + counts['returned']}（其中已退回{counts['returned']}），未开始{counts['none']}。"
    )
    if not rows:
        return head + "\n还没有单位。发送 /addunit 单位名称 添加。"
    lines = [head, "编号｜单位｜状态｜进度｜错误｜最后填报｜截止"]
    for row in rows:
        last = row.last_activity.astimezone(zone).strftime("%m-%d") if row.last_activity else "—"
        days = f"剩{row.days_left}天" if row.days_left >= 0 else f"逾期{-row.days_left}天"
        who = "" if row.members else "（无人加入）"
        if row.problem:
            lines.append(f"#{row.unit.id} {row.name}{who}｜{row.label}｜无法汇总：{row.problem}｜{last}｜{days}")
            continue
        lines.append(
            f"#{row.unit.id} {row.name}{who}｜{row.label}｜{row.done}/{row.parts}｜"
            f"{row.errors if row.report else '—'}｜{last}｜{days}"
        )
    lines.append("发送 /open 编号 查看某单位的报告（只读），/nudge 提醒落后单位，/collect 汇总下载。")
    return "\n".join(lines)
