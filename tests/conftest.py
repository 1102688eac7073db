"""Shared fixtures: where the shared spec and sample reports live."""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"
REPORTS = SHARED / "data" / "reports"
BLANK_TEMPLATE = SHARED / "data" / "official-blank-format-2021.docx"
SCHEMA = SHARED / "spec" / "report.schema.json"


@pytest.fixture(scope="session")
def fmt():
    from bot.formatdef import load_format

    return load_format()
