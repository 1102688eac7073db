"""Reading tables 二, 三 and 四 of a published report from rows of cell texts.

Sources differ wildly (Word tables with merged cells, text extractions with one cell per line or
tab-separated rows, re-tabulated web pages), so rows are matched by their labels, never by position,
and a number is taken only where its cell is certain. Whatever is uncertain stays empty and is
reported with the rule that covers it.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field
from functools import cache

from bot.checks.findings import Finding
from bot.core.report import CellProblem, Value
from bot.format.definition import FormatDef, Grid, Row, strip_ordinal, walk_rows
from bot.importer.cells import confirm_ocr, kind_of, norm_label, read_value
from bot.importer.unread import printed_line, shown, unread_row

ORDINAL = re.compile(r"^(（[一二三四五六七八九十]+）|[一二三四五六七八九十]+、|\d+\.)")


@dataclass
class TableResult:
    values: dict[str, Value] = field(default_factory=dict)
    problems: list[CellProblem] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


@dataclass
class Run:
    """Consecutive label cells and the value cells that follow them."""

    labels: list[str]
    values: list[str]
    row: int = -1  # source row of the last label
    in_row: int = 0  # how many of the values stand in that same row

    @property
    def label(self) -> str:
        return self.labels[-1]

    def trimmed(self, width: int) -> list[str]:
        """The value cells: exactly the label row's own cells when they are `width` (a Word table row),
        else the values with the empty cells that merged labels leave in extracted text cut off."""
        if self.in_row == width and len(self.values) >= width:
            own = self.values[:width]
            if not any(kind_of(v) != "empty" for v in self.values[width:]):
                return own
        values = list(self.values)
        while values and kind_of(values[0]) == "empty":
            values.pop(0)
        while values and kind_of(values[-1]) == "empty":
            values.pop()
        return values


class RowMatcher:
    """Matches source labels to the data rows of a table, tolerating real-world variants."""

    def __init__(self, rows: list[Row], groups: list[str], aliases: dict[str, tuple[str, ...]] | None = None):
        self.rows = rows
        self.groups = sorted((norm_label(g) for g in groups), key=len, reverse=True)
        self.aliases = {k: {norm_label(a) for a in v} for k, v in (aliases or {}).items()}
        self.canon = {r.key: norm_label(r.label) for r in rows}

    def strip_groups(self, label: str) -> str:
        changed = True
        while changed:
            changed = False
            for g in self.groups:
                if label.startswith(g) and len(label) > len(g):
                    label = label[len(g) :]
                    changed = True
        return label

    def match(self, raw: str, taken: set[str]) -> tuple[str | None, bool]:
        """(row key, matched by an old-format alias). A label that does not match may carry a fragment of a
        group label printed in a narrow column before it ('（三）不 4.保护第三方合法权益', text extracted
        with its layout): then its last numbered part is matched."""
        found = self._match(raw, taken)
        if found[0] is None:
            parts = raw.split()
            for i in range(1, len(parts)):
                tail = " ".join(parts[i:])
                if ORDINAL.match(norm_label(tail)):
                    return self._match(tail, taken)
        return found

    def _match(self, raw: str, taken: set[str]) -> tuple[str | None, bool]:
        label = self.strip_groups(norm_label(raw))
        if not label:
            return None, False
        for key, canon in self.canon.items():
            if label == canon:
                return key, False
        for key, names in self.aliases.items():
            if label in names:
                return key, True
        ordinal = ORDINAL.match(label)
        bare = strip_ordinal(label)
        best: tuple[float, str | None] = (0.0, None)
        for key, canon in self.canon.items():
            canon_ordinal = ORDINAL.match(canon)
            canon_bare = strip_ordinal(canon)
            if ordinal and canon_ordinal and ordinal.group(0) != canon_ordinal.group(0):
                continue
            if len(canon_bare) <= 4 and not (ordinal and canon_ordinal) and (canon_ordinal or bare != canon_bare):
                continue  # short labels (其他, 总计) must carry their own ordinal
            if bare == canon_bare:
                return key, False
            if key in taken or len(bare) < 6:
                continue
            ratio = difflib.SequenceMatcher(None, bare, canon_bare).ratio()
            if ratio > best[0]:
                best = (ratio, key)
        return (best[1], False) if best[0] >= 0.8 else (None, False)


def label_runs(rows: list[list[str]], matcher: RowMatcher) -> list[Run]:
    runs: list[Run] = []
    current = Run([], [])
    taken: set[str] = set()
    for r, row in enumerate(rows):
        for cell in row:
            kind = kind_of(cell)
            if kind == "text":
                has_values = any(kind_of(v) != "empty" for v in current.values)
                if current.labels and (has_values or matcher.match(current.label, taken)[0]):
                    runs.append(current)
                    current = Run([], [])
                current.labels.append(cell)
                current.values = []
                current.row, current.in_row = r, 0
            elif current.labels:
                current.values.append(cell)
                if r == current.row:
                    current.in_row += 1
    if current.labels:
        runs.append(current)
    return runs


def _assign_row(
    result: TableResult, table: str, row_key: str, cols: list[str | None], values: list[str], money: bool = False
) -> None:
    for col, raw in zip(cols, values, strict=False):
        path = f"{table}.{row_key}" + (f".{col}" if col else "")
        value, problem = read_value(raw, path, money)
        result.values[path] = value
        if problem and problem.kind != "blank" or (problem and problem.raw):
            result.problems.append(problem)


def _shape_finding(fmt: FormatDef, rule_id: str, cells: list[str], message: str, result: TableResult) -> None:
    rule = fmt.rule(rule_id)
    result.findings.append(Finding(rule=rule.id, level=rule.level, cells=cells, message=message))
    for path in cells:
        result.values[path] = None
        result.problems.append(CellProblem(path, "", "shape"))


# ---- 表三 -------------------------------------------------------------------------------------


@cache
def grid3_matcher(fmt: FormatDef) -> RowMatcher:
    return RowMatcher(fmt.table3.data_rows, [r.label for r in walk_rows(fmt.table3.rows) if r.children])


def parse_grid3(rows: list[list[str]], fmt: FormatDef) -> TableResult:
    grid = fmt.table3
    result = TableResult()
    matcher = grid3_matcher(fmt)
    group_names = {norm_label(r.label) for r in walk_rows(grid.rows) if r.children}
    ncols = len(grid.columns)
    seen: set[str] = set()
    unknown: list[str] = []
    grouped: list[tuple[Row | None, list[str]]] = []  # a group printed as one row (2019 format), its values
    for run in label_runs(rows, matcher):
        key, _ = matcher.match(run.label, seen)
        for start in range(len(run.labels) - 2, max(-1, len(run.labels) - 5), -1):
            if key is None and run.values:  # a label wrapped over lines that the layout left apart
                key, _ = matcher.match("".join(run.labels[start:]), seen)
        values = run.trimmed(ncols)
        if key is None:
            if values and any(kind_of(v) == "number" for v in values):
                label = norm_label(run.label)
                group = matcher.strip_groups(label) in group_names or label in group_names
                what = f"“{label}”一行直接填了数字（2019年试行格式），按现行格式应分列其下各小项" if group else f"无法识别的行“{label[:30]}”"
                result.notes.append(f"{grid.name}：{what}，其数字未导入。")
                if group:
                    rule = fmt.rule("E-T3-SHAPE")
                    message = rule.say("group_row_numbers", table=grid.name, label=label)
                    group_row = _group_row(grid, matcher, label)
                    leaves = [r.key for r in walk_rows(group_row.children) if not r.children] if group_row else []
                    cells = [f"table3.{k}.{c}" for k in leaves for c in grid.col_keys]
                    result.findings.append(Finding(rule=rule.id, level=rule.level, cells=cells, message=message))
                    grouped.append((group_row, values))
                else:  # printed, but matching no row: the reader's gap, said once with the line
                    unknown.append(shown([run.label, *values]))
            continue
        if key in seen:
            result.notes.append(f"{grid.name}：「{grid.row(key).label}」出现了两次，只取第一次。")
            continue
        seen.add(key)
        paths = [f"table3.{key}.{c}" for c in grid.col_keys]
        if not run.values:  # the label and nothing after it: blank or not read, which cannot be known
            unread_row(fmt, result, grid.name, grid.row(key).name, paths, shown([run.label]))
            continue
        if not values:
            for path in paths:
                result.values[path] = None
            continue
        if len(values) == ncols:
            values = confirm_ocr(values, *_sum_indexes(grid)) or []
        if len(values) != ncols:
            line = shown([run.label, *run.trimmed(ncols)])
            unread_row(fmt, result, grid.name, grid.row(key).name, paths, line)
            result.notes.append(
                fmt.rule("E-T3-SHAPE").say("row_width", table=grid.name, row=grid.row(key).name, expected=ncols, actual=len(values))
            )
            continue
        _assign_row(result, "table3", key, list(grid.col_keys), values)
    _group_sums(grid, grouped, seen, result)
    for row in grid.data_rows:
        if row.key not in seen:
            paths = [f"table3.{row.key}.{c}" for c in grid.col_keys]
            printed = printed_line(rows, row.label) or ("（未找到与这一行对应的文字）" if unknown else None)
            if printed:
                unread_row(fmt, result, grid.name, row.name, paths, printed)
            else:
                _shape_finding(fmt, "E-T3-SHAPE", paths, fmt.rule("E-T3-SHAPE").say("missing_row", table=grid.name, row=row.label), result)
    for line in unknown:
        rule = fmt.rule("W-UNREAD")
        result.findings.append(Finding(rule=rule.id, level=rule.level, cells=[], actual=line,
                                       message=rule.say(table=grid.name, row=line.split(" ")[0][:30], line=line)))
    return result


def _group_row(grid: Grid, matcher: RowMatcher, label: str) -> Row | None:
    for row in walk_rows(grid.rows):
        if row.children and norm_label(row.label) in (label, matcher.strip_groups(label)):
            return row
    return None


def _group_sums(grid: Grid, grouped: list[tuple[Row | None, list[str]]], seen: set[str], result: TableResult) -> None:
    """A group printed as one row whose own rows are not printed ('（六）其他处理' in the 2019 layout): already
    one E-T3-SHAPE finding, not one more for each missing row. Its numbers stand for the sum of its rows:
    kept as problems of kind 'group_sum' (on its first row) and 'group_part' (the others), so that the
    validator sums it as its parts for (七)总计; its rows' own cells stay empty."""
    for group, values in grouped:
        read = [read_value(v, "", False) for v in values]
        if group is None or len(values) != len(grid.col_keys) or any(problem for _, problem in read):
            continue
        values = [str(value) for value, _ in read]
        leaves = [str(r.key) for r in walk_rows(group.children) if not r.children]
        if any(key in seen for key in leaves):
            continue
        for n, key in enumerate(leaves):
            seen.add(key)
            for col, raw in zip(grid.col_keys, values, strict=True):
                path = f"table3.{key}.{col}"
                result.values[path] = None
                result.problems.append(CellProblem(path, raw if n == 0 else "", "group_sum" if n == 0 else "group_part"))


