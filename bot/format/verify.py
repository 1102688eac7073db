"""Validation of a format definition as read from YAML, before anything is built from it.

A typo in the definition (an unknown row, a rule parameter no check takes, a placeholder no check fills)
would otherwise load silently and fail, or say something wrong, in front of a clerk. Every problem is
named by file, entry and what is wrong, and all of them are reported at once.

`CHECKS` is the interface of the validator's checks (`bot/checks/validate.py` maps the same names to code):
the parameters each takes and, for each message it can say, the placeholders it fills.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from string import Formatter
from typing import Any

TABLES = ("table2", "table3", "table4")  # the code builds exactly these
GRIDS = ("table3", "table4")
LEVELS_OF_RULE = ("error", "warning")

TOP = {"id", "schema", "name", "title_pattern", "first_year", "sections", "texts", "overview_aspects", "profiles",
       "levels", "tables", "cells", "summary", "rules"}
TOP_OPTIONAL = {"summary"}
SECTION_KEYS = {"key", "number", "heading", "keywords", "text", "table"}
TEXT_KEYS = {"label", "required", "heading", "fee"}
TABLE2_KEYS = {"name", "title", "blocks", "old_format_labels", "old_row_labels"}
BLOCK_KEYS = {"heading", "header", "rows", "columns"}
GRID_KEYS = {"name", "title", "columns", "rows", "corner", "super_header"}
COLUMN_KEYS = {"key", "label", "group", "sum_of", "short"}
ROW_KEYS = {"key", "label", "short", "help", "super", "sum_of", "kind", "rows", "group_key"}
ROW_KINDS = {"count", "money"}
PROFILE_KEYS = {"label", "other_items"}
ITEM_KEYS = {"heading", "fee"}
RULE_FIELDS = {"id", "level", "check", "message", "messages"}
# The cells the code asks for by role (`FormatDef.role`): one cell, or a list of cells it sums.
ROLES = {
    "received": "cell", "carried": "cell", "concluded": "cell", "forwarded": "cell", "other_results": "cells",
    "other_unnamed": "cell", "reviews": "cell", "lawsuits": "cells", "fee": "cell",
}


@dataclass(frozen=True)
class CheckSpec:
    """What a check's code takes: parameters by kind, and the placeholders of each message it says."""

    params: dict[str, str] = field(default_factory=dict)
    messages: dict[str, frozenset[str]] = field(default_factory=dict)


def _m(*names: str) -> frozenset[str]:
    return frozenset(names)


