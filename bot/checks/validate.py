"""The validator: runs every rule of the format definition against a report.

Each rule in the definition names a `check`; this module maps check names to functions. A check
gets the rule (its id, level, message template and parameters) and a context, and yields findings.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from functools import lru_cache

from bot.checks import text_content, text_tables
from bot.checks.findings import Finding, sort_findings
from bot.core import limits
from bot.core.report import CellProblem, Report
from bot.format.definition import Rule


@dataclass
class Context:
    report: Report
    previous: Report | None = None
    today: date | None = None
    deadline: date | None = None
    problems: list[CellProblem] = field(default_factory=list)


Check = Callable[[Rule, Context], Iterable[Finding]]


def _ints(values: Sequence[object]) -> list[int] | None:
    """The values when every one is a count (not blank, not an unread cell); None otherwise."""
    out = [v for v in values if type(v) is int]
    return out if len(out) == len(values) else None


def _terms(names: list[str], values: list[int]) -> str:
    return " + ".join(f"{n}{v}" for n, v in zip(names, values, strict=True))


def column_total(rule: Rule, ctx: Context) -> Iterator[Finding]:
    """For every row: the parts columns add up to the total column (表三 SUM, 表四 T)."""
    grid = ctx.report.format.grid(rule.params["table"])
    total_col = grid.total_column()
    assert total_col is not None
    for row in grid.data_rows:
        paths = [f"{grid.key}.{row.key}.{c}" for c in total_col.sum_of]
        total_path = f"{grid.key}.{row.key}.{total_col.key}"
        values = _ints([ctx.report.cells[p] for p in paths])
        actual = ctx.report.cells[total_path]
        if values is None or type(actual) is not int:
            continue
        expected = sum(values)
        if expected != actual:
            names = [grid.column(c).label for c in total_col.sum_of]
            yield Finding(
                rule=rule.id,
                level=rule.level,
                cells=[*paths, total_path],
                expected=expected,
                actual=actual,
                message=rule.say(
                    table=grid.name,
                    row=f"{row.super}—{row.label}" if row.super else row.name,
                    parts=_terms(names, values),
                    total=total_col.label,
                    expected=expected,
                    actual=actual,
                ),
            )


def row_total(rule: Rule, ctx: Context) -> Iterator[Finding]:
    """For every column: the leaf rows add up to the total row (表三 （七）总计)."""
    grid = ctx.report.format.grid(rule.params["table"])
    total_row = grid.total_row()
    assert total_row is not None
    grouped = {p.path: (int(p.raw) if p.kind == "group_sum" else 0) for p in ctx.problems if p.kind in ("group_sum", "group_part")}
    for col in grid.columns:
        paths = [f"{grid.key}.{r}.{col.key}" for r in grid.leaves()]
        total_path = f"{grid.key}.{total_row.key}.{col.key}"
        # a group printed as one row (2019 layout) counts as the sum of its rows
        values = _ints([grouped.get(p, ctx.report.cells[p]) if ctx.report.cells[p] is None else ctx.report.cells[p] for p in paths])
        actual = ctx.report.cells[total_path]
        if values is None or type(actual) is not int:
            continue
        expected = sum(values)
        if expected != actual:
            yield Finding(
                rule=rule.id,
                level=rule.level,
                cells=[*paths, total_path],
                expected=expected,
                actual=actual,
                message=rule.say(
                    table=grid.name, col_ordinal=grid.col_ordinal(col.key), col=col.label, expected=expected, actual=actual
                ),
            )


def balance(rule: Rule, ctx: Context) -> Iterator[Finding]:
    """For every column: the left rows add up to the right rows (the printed 勾稽关系)."""
    grid = ctx.report.format.grid(rule.params["table"])
    left, right = rule.params["left"], rule.params["right"]
    for col in grid.columns:
        lp = [f"{grid.key}.{r}.{col.key}" for r in left]
        rp = [f"{grid.key}.{r}.{col.key}" for r in right]
        lv = _ints([ctx.report.cells[p] for p in lp])
        rv = _ints([ctx.report.cells[p] for p in rp])
        if lv is None or rv is None:
            continue
        expected, actual = sum(lv), sum(rv)
        if expected != actual:
            yield Finding(
                rule=rule.id,
                level=rule.level,
                cells=[*lp, *rp],
                expected=expected,
                actual=actual,
                message=rule.say(
                    table=grid.name,
                    col_ordinal=grid.col_ordinal(col.key),
                    col=col.label,
                    left=_terms([grid.row(r).name for r in left], lv),
                    right=_terms([grid.row(r).name for r in right], rv),
                ),
            )


def _cell_problems(rule: Rule, ctx: Context, kinds: tuple[str, ...]) -> Iterator[Finding]:
    fmt = ctx.report.format
    for p in ctx.problems:
        if p.kind in kinds:
            yield Finding(
                rule=rule.id,
                level=rule.level,
                cells=[p.path],
                actual=p.raw,
                message=rule.say(cell=fmt.cell(p.path).name, actual=p.raw),
            )


def integer_cells(rule: Rule, ctx: Context) -> Iterator[Finding]:
    yield from _cell_problems(rule, ctx, ("not_integer",))
    for cell in ctx.report.format.cells():
        value = ctx.report.cells[cell.path]
        if cell.kind == "count" and value is not None and (not isinstance(value, int) or isinstance(value, bool) or value < 0):
            yield Finding(
                rule=rule.id,
                level=rule.level,
                cells=[cell.path],
                actual=value,
                message=rule.say(cell=cell.name, actual=value),
            )


def fee_number(rule: Rule, ctx: Context) -> Iterator[Finding]:
    yield from _cell_problems(rule, ctx, ("not_money",))
    for cell in ctx.report.format.cells():
        value = ctx.report.cells[cell.path]
        if cell.kind == "money" and value is not None and (not isinstance(value, (int, Decimal)) or value < 0):
            yield Finding(
                rule=rule.id, level=rule.level, cells=[cell.path], actual=value,
                message=rule.say(cell=cell.name, actual=value),
            )


def blank_cells(rule: Rule, ctx: Context) -> Iterator[Finding]:
    reported = {p.path for p in ctx.problems}
    blank_raw = {p.path: p.raw for p in ctx.problems if p.kind == "blank"}
    for cell in ctx.report.format.cells():
        if ctx.report.cells[cell.path] is None and (cell.path not in reported or cell.path in blank_raw):
            raw = blank_raw.get(cell.path, "")
            yield Finding(
                rule=rule.id,
                level=rule.level,
                cells=[cell.path],
                actual=raw or None,
                message=rule.say(cell=cell.name),
            )


def sections(rule: Rule, ctx: Context) -> Iterator[Finding]:
    """In a report held as data: required texts are written, and no text repeats a heading or the title."""
    fmt = ctx.report.format
    headings = {s.full_heading: s for s in fmt.sections}
    for key, spec in fmt.texts.items():
        text = ctx.report.text.get(key, "")
        if spec["required"] and not text.strip():
            yield Finding(
                rule=rule.id,
                level=rule.level,
                cells=[f"text.{key}"],
                message=rule.say("missing_text", label=spec["label"]),
            )
        elif key == "problems" and text_content.problems_empty(text):
            yield Finding(rule=rule.id, level=rule.level, cells=[f"text.{key}"], message=rule.say("empty_problems", label=spec["label"]))
        for gap in text_content.placeholders(text):
            yield Finding(rule=rule.id, level=rule.level, cells=[f"text.{key}"], actual=gap,
                          message=rule.say("placeholder", label=spec["label"], quote=gap))
        for line in text.splitlines():
            line = re.sub(r"\s+", "", line)
            if line in headings or re.fullmatch(r".{0,40}\d{4}年度?政府信息公开工作年度报告", line):
                yield Finding(
                    rule=rule.id,
                    level=rule.level,
                    cells=[f"text.{key}"],
                    actual=line,
                    message=rule.say("heading_in_text", label=spec["label"], line=line),
                )


def township_regulations(rule: Rule, ctx: Context) -> Iterator[Finding]:
    if ctx.report.unit.get("level", "township") not in rule.params["levels"]:
        return
    row = rule.params["row"]
    for col in ctx.report.format.table2.block_of(row).columns:
        path = f"table2.{row}.{col.key}"
        value = ctx.report.cells[path]
        if isinstance(value, int) and value != 0:
            yield Finding(
                rule=rule.id,
                level=rule.level,
                cells=[path],
                expected=0,
                actual=value,
                message=rule.say(cell=ctx.report.format.cell(path).name, actual=value),
            )


def carry_previous(rule: Rule, ctx: Context) -> Iterator[Finding]:
    if ctx.previous is None:
        return
    grid = ctx.report.format.grid(rule.params["table"])
    for col in grid.columns:
        path = f"{grid.key}.{rule.params['row']}.{col.key}"
        prev_path = f"{grid.key}.{rule.params['previous_row']}.{col.key}"
        actual, expected = ctx.report.cells[path], ctx.previous.cells[prev_path]
        if _ints([actual, expected]) is not None and actual != expected:
            yield Finding(
                rule=rule.id,
                level=rule.level,
                cells=[path],
                expected=expected,
                actual=actual,
                message=rule.say(
                    table=grid.name, col_ordinal=grid.col_ordinal(col.key), col=col.label, actual=actual, expected=expected
                ),
            )


def valid_continuity(rule: Rule, ctx: Context) -> Iterator[Finding]:
    if ctx.previous is None:
        return
    for row in rule.params["rows"]:
        cur = {c: ctx.report.cells[f"table2.{row}.{c}"] for c in ("made", "repealed", "valid")}
        prev = ctx.previous.cells[f"table2.{row}.valid"]
        known = _ints([cur["made"], cur["repealed"], prev])
        if known is None or type(cur["valid"]) is not int:
            continue
        made, repealed, before = known
        expected = before + made - repealed
        if expected != cur["valid"]:
            yield Finding(
                rule=rule.id,
                level=rule.level,
                cells=[f"table2.{row}.valid", f"table2.{row}.made", f"table2.{row}.repealed"],
                expected=expected,
                actual=cur["valid"],
                message=rule.say(
                    row=ctx.report.format.table2.row(row).label,
                    actual=cur["valid"],
                    prev=prev,
                    made=cur["made"],
                    repealed=cur["repealed"],
                    expected=expected,
                ),
            )


@lru_cache(maxsize=64)
def _shingles(text: str) -> frozenset[str]:
    """Three-character shingles of the Chinese text (years dropped), cached: last year's texts do not change."""
    han = "".join(text_tables.HAN.findall(text))
    return frozenset(han[i : i + 3] for i in range(len(han) - 2))


