"""The report model and its JSON form (`shared/spec/report.schema.json`).

A report keeps its numbers in one flat mapping from dotted cell path (`table3.NEW.NP`) to value, so
that every consumer addresses cells exactly as findings name them. The JSON reader walks the format
definition, so the accepted shape is the definition's shape.
"""

from __future__ import annotations

import copy
import json
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cache
from typing import Any

from bot.core.limits import MAX_COUNT, Problem, as_money, check_values, count_problem
from bot.core.numbers import format_decimal, present
from bot.format.definition import FormatDef, format_for_schema, load_format

UNIT_FIELDS = ("name", "level", "province", "city", "county", "address", "phone", "website")

Value = int | Decimal | None


class ReportError(ValueError):
    """A document that cannot be a report; `path` names where (e.g. `table3.NEW.NP`)."""

    def __init__(self, path: str, message: str):
        super().__init__(f"{path}: {message}" if path else message)
        self.path = path
        self.message = message


@dataclass
class CellProblem:
    """A cell whose source value is unusable (kept out of the model, reported by the checker)."""

    path: str
    raw: str
    kind: str  # "blank" | "not_integer" | "not_money"


@dataclass
class Report:
    year: int | None
    unit: dict[str, str]
    text: dict[str, str]
    cells: dict[str, Value]
    profile: str = "national"
    info_fee: dict[str, Any] | None = None
    format: FormatDef = field(default_factory=load_format, repr=False, compare=False)  # its id: format.id

    @property
    def format_id(self) -> str:
        """Which format the report is written in ("gov-2021"); its JSON form names it by `schema`."""
        return self.format.id

    @classmethod
    def empty(cls, year: int | None = None, unit_name: str = "", fmt: FormatDef | None = None) -> Report:
        fmt = fmt or load_format()
        return cls(
            year=year,
            unit={"name": unit_name, "level": "township"},
            text={k: "" for k in fmt.texts},
            cells={c.path: None for c in fmt.cells()},
            format=fmt,
        )

    def get(self, path: str) -> Value:
        return self.cells[path]

    def is_township(self) -> bool:
        return self.unit.get("level", "township") == "township"

    def title(self) -> str:
        return self.format.title(self.unit.get("name", ""), self.year if self.year is not None else "")

    def copy(self) -> Report:
        return copy.deepcopy(self)

    def compute_totals(self) -> None:
        """Fill every total cell (SUM column, TOTAL row, T member) from its parts, where all parts are known."""
        for grid in self.format.grids:
            total_col = grid.total_column()
            total_row = grid.total_row()
            leaves = grid.leaves()
            if total_row:
                for col in grid.col_keys:
                    if total_col and col == total_col.key:
                        continue
                    parts = present([self.cells[f"{grid.key}.{r}.{col}"] for r in leaves])
                    if parts is not None:
                        self.cells[f"{grid.key}.{total_row.key}.{col}"] = sum(parts)
            if total_col:
                for row in grid.row_keys:
                    parts = present([self.cells[f"{grid.key}.{row}.{c}"] for c in total_col.sum_of])
                    if parts is not None:
                        self.cells[f"{grid.key}.{row}.{total_col.key}"] = sum(parts)

    # ---- JSON -------------------------------------------------------------------------------

    def to_dict(self) -> dict[str, Any]:
        """The schema-valid document. Raises ReportError when the report cannot be one yet."""
        if self.year is None or not (self.format.first_year <= self.year <= 2100):
            raise ReportError("year", f"报告年度应为{self.format.first_year}至2100之间的整数，现为{self.year}")
        if not self.unit.get("name"):
            raise ReportError("unit.name", "单位名称不能为空")
        doc: dict[str, Any] = {
            "schema": self.format.schema,
            "year": self.year,
            "profile": self.profile,
            "unit": {k: v for k, v in self.unit.items() if k in UNIT_FIELDS and v},
            "text": {k: self.text.get(k, "") for k in self.format.texts},
        }
        if self.info_fee:
            doc["info_fee"] = dict(self.info_fee)
        for cell in self.format.cells():
            value = self.cells[cell.path]
            out: Any = value
            if isinstance(value, Decimal):
                out = format_decimal(value)
            node = doc.setdefault(cell.table, {})
            if cell.col is None:
                node[cell.row] = out
            else:
                node.setdefault(cell.row, {})[cell.col] = out
        return doc

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), ensure_ascii=False, indent=2)