_QUOTE = _m("section", "quote", "expected")
_ARTIFACT = _m("section", "quote")
CHECKS: dict[str, CheckSpec] = {
    "column_total": CheckSpec({"table": "grid"}, {"default": _m("table", "row", "parts", "total", "expected", "actual")}),
    "row_total": CheckSpec({"table": "grid"}, {"default": _m("table", "col_ordinal", "col", "expected", "actual")}),
    "balance": CheckSpec(
        {"table": "grid", "left": "grid_rows", "right": "grid_rows"}, {"default": _m("table", "col_ordinal", "col", "left", "right")}
    ),
    "integer_cells": CheckSpec({}, {"default": _m("cell", "actual")}),
    "fee_number": CheckSpec({}, {"default": _m("cell", "actual")}),
    "blank_cells": CheckSpec({}, {"default": _m("cell")}),
    "sections": CheckSpec(
        {},
        {
            "missing_text": _m("label"), "heading_in_text": _m("label", "line"), "missing_heading": _m("heading"),
            "placeholder": _m("label", "quote"), "empty_problems": _m("label"),
            "heading_twice": _m("heading", "count"), "order": _m(),
        },
    ),
    "table3_shape": CheckSpec(
        {},
        {
            "group_row_numbers": _m("table", "label"), "unknown_row": _m("table", "label"),
            "row_width": _m("table", "row", "expected", "actual"), "missing_row": _m("table", "row"),
        },
    ),
    "table2_shape": CheckSpec(
        {},
        {
            "old_columns": _m("table", "labels"), "old_row_label": _m("table", "label", "row"),
            "row_width": _m("table", "row", "expected", "actual"), "missing_row": _m("table", "row"),
        },
    ),
    "table4_shape": CheckSpec({}, {"default": _m("table", "expected", "actual")}),
    "unread_rows": CheckSpec({}, {"default": _m("table", "row", "line")}),
    "large_values": CheckSpec({}, {"default": _m("cell", "actual", "limit")}),
    "fee_statement": CheckSpec({}, {"default": _m("year")}),
    "township_regulations": CheckSpec({"levels": "levels", "row": "table2_row"}, {"default": _m("cell", "actual")}),
    "carry_previous": CheckSpec(
        {"table": "grid", "row": "grid_row", "previous_row": "grid_row"},
        {"default": _m("table", "col_ordinal", "col", "actual", "expected")},
    ),
    "valid_continuity": CheckSpec({"rows": "table2_rows"}, {"default": _m("row", "actual", "prev", "made", "repealed", "expected")}),
    "repeat_text": CheckSpec({"texts": "texts", "threshold": "number"}, {"default": _m("section", "ratio")}),
    "text_applications": CheckSpec(
        {}, {"received": _QUOTE, "concluded": _QUOTE, "forwarded": _QUOTE, "carried": _QUOTE, "none_received": _QUOTE}
    ),
    "text_review": CheckSpec({}, {"RV": _QUOTE, "LIT": _QUOTE}),
    "text_documents": CheckSpec({"row": "table2_row"}, {"made": _QUOTE, "repealed": _QUOTE, "valid": _QUOTE}),
    "text_breakdown": CheckSpec({}, {"default": _m("section", "quote", "expected", "actual")}),
    "text_years": CheckSpec({}, {"default": _m("section", "quote", "actual", "expected")}),
    "overview_aspects": CheckSpec({}, {"default": _m("missing")}),
    "overview_length": CheckSpec({"limit": "number"}, {"default": _m("actual", "expected")}),
    "problems_content": CheckSpec(
        {"min_chars": "number"},
        {"default": _m("reason"), "empty": _m(), "short": _m("count"), "no_problems": _m(), "no_measures": _m()},
    ),
    "other_high": CheckSpec(
        {"share": "number", "min_total": "number"},
        {"high": _m("actual", "total"), "unexplained": _m("actual"), "unexplained_items": _m("actual")},
    ),
    "fee_unit": CheckSpec(
        {"township_max": "number", "max_decimals": "number"},
        {"default": _m("reason"), "township": _m("fee", "yuan"), "decimals": _m("decimals")},
    ),
    "wrong_level": CheckSpec({"levels": "levels", "words": "words"}, {"default": _m("section", "words", "quote")}),
    "citations": CheckSpec({"wrong": "map"}, {"default": _m("section", "wrong", "right"), "brackets": _m("section", "quote", "opener", "closer"),
                                                    "unopened": _m("section", "quote", "opener", "closer")}),
    "artifacts": CheckSpec(
        {}, {"bookmark": _ARTIFACT, "image": _ARTIFACT, "placeholder": _ARTIFACT, "date": _ARTIFACT, "ordinal": _ARTIFACT}
    ),
    "late": CheckSpec({}, {"default": _m("expected", "actual")}),
}


def placeholders(template: str) -> set[str] | None:
    """The named fields of a str.format template; None when it is not one."""
    try:
        return {name.split(".")[0].split("[")[0] for _, name, _, _ in Formatter().parse(template) if name is not None}
    except ValueError:
        return None


