"""The tables of a report format as typed objects: columns, rows (as a tree), cells, 表二's blocks.

Built from a definition already checked by `bot/format/verify.py`; `bot/format/definition.py` re-exports them.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cached_property
from typing import Any

CN_ORDINALS = "一二三四五六七八九十"


@dataclass(frozen=True)
class Column:
    key: str
    label: str
    group: str | None = None
    sum_of: tuple[str, ...] = ()
    short: str = ""

    @property
    def name(self) -> str:
        """The column's name in running text: its short form ('其他组织'), else its label."""
        return self.short or self.label


@dataclass(frozen=True)
class Row:
    """A data row, or (with `children`) a label-only group row merged over its children in print."""

    key: str | None
    label: str
    short: str = ""
    help: str = ""
    super: str | None = None
    sum_of: str | None = None
    kind: str = "count"
    children: tuple[Row, ...] = ()
    depth: int = 0
    group_key: str | None = None  # a label-only group's own key (表三 DEN: （三）不予公开)

    @property
    def name(self) -> str:
        """The row's name in messages: its short form, else its label without the ordinal."""
        return self.short or strip_ordinal(self.label)


@dataclass(frozen=True)
class Cell:
    """One number of a table, addressed by its dotted path (`table3.NEW.NP`)."""

    path: str
    table: str
    row: str
    col: str | None
    kind: str  # "count" (integer ≥ 0) or "money" (万元, decimals allowed)
    name: str  # plain Chinese, e.g. 表三「本年新收」行「商业企业」列


@dataclass(frozen=True)
class Grid:
    """A matrix table (表三, 表四): rows × columns with total rows/columns."""

    key: str
    name: str
    title: str
    columns: tuple[Column, ...]
    rows: tuple[Row, ...]  # top level, as printed (with groups)
    corner: str = ""
    super_header: str = ""

    @cached_property
    def data_rows(self) -> list[Row]:
        return [r for r in walk_rows(self.rows) if r.key]

    @cached_property
    def row_keys(self) -> list[str]:
        return [r.key for r in self.data_rows if r.key]

    @cached_property
    def col_keys(self) -> list[str]:
        return [c.key for c in self.columns]

    def row(self, key: str) -> Row:
        return next(r for r in self.data_rows if r.key == key)

    def column(self, key: str) -> Column:
        return next(c for c in self.columns if c.key == key)

    def total_column(self) -> Column | None:
        return next((c for c in self.columns if c.sum_of), None)

    def total_row(self) -> Row | None:
        return next((r for r in self.data_rows if r.sum_of), None)

    def leaves(self) -> list[str]:
        """Rows summed by the total row: the data rows inside the group that holds the total."""
        return self._leaves

    @cached_property
    def _leaves(self) -> list[str]:
        total = self.total_row()
        if total is None:
            return []
        for group in walk_rows(self.rows):
            if total in group.children:
                return [r.key for r in walk_rows(group.children) if r.key and r is not total]
        return []

    def col_ordinal(self, key: str) -> str:
        return f"第{CN_ORDINALS[self.col_keys.index(key)]}列"

    @cached_property
    def part_columns(self) -> list[Column]:
        """The columns a clerk fills: all but the total column (表三: the six kinds of applicant)."""
        return [c for c in self.columns if not c.sum_of]

    @cached_property
    def column_groups(self) -> list[tuple[str, list[Column]]]:
        """The part columns by their printed group: ('自然人', [NP]), ('法人或其他组织', [BIZ … OTHORG])."""
        groups: list[tuple[str, list[Column]]] = []
        for col in self.part_columns:
            label = col.group or col.label
            if groups and col.group and groups[-1][0] == label:
                groups[-1][1].append(col)
            else:
                groups.append((label, [col]))
        return groups

    @cached_property
    def header_words(self) -> frozenset[str]:
        """Words of the printed header (表三: 申请人情况, 法人或其他组织, 自然人 … 总计) that mark a pasted header
        line. A column with a short name has a label too plain to mark one alone (表三's 其他)."""
        words = {self.super_header, *(c.group for c in self.columns if c.group), *(c.label for c in self.columns if not c.short)}
        return frozenset(w for w in words if w)

    @cached_property
    def entry_rows(self) -> list[Row]:
        """The data rows a clerk fills: all but the computed total row."""
        total = self.total_row()
        return [r for r in self.data_rows if r is not total]

    @cached_property
    def result_groups(self) -> list[ResultGroup]:
        """The groups the total row sums (表三 予以公开 … 其他处理), each with its data rows, in print order."""
        total = self.total_row()
        parent = next((g for g in walk_rows(self.rows) if total is not None and total in g.children), None)
        if parent is None:
            return []
        groups = []
        for child in parent.children:
            if child is total:
                continue
            rows = tuple(r.key for r in walk_rows((child,)) if r.key)
            groups.append(ResultGroup(key=child.key or child.group_key or "", name=child.name, rows=rows))
        return groups

    def result_group(self, key: str) -> ResultGroup:
        return next(g for g in self.result_groups if g.key == key)


@dataclass(frozen=True)
class ResultGroup:
    """A group of result rows summed in print: 表三 （三）不予公开 = DEN1 … DEN8."""

    key: str
    name: str
    rows: tuple[str, ...]


@dataclass(frozen=True)
class Block:
    """A block of 表二: merged heading row, header row, data rows (with or without columns)."""

    heading: str
    header: tuple[str, ...]
    rows: tuple[Row, ...]
    columns: tuple[Column, ...] = ()


@dataclass(frozen=True)
class Table2:
    key: str
    name: str
    title: str
    blocks: tuple[Block, ...]
    old_format_labels: tuple[str, ...]
    old_row_labels: dict[str, tuple[str, ...]]

    @cached_property
    def data_rows(self) -> list[Row]:
        return [r for b in self.blocks for r in b.rows]

    def row(self, key: str) -> Row:
        return next(r for r in self.data_rows if r.key == key)

    def block_of(self, key: str) -> Block:
        return next(b for b in self.blocks if any(r.key == key for r in b.rows))


def strip_ordinal(label: str) -> str:
    """'（二）部分公开（…）' → '部分公开（…）'; '3.其他' → '其他'; '一、本年新收…' → '本年新收…'."""
    return re.sub(r"^(（[一二三四五六七八九十]+）|[一二三四五六七八九十]+、|\d+\.)", "", label)


def walk_rows(rows: tuple[Row, ...]) -> Iterator[Row]:
    for r in rows:
        yield r
        yield from walk_rows(r.children)


def row_of(d: dict[str, Any], depth: int = 0) -> Row:
    children = tuple(row_of(c, depth + 1) for c in d.get("rows", ()))
    return Row(
        key=d.get("key"),
        label=d["label"],
        short=d.get("short", ""),
        help=d.get("help", ""),
        super=d.get("super"),
        sum_of=d.get("sum_of"),
        kind=d.get("kind", "count"),
        children=children,
        depth=depth,
        group_key=d.get("group_key"),
    )



def column_of(d: dict[str, Any]) -> Column:
    return Column(key=d["key"], label=d["label"], group=d.get("group"), sum_of=tuple(d.get("sum_of", ())), short=d.get("short", ""))


def grid_of(key: str, d: dict[str, Any]) -> Grid:
    return Grid(
        key=key,
        name=d["name"],
        title=d["title"],
        columns=tuple(column_of(c) for c in d["columns"]),
        rows=tuple(row_of(r) for r in d["rows"]),
        corner=d.get("corner", ""),
        super_header=d.get("super_header", ""),
    )
