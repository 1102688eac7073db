"""The JSON Schema of the report document, generated from the format definition.

The interchange format is part of the product (`nianbao schema` prints it): its table keys, row and
column keys, texts, profiles and unit levels are those of the definition, so a new format year or a
provincial profile changes the schema without code. What belongs to the report model rather than to
the format (the unit's fields, the structured fee facts) comes from `bot/core/report.py`.
"""

from __future__ import annotations

import json
from typing import Any

from bot.core.report import UNIT_FIELDS
from bot.format.definition import FormatDef, load_format

DRAFT = "https://json-schema.org/draft/2020-12/schema"
LAST_YEAR = 2100  # what the reader accepts (bot/core/report.py)
NULL_MEANS = "null: blank or unreadable in the source (the checker reports E-BLANK)"


def _count(name: str) -> dict[str, Any]:
    return {"type": ["integer", "null"], "minimum": 0, "description": f"{name}. {NULL_MEANS}"}


def _money(name: str) -> dict[str, Any]:
    return {
        "type": ["number", "string", "null"],
        "description": f"{name}, in 万元; a decimal string keeps exact digits, e.g. \"18651.06\". {NULL_MEANS}",
    }


def _object(properties: dict[str, Any], required: list[str] | None = None, closed: bool = False, **extra: Any) -> dict[str, Any]:
    node: dict[str, Any] = {"type": "object", **extra}
    if required:
        node["required"] = required
    if closed:
        node["additionalProperties"] = False
    node["properties"] = properties
    return node


def _tables(fmt: FormatDef) -> dict[str, Any]:
    """One closed object per table: a row with columns is a closed object of cells, a single-value row a cell."""
    tables: dict[str, dict[str, Any]] = {key: {} for key in fmt.tables}
    for cell in fmt.cells():
        value = _money(cell.name) if cell.kind == "money" else _count(cell.name)
        rows = tables[cell.table]
        if cell.col is None:
            rows[cell.row] = value
        else:
            rows.setdefault(cell.row, _object({}, closed=True))["properties"][cell.col] = value
    for rows in tables.values():
        for row in rows.values():
            if row.get("type") == "object":
                row["required"] = list(row["properties"])
                row["properties"] = row.pop("properties")  # keep `properties` last, as printed
    return {
        key: _object(rows, list(rows), closed=True, description=f"{fmt.table(key).name} {fmt.table(key).title}")
        for key, rows in tables.items()
    }


def _fee_section(fmt: FormatDef) -> str:
    """The number of the section whose text holds the fee statement: 六."""
    return next((s.number for s in fmt.sections if s.text == fmt.fee_text), fmt.text_label(fmt.fee_text))


def report_schema(fmt: FormatDef | None = None) -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) a report document in this format satisfies."""
    fmt = fmt or load_format()
    unit: dict[str, Any] = {key: {"type": "string"} for key in UNIT_FIELDS}
    unit["name"] = {"type": "string", "minLength": 1, "description": "official name, e.g. 次营镇人民政府"}
    unit["level"] = {"enum": list(fmt.levels), "default": "township", "description": "、".join(fmt.levels.values())}
    texts = {key: {"type": "string", "description": str(spec["label"])} for key, spec in fmt.texts.items()}
    properties: dict[str, Any] = {
        "schema": {"const": fmt.schema, "description": f"the format of the document ({fmt.name}); its id is {fmt.id}"},
        "year": {"type": "integer", "minimum": fmt.first_year, "maximum": LAST_YEAR},
        "profile": {"enum": list(fmt.profiles), "default": "national", "description": "、".join(p.label for p in fmt.profiles.values())},
        "unit": _object(unit, ["name"]),
        "text": _object(texts, [key for key, spec in fmt.texts.items() if spec["required"]]),
        "info_fee": _object(
            {"cases": {"type": "integer", "minimum": 0}, "amount_yuan": {"type": "number", "minimum": 0}},
            description=f"信息处理费 charged in the year (optional structured facts behind the sentence in {_fee_section(fmt)})",
        ),
        **_tables(fmt),
    }
    required = ["schema", "year", "unit", "text", *fmt.tables]
    return {
        "$schema": DRAFT,
        "$id": fmt.schema.replace("/", "-"),
        "title": f"政府信息公开工作年度报告 ({fmt.name} format) — interchange document",
        **_object(properties, required),
    }


def schema_json(fmt: FormatDef | None = None) -> str:
    return json.dumps(report_schema(fmt), ensure_ascii=False, indent=1)