class _Problems:
    def __init__(self) -> None:
        self.items: list[str] = []

    def add(self, entry: str, problem: str) -> None:
        self.items.append(f"{entry}: {problem}")

    def keys(self, entry: str, d: Any, allowed: set[str], required: set[str]) -> bool:
        """Complain about a mapping with unknown or missing keys; False when it is not a mapping at all."""
        if not isinstance(d, dict):
            self.add(entry, "should be a mapping")
            return False
        for key in d:
            if key not in allowed:
                self.add(entry, f"unknown key {key!r} (allowed: {', '.join(sorted(allowed))})")
        for key in sorted(required - set(d)):
            self.add(entry, f"missing {key!r}")
        return True


def check_definition(raw: Any, path: Path) -> list[str]:
    """Every problem of a definition, each as 'entry: problem'; empty when it can be built."""
    p = _Problems()
    if not p.keys("(top level)", raw, TOP, TOP - TOP_OPTIONAL):
        return p.items
    if p.items:
        return p.items  # the rest cannot be walked without its parts
    if raw["id"] != path.stem:
        p.add("id", f"{raw['id']!r} differs from the file's name {path.stem!r}")
    title = placeholders(raw["title_pattern"])
    if title is None or not title <= {"unit", "year"}:
        p.add("title_pattern", f"unknown placeholder in {raw['title_pattern']!r} (allowed: unit, year)")
    texts = raw["texts"]
    for key, spec in texts.items():
        p.keys(f"texts.{key}", spec, TEXT_KEYS, {"label", "required"})
    fee_texts = [k for k, spec in texts.items() if isinstance(spec, dict) and spec.get("fee")]
    if len(fee_texts) != 1:
        p.add("texts", f"{len(fee_texts)} texts are marked `fee: true`; exactly one holds the 信息处理费 statement")
    for i, s in enumerate(raw["sections"]):
        entry = f"sections[{s.get('key', i) if isinstance(s, dict) else i}]"
        if p.keys(entry, s, SECTION_KEYS, {"key", "number", "heading", "keywords"}):
            if "text" in s and s["text"] not in texts:
                p.add(f"{entry}.text", f"unknown text {s['text']!r}")
            if "table" in s and s["table"] not in TABLES:
                p.add(f"{entry}.table", f"unknown table {s['table']!r}")
    for key, profile in raw["profiles"].items():
        _check_profile(p, f"profiles.{key}", profile)
    cells, rows = _check_tables(p, raw["tables"])
    _check_roles(p, raw["cells"], cells)
    for i, column in enumerate(raw.get("summary", ())):
        for cell in column.get("cells", ()) if isinstance(column, dict) else ():
            if cell not in cells:
                p.add(f"summary[{column.get('label', i)}]", f"unknown cell {cell!r}")
    if not p.items:  # rules name rows and levels: check them against a sound definition
        _check_rules(p, raw["rules"], raw, rows)
    return p.items


def _check_roles(p: _Problems, roles: Any, cells: set[str]) -> None:
    """Every role the code asks for names cells of the tables: one cell, or (for a sum) a list of them."""
    if not p.keys("cells", roles, set(ROLES), set(ROLES)):
        return
    for role, value in roles.items():
        if role not in ROLES:
            continue
        named = value if isinstance(value, list) else [value]
        if ROLES[role] == "cell" and isinstance(value, list):
            p.add(f"cells.{role}", "names one cell, not a list")
        if not named or not all(isinstance(c, str) for c in named):
            p.add(f"cells.{role}", "should name a cell or a list of cells")
            continue
        for cell in named:
            if cell not in cells:
                p.add(f"cells.{role}", f"unknown cell {cell!r}")


def _check_profile(p: _Problems, entry: str, profile: Any) -> None:
    if not p.keys(entry, profile, PROFILE_KEYS, PROFILE_KEYS):
        return
    fees = 0
    for i, item in enumerate(profile["other_items"]):
        if isinstance(item, dict):
            p.keys(f"{entry}.other_items[{i}]", item, ITEM_KEYS, {"heading"})
            fees += bool(item.get("fee"))
        elif not isinstance(item, str):
            p.add(f"{entry}.other_items[{i}]", "should be a heading or {heading, fee}")
    if fees > 1:
        p.add(f"{entry}.other_items", f"{fees} items are marked `fee: true`; at most one is the fee statement")