def _expect(cond: bool, path: str, message: str) -> None:
    if not cond:
        raise ReportError(path, message)


def _read_count(raw: Any) -> tuple[int | None, str | None]:
    """(an integer 0…MAX_COUNT or None for null, why the value is not a count)."""
    if raw is None:
        return None, None
    if isinstance(raw, float) and raw.is_integer() and 0 <= raw <= MAX_COUNT:
        return int(raw), None
    reason = count_problem(raw)
    return (None, reason) if reason else (raw, None)


def _read_money(raw: Any) -> tuple[Decimal | None, str | None]:
    """(an amount in 万元 within the limits or None for null, why the value is not one)."""
    if raw is None:
        return None, None
    money = as_money(raw)
    return (None, money) if isinstance(money, str) else (money, None)


def report_from_dict(
    doc: Any, fmt: FormatDef | None = None, *, lenient: bool = False
) -> tuple[Report, list[CellProblem]]:
    """Read a report document.

    Structural faults and values outside the limits (`bot/core/limits.py`) always raise ReportError naming the
    path. A cell holding an unusable value (negative, fractional, text, too big) raises too, unless
    `lenient`: then the cell is left empty and the problem returned, so that a checker can report it next
    to everything else.
    """
    _expect(isinstance(doc, dict), "", "文档应为JSON对象")
    fmt = fmt or format_for_schema(doc.get("schema")) or load_format()  # the document names its format
    _expect(doc.get("schema") == fmt.schema, "schema", f"应为 \"{fmt.schema}\"")
    year = doc.get("year")
    _expect(
        isinstance(year, int) and not isinstance(year, bool) and fmt.first_year <= year <= 2100,
        "year",
        f"应为{fmt.first_year}至2100之间的整数",
    )
    profile = doc.get("profile", "national")
    _expect(isinstance(profile, str) and profile in fmt.profiles, "profile", f"应为 {' / '.join(fmt.profiles)} 之一")
    unit = doc.get("unit")
    _expect(isinstance(unit, dict), "unit", "应为对象")
    _expect(isinstance(unit.get("name"), str) and unit["name"].strip() != "", "unit.name", "单位名称不能为空")
    level = unit.get("level", "township")
    _expect(isinstance(level, str) and level in fmt.levels, "unit.level", f"应为 {' / '.join(fmt.levels)} 之一")
    for key in UNIT_FIELDS:
        if key in unit:
            _expect(isinstance(unit[key], str), f"unit.{key}", "应为文字")
    text = doc.get("text")
    _expect(isinstance(text, dict), "text", "应为对象")
    for key, spec in fmt.texts.items():
        required = spec["required"]
        if required:
            _expect(key in text, f"text.{key}", "缺少此项")
        if key in text:
            _expect(isinstance(text[key], str), f"text.{key}", "应为文字")
    info_fee = doc.get("info_fee")
    if info_fee is not None:
        _expect(isinstance(info_fee, dict), "info_fee", "应为对象")
        if "cases" in info_fee:
            reason = "应为不小于0的整数" if info_fee["cases"] is None else _read_count(info_fee["cases"])[1]
            _expect(reason is None, "info_fee.cases", f"信息处理费件数{reason}")
        if "amount_yuan" in info_fee:
            amount = info_fee["amount_yuan"]
            reason = "应为不小于0的数" if not isinstance(amount, int | float) else _read_money(amount)[1]
            _expect(reason is None, "info_fee.amount_yuan", f"信息处理费金额{reason}")

    cells: dict[str, Value] = {}
    problems: list[CellProblem] = []
    for table_key in fmt.tables:
        _expect(isinstance(doc.get(table_key), dict), table_key, "缺少此表或格式不对")
    shape = _shape(fmt)
    for table_key, rows in shape.items():
        for key in doc[table_key]:
            _expect(key in rows, f"{table_key}.{key}", "不是本格式的行")
    for cell in fmt.cells():
        node = doc[cell.table]
        if cell.col is not None:
            row = node.get(cell.row)
            _expect(isinstance(row, dict), f"{cell.table}.{cell.row}", "缺少此行或格式不对")
            for key in row:
                _expect(key in shape[cell.table][cell.row], f"{cell.table}.{cell.row}.{key}", "不是本格式的列")
            _expect(cell.col in row, cell.path, "缺少此格")
            raw = row[cell.col]
        else:
            _expect(cell.row in node, cell.path, "缺少此格")
            raw = node[cell.row]
        value, reason = _read_money(raw) if cell.kind == "money" else _read_count(raw)
        if reason:
            unit_word = "（万元）" if cell.kind == "money" else ""
            if not lenient:
                raise ReportError(cell.path, f"「{cell.name}」{unit_word}{reason}，实际为 {_display(raw)[:30]}")
            problems.append(CellProblem(cell.path, _display(raw)[:100], "not_money" if cell.kind == "money" else "not_integer"))
        cells[cell.path] = value

    report = Report(
        year=year,
        unit={k: unit[k].strip() for k in UNIT_FIELDS if isinstance(unit.get(k), str)} | {"level": level},
        text={k: text.get(k, "") for k in fmt.texts},
        cells=cells,
        profile=profile,
        info_fee=dict(info_fee) if info_fee else None,
        format=fmt,
    )
    problem = report_problem(report)
    if problem:
        raise ReportError(problem.key, problem.message)
    return report, problems