# ---- 表二 -------------------------------------------------------------------------------------


def parse_table2(rows: list[list[str]], fmt: FormatDef) -> TableResult:
    t2 = fmt.table2
    result = TableResult()
    matcher = RowMatcher(t2.data_rows, [b.heading for b in t2.blocks], t2.old_row_labels)
    texts = [norm_label(c) for row in rows for c in row if kind_of(c) == "text"]
    old = [lab for lab in t2.old_format_labels if any(norm_label(lab) in t for t in texts)]
    if old:
        rule = fmt.rule("E-T2-SHAPE")
        result.findings.append(
            Finding(
                rule=rule.id,
                level=rule.level,
                cells=[],
                actual="、".join(old),
                message=rule.say("old_columns", table=t2.name, labels="、".join(old)),
            )
        )
    seen: set[str] = set()
    for run in label_runs(rows, matcher):
        key, by_alias = matcher.match(run.label, seen)
        if key is None or key in seen:
            continue
        seen.add(key)
        block = next(b for b in t2.blocks if any(r.key == key for r in b.rows))
        row = next(r for r in block.rows if r.key == key)
        cols: list[str | None] = [c.key for c in block.columns] or [None]
        paths = [f"table2.{key}" + (f".{c}" if c else "") for c in cols]
        if by_alias:
            rule = fmt.rule("E-T2-SHAPE")
            result.findings.append(
                Finding(
                    rule=rule.id,
                    level=rule.level,
                    cells=paths,
                    actual=norm_label(run.label),
                    message=rule.say("old_row_label", table=t2.name, label=norm_label(run.label), row=row.label),
                )
            )
        values = run.trimmed(len(cols))
        if len(cols) == 1 and len(values) > 1 and len(set(values)) == 1:
            values = values[:1]  # one value merged over the columns, repeated in each by a pipe table
        if not run.values:  # the label and nothing after it: blank or not read, which cannot be known
            unread_row(fmt, result, t2.name, row.label, paths, shown([run.label]))
            continue
        if not values:
            for path in paths:
                result.values[path] = None
            continue
        if (len(values) != len(cols) or any(kind_of(v) == "ocr" for v in values)) and not old:
            # (表二 has no sums that could confirm an OCR look-alike read as a digit)
            unread_row(fmt, result, t2.name, row.label, paths, shown([run.label, *values]))
            continue
        if len(values) != len(cols) or (old and block is t2.blocks[0] and _old_columns(texts)):
            _shape_finding(
                fmt,
                "E-T2-SHAPE",
                paths,
                fmt.rule("E-T2-SHAPE").say("row_width", table=t2.name, row=row.label, expected=len(cols), actual=len(values)),
                result,
            )
            continue
        _assign_row(result, "table2", key, cols, values, money=row.kind == "money")
    for row in t2.data_rows:
        if row.key not in seen:
            block = next(b for b in t2.blocks if row in b.rows)
            paths = [f"table2.{row.key}" + (f".{c.key}" if c else "") for c in (block.columns or [None])]
            line = printed_line(rows, row.label)
            if line:
                unread_row(fmt, result, t2.name, row.label, paths, line)
                continue
            _shape_finding(fmt, "E-T2-SHAPE", paths, fmt.rule("E-T2-SHAPE").say("missing_row", table=t2.name, row=row.label), result)
    return result


def _old_columns(texts: list[str]) -> bool:
    return any(t in ("本年新制作数量", "本年新公开数量", "对外公开总数量") for t in texts)


def _sum_indexes(grid: Grid) -> tuple[list[int], int]:
    """Positions of the parts and of the total in a row of the grid (表三: six kinds and 总计)."""
    total = grid.total_column()
    assert total is not None
    keys = list(grid.col_keys)
    return [keys.index(c) for c in total.sum_of], keys.index(total.key)