def _check_tables(p: _Problems, tables: Any) -> tuple[set[str], dict[str, dict[str, list[str]]]]:
    """Check the tables; return their cell paths and, per table, each data row's column keys."""
    cells: set[str] = set()
    rows: dict[str, dict[str, list[str]]] = {}
    if not p.keys("tables", tables, set(TABLES), set(TABLES)) or not set(TABLES) <= set(tables):
        return cells, rows
    t2 = tables["table2"]
    rows["table2"] = {}
    if p.keys("tables.table2", t2, TABLE2_KEYS, {"name", "title", "blocks"}):
        for b, block in enumerate(t2["blocks"]):
            entry = f"tables.table2.blocks[{b}]"
            if not p.keys(entry, block, BLOCK_KEYS, {"heading", "header", "rows"}):
                continue
            cols = [c.get("key") for c in block.get("columns", ()) if p.keys(f"{entry}.columns", c, COLUMN_KEYS, {"key", "label"})]
            for r in block["rows"]:
                if p.keys(f"{entry}.rows", r, ROW_KEYS - {"rows"}, {"key", "label"}):
                    _row_fields(p, f"tables.table2.rows[{r['key']}]", r)
                    rows["table2"][r["key"]] = cols
                    cells |= {f"table2.{r['key']}.{c}" for c in cols} if cols else {f"table2.{r['key']}"}
        for key in t2.get("old_row_labels", {}):
            if key not in rows["table2"]:
                p.add(f"tables.table2.old_row_labels.{key}", "unknown row")
    for key in GRIDS:
        grid = tables[key]
        rows[key] = {}
        if not p.keys(f"tables.{key}", grid, GRID_KEYS, {"name", "title", "columns", "rows"}):
            continue
        cols = [c["key"] for c in grid["columns"] if p.keys(f"tables.{key}.columns", c, COLUMN_KEYS, {"key", "label"})]
        for c in grid["columns"]:
            for part in c.get("sum_of", ()) if isinstance(c, dict) else ():
                if part not in cols:
                    p.add(f"tables.{key}.columns[{c['key']}].sum_of", f"unknown column {part!r}")
        for row_key in _grid_rows(p, f"tables.{key}", grid["rows"]):
            if row_key in rows[key]:
                p.add(f"tables.{key}.rows[{row_key}]", "key used twice")
            rows[key][row_key] = cols
            cells |= {f"{key}.{row_key}.{c}" for c in cols}
    return cells, rows


def _row_fields(p: _Problems, entry: str, row: dict[str, Any]) -> None:
    if row.get("kind", "count") not in ROW_KINDS:
        p.add(f"{entry}.kind", f"unknown kind {row['kind']!r} (allowed: {', '.join(sorted(ROW_KINDS))})")
    if row.get("sum_of", "leaves") != "leaves":
        p.add(f"{entry}.sum_of", f"unknown total {row['sum_of']!r} (allowed: leaves)")


def _grid_rows(p: _Problems, entry: str, nodes: Any) -> list[str]:
    """The data row keys of a row tree, checking each node: a data row has a key, a group has rows."""
    keys: list[str] = []
    for node in nodes:
        if not p.keys(f"{entry}.rows", node, ROW_KEYS, {"label"}):
            continue
        name = f"{entry}.rows[{node.get('key') or node['label']}]"
        _row_fields(p, name, node)
        if "rows" in node:
            if "key" in node:
                p.add(name, "a group row (with rows) has no key of its own; use group_key")
            keys += _grid_rows(p, name, node["rows"])
        elif "key" in node:
            keys.append(node["key"])
        else:
            p.add(name, "a row needs a key, or rows under it")
    return keys