def repeat_text(rule: Rule, ctx: Context) -> Iterator[Finding]:
    if ctx.previous is None:
        return
    for key in rule.params["texts"]:
        now, before = _shingles(ctx.report.text.get(key, "")), _shingles(ctx.previous.text.get(key, ""))
        if len(now) < 20 or len(before) < 20:
            continue
        ratio = 2 * len(now & before) / (len(now) + len(before))
        if ratio >= rule.params["threshold"]:
            yield Finding(
                rule=rule.id,
                level=rule.level,
                cells=[f"text.{key}"],
                expected=rule.params["threshold"],
                actual=round(ratio, 2),
                message=rule.say(section=ctx.report.format.text_label(key), ratio=f"{ratio:.0%}"),
            )


def late(rule: Rule, ctx: Context) -> Iterator[Finding]:
    if ctx.today and ctx.deadline and ctx.today > ctx.deadline:
        yield Finding(
            rule=rule.id,
            level=rule.level,
            cells=[],
            expected=ctx.deadline.isoformat(),
            actual=ctx.today.isoformat(),
            message=rule.say(expected=ctx.deadline.isoformat(), actual=ctx.today.isoformat()),
        )


def import_only(rule: Rule, ctx: Context) -> Iterator[Finding]:
    """Shape rules describe a source document; the importer reports them, a report held as data has its shape."""
    return iter(())


