"""Rows of 表三 however they come in: one path for a row per message, "行名 + 数字", and a pasted table.

`read_rows` reads what the clerk sent into rows of six counts with the total they stated (if any);
`store_rows` refuses every row whose stated total disagrees with its parts (naming it, storing nothing
of it), stores the others with their totals computed, and says what is stored, read back after saving.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from bot.core.numbers import Number, present
from bot.importer.cells import norm_label, rows_from_lines
from bot.importer.tables import grid3_matcher, parse_grid3
from bot.interview import parse
from bot.interview.context import Ctx
from bot.interview.parse import AnswerError

CN_NUMERALS = frozenset("０１２３４５６７８９零〇一二两三四五六七八九十百")
NUMBER_MARKS = frozenset(",，、")
# Short names a clerk types that the table's own labels do not settle: 其他 is the last 其他处理 case (the
# format's role `other_unnamed`).
OTHER_ALIASES = ("其他", "3.其他", "其他处理")


@dataclass
class Rows:
    """What was read: row key → (six counts, stated total or None), and notes on what was not."""

    rows: dict[str, tuple[list[int], int | None]] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    header: bool = False  # a header line was seen (and ignored)


def is_header(ctx: Ctx, line: str) -> bool:
    return not re.search(r"\d", line) and sum(w in line for w in ctx.fmt.table3.header_words) >= 2


def match_row(ctx: Ctx, label: str) -> str | None:
    """The row a typed label names: the format's labels and short names, and the clerks' aliases."""
    grid = ctx.fmt.table3
    norm = norm_label(label)
    if norm in OTHER_ALIASES:
        return ctx.fmt.role_row("other_unnamed")
    key, _ = grid3_matcher(ctx.fmt).match(label, set())
    if key is None:
        key = {norm_label(r.name): r.key for r in grid.data_rows}.get(norm)
    return key


def is_numeral(c: str) -> bool:
    return c.isdecimal() or c in CN_NUMERALS


def split_row(line: str, work: list[int] | None = None) -> tuple[str, str] | None:
    """(label, numbers) of '予以公开 1 0 0 0 0 0': the label, then whitespace, then to the end of the line only
    numerals, whitespace and , ， 、 (starting with a numeral); the label is the shortest that leaves such a
    tail. A scanner, not a pattern: each character is looked at a bounded number of times (`work` counts
    them), where the pattern it replaces backtracked quadratically (20,000 characters: seconds).
    """
    steps = 0
    n = len(line)
    start = n  # the start of the longest tail of numerals, whitespace and marks
    while start > 0 and (is_numeral(line[start - 1]) or line[start - 1].isspace() or line[start - 1] in NUMBER_MARKS):
        start -= 1
        steps += 1
    found = None
    i = max(start, 1)
    while i < n:  # the first whitespace run inside the tail, after a non-space, that is followed by a numeral
        steps += 1
        if line[i].isspace() and not line[i - 1].isspace():
            j = i
            while j < n and line[j].isspace():
                j += 1
                steps += 1
            if j < n and is_numeral(line[j]):
                found = (line[:i], line[j:])
                break
            i = j
        else:
            i += 1
    if work is not None:
        work.append(steps)
    return found


def read_line(ctx: Ctx, line: str) -> tuple[str, list[int], int | None] | None:
    """'予以公开 1 0 0 0 0 0' (six counts) or with the total as a seventh; None when it is no such line."""
    split = split_row(line.strip())
    if split is None:
        return None
    key = match_row(ctx, split[0])
    if key is None:
        return None
    values, total = parse.counts(split[1], len(parts_cols(ctx)), allow_total=True, what=quoted(ctx.fmt.table3.row(key).name) + "一行")
    return key, values, total


def read_rows(ctx: Ctx, text: str) -> Rows:
    """Every row of 表三 in a message: typed lines first, then the rest as a table pasted from Word/WPS."""
    out = Rows()
    rest: list[str] = []
    for line in text.replace("\r", "").split("\n"):
        if not line.strip():
            continue
        if is_header(ctx, line):
            out.header = True
            continue
        read = read_line(ctx, line) if "\t" not in line else None
        if read is None:
            rest.append(line)
        elif read[0] in out.rows:
            out.notes.append(f"{quoted(ctx.fmt.table3.row(read[0]).name)}出现了两次，只取第一次。")
        else:
            out.rows[read[0]] = (read[1], read[2])
    if rest:
        result = parse_grid3(rows_from_lines(rest), ctx.fmt)
        cols = ctx.fmt.table3.col_keys
        for key in ctx.fmt.table3.row_keys:
            values = present([result.values.get(f"table3.{key}.{c}") for c in cols])
            if key in out.rows or values is None:
                continue
            out.rows[key] = ([int(v) for v in values[:-1]], int(values[-1]))
        out.notes += [n for n in result.notes if "无法识别" in n or "两次" in n or "数字未导入" in n]
        bad = [p for p in result.problems if p.kind in ("not_integer", "blank") and p.raw]
        if bad:
            out.notes.append(f"有{len(bad)}个格子不是整数或为空（如“{bad[0].raw}”），所在行未保存。")
    return out


def example(ctx: Ctx) -> str:
    """A "行名 + 数字" line to show: the first result row and one application: '予以公开 1 0 0 0 0 0'."""
    first = next(r for r in ctx.fmt.table3.entry_rows if any(r.key in g.rows for g in ctx.fmt.table3.result_groups))
    return " ".join([first.name, "1", *["0"] * (len(parts_cols(ctx)) - 1)])


def parts_cols(ctx: Ctx) -> list[str]:
    return [c.key for c in ctx.fmt.table3.part_columns]


def write(ctx: Ctx, cells: dict[str, Any], compute: bool = True) -> None:
    """Store table-三 cells; then fill each total whose parts are all known (unless the clerk gave it)."""
    ctx.save(cells)
    if not compute:
        return
    grid = ctx.fmt.table3
    answers = ctx.answers()
    totals: dict[str, Number | None] = {}
    given = set(cells)
    total_col = grid.total_column()
    assert total_col is not None
    for row in grid.row_keys:
        parts = present([answers.get(f"table3.{row}.{c}") for c in parts_cols(ctx)])
        path = f"table3.{row}.{total_col.key}"
        if parts is not None and path not in given:
            totals[path] = sum(parts)
    total_row = grid.total_row()
    assert total_row is not None
    for col in grid.col_keys:
        leaves = present([answers.get(f"table3.{r}.{col}", None) if f"table3.{r}.{col}" not in totals else totals[f"table3.{r}.{col}"]
                          for r in grid.leaves()])
        path = f"table3.{total_row.key}.{col}"
        if leaves is not None and path not in given:
            totals[path] = sum(leaves)
    if totals:
        ctx.save(totals)


def quoted(name: str) -> str:
    """A name in quotes that do not nest with its own: “予以公开”, 「危及“三安全一稳定”」."""
    return f"「{name}」" if "“" in name else f"“{name}”"


def _stored(ctx: Ctx, key: str) -> list[int | None]:
    answers = ctx.answers()
    return [answers.get(f"table3.{key}.{c}") for c in ctx.fmt.table3.col_keys]


def _nums(values: list[int | None]) -> str:
    return " ".join("空" if v is None else str(v) for v in values[:-1]) + f"，总计{'空' if values[-1] is None else values[-1]}"


def store_rows(ctx: Ctx, read: Rows) -> tuple[list[str], list[str]]:
    """Store the rows read; a stated total that disagrees with its parts is refused and named.

    Returns (what was stored, as read back; what was refused and why). Totals are always computed from
    the parts; a stated （七）总计 row is checked against the rows it sums and never stored over them.
    """
    grid = ctx.fmt.table3
    total_row = grid.total_row()
    assert total_row is not None
    refused: list[str] = []
    cells: dict[str, int] = {}
    before = {key: _stored(ctx, key) for key in read.rows}
    for key, (values, total) in read.rows.items():
        name = grid.row(key).name
        if total is not None and total != sum(values):
            refused.append(f"{quoted(name)}：总计应为{'+'.join(map(str, values))}={sum(values)}，您写的是{total}（{sum(values)}≠{total}），这一行没有保存。")
            continue
        if key == total_row.key:
            continue
        cells.update({f"table3.{key}.{c}": v for c, v in zip(parts_cols(ctx), values, strict=True)})
    if cells:
        write(ctx, cells)
    saved: list[str] = []
    for key, (values, total) in read.rows.items():
        name = grid.row(key).name
        if key == total_row.key and not any(r.startswith(quoted(name)) for r in refused):
            now = _stored(ctx, key)
            stated = values + [total if total is not None else sum(values)]
            wrong = [f"{c.label}列写的是{s}，按各办理结果之和应为{n}" for c, s, n in zip(grid.columns, stated, now, strict=True) if n is not None and s != n]
            if wrong:
                refused.append(f"{quoted(name)}：" + "；".join(wrong) + "。总计行由各行自动算出，没有按您写的保存，请核对各行。")
            elif None in now:
                saved.append(f"{quoted(name)}将在各行填完后自动算出。")
            continue
        if any(r.startswith(quoted(name)) for r in refused):
            continue
        now = _stored(ctx, key)
        was = before[key]
        if all(v is None for v in was[:-1]):
            saved.append(f"已填入{quoted(name)}：{_nums(now)}。")
        elif was == now:
            saved.append(f"{quoted(name)}未变：{_nums(now)}。")
        else:
            saved.append(f"已修改{quoted(name)}：{_nums(now)}（原为 {_nums(was)}）。")
    return saved, refused


def one_row(ctx: Ctx, key: str, values: list[int], total: int | None) -> str:
    """One row entered by itself: stored and confirmed, or refused (AnswerError) naming the mismatch."""
    saved, refused = store_rows(ctx, Rows(rows={key: (values, total)}))
    if refused:
        raise AnswerError(refused[0].replace("这一行没有保存。", "请核对后重发（也可以只发6个数，总计自动算出）。"))
    return saved[0]
