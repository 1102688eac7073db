"""The report format as typed objects, read from a declarative definition in `bot/format/data/`.

Everything that knows the shape of the report (loader, importer, validator, renderer, interview)
asks this module instead of hard-coding keys or labels.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cache, cached_property
from pathlib import Path
from typing import Any

import yaml

from bot.format.tables import CN_ORDINALS, Block, Cell, Column, Grid, ResultGroup, Row, Table2, column_of, grid_of, row_of, strip_ordinal, walk_rows
from bot.format.verify import check_definition

__all__ = [  # the table types live in bot/format/tables.py; callers ask this module for everything
    "CN_ORDINALS", "Block", "Cell", "Column", "FormatDef", "FormatError", "Grid", "Profile", "ResultGroup", "Row", "Rule",
    "Section", "Table2", "format_for_schema", "format_ids", "load_format", "read_format", "strip_ordinal", "walk_rows",
]

_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml when present: the format loads at every start

FORMATS_DIR = Path(__file__).parent / "data"
DEFAULT_FORMAT = "gov-2021"


@dataclass(frozen=True)
class Section:
    key: str
    number: str
    heading: str
    keywords: tuple[str, ...]
    text: str | None = None
    table: str | None = None

    @property
    def full_heading(self) -> str:
        return f"{self.number}、{self.heading}"


@dataclass(frozen=True)
class Rule:
    """A rule of the definition: which check runs it, its parameters and its messages.

    Every message a clerk reads is a template of the definition with named placeholders; the check only
    fills them. `message` in the definition is the one named "default", `messages` holds the others.
    """

    id: str
    level: str
    check: str
    messages: dict[str, str] = field(default_factory=dict)
    params: dict[str, Any] = field(default_factory=dict)

    def say(self, name: str = "default", /, **values: Any) -> str:
        """The message `name` with its placeholders filled."""
        return self.messages[name].format(**values)


@dataclass(frozen=True)
class Profile:
    """How section 六 is written: free text (national) or a province's numbered items."""

    key: str
    label: str
    other_items: tuple[str, ...]  # the items' headings, in order
    fee_item: int | None = None  # index in other_items of the 信息处理费 statement (`fee: true`)

    @property
    def fee_heading(self) -> str | None:
        return None if self.fee_item is None else self.other_items[self.fee_item]


@dataclass(frozen=True)
class Aspect:
    label: str
    keywords: tuple[str, ...]


@dataclass(frozen=True)
class SummaryColumn:
    """A column of the county's summary sheet: the sum of some cells of one unit's report."""

    label: str
    cells: tuple[str, ...]


@dataclass(frozen=True, eq=False)
class FormatDef:
    id: str  # what load_format takes: "gov-2021"
    schema: str  # what a report document names in its `schema`: "gov-info-annual-report/2021"
    name: str
    title_pattern: str
    first_year: int
    sections: tuple[Section, ...]
    texts: dict[str, dict[str, Any]]
    aspects: tuple[Aspect, ...]
    profiles: dict[str, Profile]
    levels: dict[str, str]
    table2: Table2
    table3: Grid
    table4: Grid
    rules: tuple[Rule, ...]
    roles: dict[str, tuple[str, ...]] = field(default_factory=dict)  # `cells:` of the definition
    summary: tuple[SummaryColumn, ...] = ()

    def table(self, key: str) -> Table2 | Grid:
        return self.tables[key]

    def grid(self, key: str) -> Grid:
        """The matrix table `key` (表三, 表四); a rule naming 表二 here is a mistake of the definition."""
        table = self.tables[key]
        if not isinstance(table, Grid):
            raise FormatError(f"{key} is not a matrix table")
        return table

    @cached_property
    def tables(self) -> dict[str, Table2 | Grid]:
        """The tables by key, in print order."""
        return {t.key: t for t in (self.table2, self.table3, self.table4)}

    def text_label(self, key: str) -> str:
        """How a finding names a text: '一、总体情况', '前言'."""
        return str(self.texts[key]["label"])

    @cached_property
    def finding_sections(self) -> list[tuple[str, str]]:
        """(cell path prefix, section name) in report order: where a finding belongs in plain output."""
        loose = [(f"text.{k}", str(v.get("heading", v["label"]))) for k, v in self.texts.items() if not any(s.text == k for s in self.sections)]
        return loose + [(f"text.{s.text}" if s.text else str(s.table), s.full_heading) for s in self.sections]

    def rule(self, rule_id: str) -> Rule:
        return next(r for r in self.rules if r.id == rule_id)

    @property
    def grids(self) -> tuple[Grid, Grid]:
        return (self.table3, self.table4)

    def cells(self) -> list[Cell]:
        return list(_cell_index(self).values())

    def cell(self, path: str) -> Cell:
        return _cell_index(self)[path]

    def role(self, name: str) -> tuple[str, ...]:
        """The cells of a role (`cells:` in the definition): `role("lawsuits")` → ('table4.LD.T', 'table4.LR.T')."""
        return self.roles[name]

    def role_cell(self, name: str) -> str:
        """The one cell of a role: `role_cell("received")` → 'table3.NEW.SUM'."""
        (path,) = self.roles[name]
        return path

    def role_row(self, name: str) -> str:
        """The row of a role's one cell: `role_row("forwarded")` → 'FWD'."""
        return self.cell(self.role_cell(name)).row

    @property
    def fee_text(self) -> str:
        """The text that holds the 信息处理费 statement (`fee: true` in `texts:`): 'other'."""
        return next(k for k, spec in self.texts.items() if spec.get("fee"))

    def title(self, unit: str, year: int | str) -> str:
        return self.title_pattern.format(unit=unit, year=year)