def report_values(report: Report) -> dict[str, Any]:
    """The report as the answers the limits are checked on: unit fields, texts, profile, fee item, cells."""
    values: dict[str, Any] = {f"unit.{k}": v for k, v in report.unit.items()}
    values |= {f"text.{k}": v for k, v in report.text.items()}
    values["meta.profile"] = report.profile
    if report.info_fee is not None:
        values["info_fee"] = report.info_fee
    return values | report.cells


def report_problem(report: Report) -> Problem | None:
    """The first value of the report outside the limits (`bot/core/limits.py`), or None."""
    return check_values(report_values(report), report.format)


def _display(raw: Any) -> str:
    return raw if isinstance(raw, str) else json.dumps(raw, ensure_ascii=False)


@cache
def _shape(fmt: FormatDef) -> dict[str, dict[str, set[str]]]:
    """Per table, each row key and the column keys it allows (empty for single-value rows)."""
    shape: dict[str, dict[str, set[str]]] = {key: {} for key in fmt.tables}
    for cell in fmt.cells():
        cols = shape[cell.table].setdefault(cell.row, set())
        if cell.col:
            cols.add(cell.col)
    return shape


def parse_json(text: str, **options: Any) -> object:
    """`json.loads(text, **options)`, its failures said in Chinese as a ReportError."""
    try:
        return json.loads(text, **options)
    except json.JSONDecodeError as exc:
        raise ReportError("", f"不是有效的JSON（第{exc.lineno}行第{exc.colno}列：{exc.msg}）") from None
    except RecursionError:
        raise ReportError("", "JSON嵌套过深，不是年报数据。") from None
    except ValueError:  # a number of more than 4,300 digits
        raise ReportError("", "JSON中的数字位数过多，不是年报数据。") from None


def load_report_json(text: str, fmt: FormatDef | None = None, *, lenient: bool = False) -> tuple[Report, list[CellProblem]]:
    return report_from_dict(parse_json(text), fmt, lenient=lenient)