def _text_rule(fn: Callable[[Rule, Report], Iterable[Finding]]) -> Check:
    return lambda rule, ctx: fn(rule, ctx.report)


CHECKS: dict[str, Check] = {
    "column_total": column_total,
    "row_total": row_total,
    "balance": balance,
    "integer_cells": integer_cells,
    "fee_number": fee_number,
    "blank_cells": blank_cells,
    "sections": sections,
    "table2_shape": import_only,
    "table3_shape": import_only,
    "table4_shape": import_only,
    "unread_rows": import_only,
    "large_values": _text_rule(limits.large_values),
    "township_regulations": township_regulations,
    "carry_previous": carry_previous,
    "valid_continuity": valid_continuity,
    "repeat_text": repeat_text,
    "late": late,
    "fee_statement": _text_rule(text_content.fee_statement),
    "text_applications": _text_rule(text_tables.text_applications),
    "text_review": _text_rule(text_tables.text_review),
    "text_documents": _text_rule(text_tables.text_documents),
    "text_breakdown": _text_rule(text_tables.text_breakdown),
    "text_years": _text_rule(text_tables.text_years),
    "overview_aspects": _text_rule(text_content.overview_aspects),
    "overview_length": _text_rule(text_content.overview_length),
    "problems_content": _text_rule(text_content.problems_content),
    "other_high": _text_rule(text_content.other_high),
    "fee_unit": _text_rule(text_content.fee_unit),
    "wrong_level": _text_rule(text_content.wrong_level),
    "citations": _text_rule(text_content.citations),
    "artifacts": _text_rule(text_content.artifacts),
}


def validate(
    report: Report,
    previous: Report | None = None,
    *,
    today: date | None = None,
    deadline: date | None = None,
    problems: list[CellProblem] | None = None,
    only: Iterable[str] | None = None,
) -> list[Finding]:
    """All findings for a report, errors first, grouped in report order.

    `problems` are cells the loader could not use (reported as E-INT / E-FEE / E-BLANK);
    `only` limits the run to some rule ids (the interview checks one table at a time).
    """
    ctx = Context(report=report, previous=previous, today=today, deadline=deadline, problems=problems or [])
    wanted = set(only) if only is not None else None
    findings: list[Finding] = []
    for rule in report.format.rules:
        if wanted is not None and rule.id not in wanted:
            continue
        findings.extend(CHECKS[rule.check](rule, ctx))
    return sort_findings(findings)


UNFINISHED = ("E-BLANK", "E-SECTIONS")  # what a report still being filled lacks: progress, not mistakes


def open_errors(report: Report) -> int:
    """Errors in what has been filled so far (blank cells and unwritten sections not counted). Runs only
    the error rules: the county overview counts them for hundreds of reports at once."""
    only = [r.id for r in report.format.rules if r.level == "error" and r.id not in UNFINISHED]
    return sum(1 for f in validate(report, only=only) if f.level == "error")
