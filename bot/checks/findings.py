"""A finding: one broken rule, with the cells to fix and a message a clerk can act on."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from bot.core.numbers import format_decimal
from bot.format.definition import load_format

# Where a cell path or text key belongs, for grouping findings by section in plain output.
SECTION_OF_PREFIX = dict(load_format().finding_sections)
SECTION_ORDER = list(SECTION_OF_PREFIX.values()) + ["整体"]


@dataclass
class Finding:
    rule: str
    level: str  # "error" | "warning"
    message: str
    cells: list[str] = field(default_factory=list)
    expected: Any = None
    actual: Any = None

    @property
    def section(self) -> str:
        for cell in self.cells:
            for prefix, name in SECTION_OF_PREFIX.items():
                if cell == prefix or cell.startswith(prefix + "."):
                    return name
        return "整体"

    def to_dict(self) -> dict[str, Any]:
        return {
            "rule": self.rule,
            "level": self.level,
            "cells": list(self.cells),
            "expected": _plain(self.expected),
            "actual": _plain(self.actual),
            "message": self.message,
        }


def _plain(value: Any) -> Any:
    """JSON-friendly: exact decimals as strings, integers as integers."""
    if isinstance(value, Decimal):
        return format_decimal(value)
    return value


def sort_findings(findings: list[Finding]) -> list[Finding]:
    """Errors first, then by section in report order; stable within."""
    return sorted(findings, key=lambda f: (SECTION_ORDER.index(f.section), f.level != "error"))