def _profile(key: str, d: dict[str, Any]) -> Profile:
    items = [i if isinstance(i, dict) else {"heading": i} for i in d["other_items"]]
    fee = [n for n, i in enumerate(items) if i.get("fee")]
    return Profile(key=key, label=d["label"], other_items=tuple(i["heading"] for i in items), fee_item=fee[0] if fee else None)


def _cells(fmt: FormatDef) -> Iterator[Cell]:
    t2 = fmt.table2
    for block in t2.blocks:
        for row in block.rows:
            if block.columns:
                for col in block.columns:
                    yield Cell(
                        path=f"table2.{row.key}.{col.key}",
                        table="table2",
                        row=row.key or "",
                        col=col.key,
                        kind=row.kind,
                        name=f"{t2.name}「{row.label}」{col.label}",
                    )
            else:
                yield Cell(
                    path=f"table2.{row.key}",
                    table="table2",
                    row=row.key or "",
                    col=None,
                    kind=row.kind,
                    name=f"{t2.name}「{row.label}」" + ("本年收费金额（万元）" if row.kind == "money" else "本年处理决定数量"),
                )
    for grid in fmt.grids:
        for row in grid.data_rows:
            for col in grid.columns:
                row_name = f"{row.super}—{row.label}" if row.super else row.name
                yield Cell(
                    path=f"{grid.key}.{row.key}.{col.key}",
                    table=grid.key,
                    row=row.key or "",
                    col=col.key,
                    kind="count",
                    name=f"{grid.name}「{row_name}」{col.label}",
                )


@cache
def _cell_index(fmt: FormatDef) -> dict[str, Cell]:
    return {c.path: c for c in _cells(fmt)}


class FormatError(ValueError):
    """A format definition that cannot be used: names the file, the entry and the problem."""


def format_ids(directory: Path | None = None) -> list[str]:
    """The formats of `directory` (default: this installation's `bot/format/data/`), by id: its `gov-*.yaml`."""
    return sorted(p.stem for p in (directory or FORMATS_DIR).glob("gov-*.yaml"))


def load_format(format_id: str = DEFAULT_FORMAT, directory: Path | None = None) -> FormatDef:
    """The format `format_id` (`<directory>/<id>.yaml`, by default `bot/format/data/`), read and validated once
    per process. Another directory holds a variant of a format (a province's, a test's) beside the installed ones."""
    return _load_format(format_id, directory or FORMATS_DIR)  # one cache key per id and directory


@cache
def _load_format(format_id: str, directory: Path) -> FormatDef:
    known = format_ids(directory)
    if format_id not in known:
        raise FormatError(f"unknown format {format_id!r}: known formats are {', '.join(known)}")
    return read_format(directory / f"{format_id}.yaml")


def format_for_schema(schema: object) -> FormatDef | None:
    """The known format whose report documents carry this `schema` value, if any."""
    return next((f for f in map(load_format, format_ids()) if f.schema == schema), None)


def read_format(path: Path) -> FormatDef:
    """Read a format definition file; a definition that is not valid stops here with a FormatError."""
    try:
        raw = yaml.load(path.read_text(encoding="utf-8"), Loader=_Loader)
    except yaml.YAMLError as exc:
        raise FormatError(f"{path}: not valid YAML: {exc}") from None
    problems = check_definition(raw, path)
    if problems:
        raise FormatError(f"{path}: the format definition is not valid:\n  " + "\n  ".join(problems))
    t2 = raw["tables"]["table2"]
    table2 = Table2(
        key="table2",
        name=t2["name"],
        title=t2["title"],
        blocks=tuple(
            Block(
                heading=b["heading"],
                header=tuple(b["header"]),
                rows=tuple(row_of(r) for r in b["rows"]),
                columns=tuple(column_of(c) for c in b.get("columns", ())),
            )
            for b in t2["blocks"]
        ),
        old_format_labels=tuple(t2.get("old_format_labels", ())),
        old_row_labels={k: tuple(v) for k, v in t2.get("old_row_labels", {}).items()},
    )
    rules = []
    for r in raw["rules"]:
        params = {k: v for k, v in r.items() if k not in ("id", "level", "check", "message", "messages")}
        messages = ({"default": r["message"]} if "message" in r else {}) | r.get("messages", {})
        rules.append(Rule(id=r["id"], level=r["level"], check=r["check"], messages=messages, params=params))
    fmt = FormatDef(
        id=raw["id"],
        schema=raw["schema"],
        name=raw["name"],
        title_pattern=raw["title_pattern"],
        first_year=raw["first_year"],
        sections=tuple(
            Section(
                key=s["key"],
                number=s["number"],
                heading=s["heading"],
                keywords=tuple(s["keywords"]),
                text=s.get("text"),
                table=s.get("table"),
            )
            for s in raw["sections"]
        ),
        texts=raw["texts"],
        aspects=tuple(Aspect(a["label"], tuple(a["keywords"])) for a in raw["overview_aspects"]),
        profiles={k: _profile(k, v) for k, v in raw["profiles"].items()},
        levels=raw["levels"],
        table2=table2,
        table3=grid_of("table3", raw["tables"]["table3"]),
        table4=grid_of("table4", raw["tables"]["table4"]),
        rules=tuple(rules),
        roles={k: tuple(v) if isinstance(v, list) else (v,) for k, v in raw["cells"].items()},
        summary=tuple(SummaryColumn(c["label"], tuple(c["cells"])) for c in raw.get("summary", ())),
    )
    return fmt
