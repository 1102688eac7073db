"""Which days are working days in China: the `chinesecalendar` package, an operator's file, or weekends.

The State Council publishes next year's holidays in November, before any package release knows them,
so an operator can add a year in a small YAML file (see docs/reminders.md); it is validated on load.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

import chinese_calendar
import yaml

HOLIDAY_NAMES = {
    "New Year's Day": "元旦",
    "Spring Festival": "春节",
    "Tomb-sweeping Day": "清明节",
    "Labour Day": "劳动节",
    "Dragon Boat Festival": "端午节",
    "National Day": "国庆节",
    "Mid-autumn Festival": "中秋节",
    "Anti-Fascist 70th Day": "抗战胜利纪念日",
}


class CalendarFileError(ValueError):
    """The operator's holiday file is wrong; the message says where."""


@dataclass(frozen=True)
class DayInfo:
    working: bool
    reason: str  # "" for an ordinary working day; 周末, 春节假期, 调休上班, …
    known: bool  # False when the year's holidays are not known (weekends only)


@dataclass
class WorkCalendar:
    extra_holidays: dict[date, str] = field(default_factory=dict)
    extra_workdays: set[date] = field(default_factory=set)
    extra_years: set[int] = field(default_factory=set)

    @classmethod
    def load(cls, path: Path | None) -> WorkCalendar:
        """The package's calendar, plus the operator's file when it exists."""
        if path is None or not path.exists():
            return cls()
        return cls(*parse_calendar_file(path.read_text(encoding="utf-8")))

    def day(self, d: date) -> DayInfo:
        if d.year in self.extra_years:
            if d in self.extra_workdays:
                return DayInfo(True, "调休上班", True)
            if d in self.extra_holidays:
                return DayInfo(False, f"{self.extra_holidays[d]}假期", True)
            return DayInfo(d.weekday() < 5, "" if d.weekday() < 5 else "周末", True)
        try:
            working = chinese_calendar.is_workday(d)
            _, name = chinese_calendar.get_holiday_detail(d)
        except NotImplementedError:
            return DayInfo(d.weekday() < 5, "" if d.weekday() < 5 else "周末", False)
        if working:
            return DayInfo(True, "调休上班" if d.weekday() >= 5 else "", True)
        if name:
            return DayInfo(False, f"{HOLIDAY_NAMES.get(name, name)}假期", True)
        return DayInfo(False, "周末", True)

    def is_working(self, d: date) -> bool:
        return self.day(d).working

    def previous_working(self, d: date) -> date:
        """d itself when it is a working day, else the last working day before it."""
        while not self.is_working(d):
            d -= timedelta(days=1)
        return d

    def next_working_after(self, d: date) -> date:
        d += timedelta(days=1)
        while not self.is_working(d):
            d += timedelta(days=1)
        return d

    def working_days_between(self, start: date, end: date) -> int:
        """Working days from start (exclusive) to end (inclusive)."""
        n, d = 0, start
        while d < end:
            d += timedelta(days=1)
            n += self.is_working(d)
        return n

    def knows(self, year: int) -> bool:
        return self.day(date(year, 6, 1)).known


def _date(value: object, where: str) -> date:
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        raise CalendarFileError(f"{where}：日期应写成 YYYY-MM-DD，而不是“{value}”") from None


def parse_calendar_file(text: str) -> tuple[dict[date, str], set[date], set[int]]:
    """{year: {holidays: [{date|from,to, name}], workdays: [dates]}} → holidays, workdays, years."""
    try:
        data = yaml.safe_load(text) or {}
    except yaml.YAMLError as exc:
        raise CalendarFileError(f"节假日文件不是有效的YAML：{exc}") from None
    except ValueError as exc:  # YAML reads 2027-02-30 as a date and fails
        raise CalendarFileError(f"日期应写成 YYYY-MM-DD 且真实存在：{exc}") from None
    if not isinstance(data, dict):
        raise CalendarFileError("节假日文件应以年份为键，例如 2027:")
    holidays: dict[date, str] = {}
    workdays: set[date] = set()
    years: set[int] = set()
    for year, spec in data.items():
        if not isinstance(year, int) or not 2000 <= year <= 2100:
            raise CalendarFileError(f"“{year}”不是年份")
        if not isinstance(spec, dict) or not set(spec) <= {"holidays", "workdays"}:
            raise CalendarFileError(f"{year}年：只能有 holidays 和 workdays 两项")
        years.add(year)
        for i, item in enumerate(spec.get("holidays") or []):
            where = f"{year}年 holidays 第{i + 1}项"
            if not isinstance(item, dict) or "name" not in item:
                raise CalendarFileError(f"{where}：需要 name，以及 date 或 from/to")
            start = _date(item.get("date", item.get("from")), where)
            end = _date(item.get("to", start), where)
            if end < start or (end - start).days > 20:
                raise CalendarFileError(f"{where}：日期范围不对（{start} 至 {end}）")
            d = start
            while d <= end:
                if d.year != year:
                    raise CalendarFileError(f"{where}：{d} 不在{year}年")
                holidays[d] = str(item["name"])
                d += timedelta(days=1)
        for i, value in enumerate(spec.get("workdays") or []):
            d = _date(value, f"{year}年 workdays 第{i + 1}项")
            if d.year != year:
                raise CalendarFileError(f"{year}年 workdays 第{i + 1}项：{d} 不在{year}年")
            if d in holidays:
                raise CalendarFileError(f"{d} 同时是假日和调休上班日")
            workdays.add(d)
    return holidays, workdays, years