def _check_rules(p: _Problems, rules: Any, raw: dict[str, Any], rows: dict[str, dict[str, list[str]]]) -> None:
    seen: set[str] = set()
    for i, rule in enumerate(rules):
        entry = f"rules[{rule.get('id', i) if isinstance(rule, dict) else i}]"
        if not isinstance(rule, dict) or not {"id", "level", "check"} <= set(rule):
            p.add(entry, "a rule needs id, level and check")
            continue
        if rule["id"] in seen:
            p.add(entry, "id used twice")
        seen.add(rule["id"])
        if rule["level"] not in LEVELS_OF_RULE:
            p.add(f"{entry}.level", f"unknown level {rule['level']!r} (allowed: error, warning)")
        spec = CHECKS.get(rule["check"])
        if spec is None:
            p.add(f"{entry}.check", f"unknown check {rule['check']!r}")
            continue
        params = {k: v for k, v in rule.items() if k not in RULE_FIELDS}
        for name in params:
            if name not in spec.params:
                allowed = ", ".join(sorted(spec.params)) or "none"
                p.add(f"{entry}.{name}", f"check {rule['check']!r} takes no parameter {name!r} (it takes: {allowed})")
        for name, kind in spec.params.items():
            if name not in params:
                p.add(entry, f"missing parameter {name!r}")
            else:
                problem = _param_problem(kind, params[name], params, raw, rows)
                if problem:
                    p.add(f"{entry}.{name}", problem)
        _check_messages(p, entry, rule, spec)


def _check_messages(p: _Problems, entry: str, rule: dict[str, Any], spec: CheckSpec) -> None:
    messages = dict(rule.get("messages", {}))
    if "message" in rule:
        messages["default"] = rule["message"]
    for name, template in messages.items():
        where = f"{entry}.message" if name == "default" else f"{entry}.messages.{name}"
        if name not in spec.messages:
            p.add(where, f"check {rule['check']!r} says no message {name!r} (it says: {', '.join(sorted(spec.messages))})")
            continue
        fields = placeholders(template) if isinstance(template, str) else None
        if fields is None:
            p.add(where, "should be a text with {named} placeholders")
        elif fields - spec.messages[name]:
            unknown = ", ".join(sorted(fields - spec.messages[name]))
            p.add(where, f"unknown placeholder {unknown} (the check fills: {', '.join(sorted(spec.messages[name])) or 'none'})")
    for name in sorted(set(spec.messages) - set(messages)):
        p.add(entry, f"missing message {name!r}" if name != "default" else "missing message")


def _param_problem(kind: str, value: Any, params: dict[str, Any], raw: dict[str, Any], rows: dict[str, dict[str, list[str]]]) -> str | None:
    grid_rows = rows.get(params.get("table", ""), {})
    docs = {k for k, cols in rows["table2"].items() if cols}
    if kind == "grid":
        return None if value in GRIDS else f"unknown table {value!r} (allowed: {', '.join(GRIDS)})"
    if kind == "grid_row":
        return None if value in grid_rows else f"unknown row {value!r} of {params.get('table')}"
    if kind in ("grid_rows", "levels", "texts", "table2_rows", "words") and not isinstance(value, list):
        return "should be a list"
    if kind == "grid_rows":
        return _unknown("row", value, grid_rows)
    if kind == "table2_row":
        return None if value in docs else f"unknown row {value!r} of table2 with columns"
    if kind == "table2_rows":
        return _unknown("row", value, docs)
    if kind == "levels":
        return _unknown("level", value, raw["levels"])
    if kind == "texts":
        return _unknown("text", value, raw["texts"])
    if kind == "number":
        return None if isinstance(value, (int, float)) and not isinstance(value, bool) else f"should be a number, not {value!r}"
    if kind == "map":
        return None if isinstance(value, dict) else "should be a mapping"
    return None


def _unknown(what: str, values: list[Any], known: Any) -> str | None:
    bad = [v for v in values if v not in known]
    return f"unknown {what} {', '.join(map(repr, bad))}" if bad else None
