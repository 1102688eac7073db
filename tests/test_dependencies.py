"""Declared = imported: every third-party module the product imports (bot/, storage/) comes from a
distribution pyproject.toml declares, and every declared dependency is imported somewhere (or says why
not). The test extra is checked the same way against tests/ and bench/."""

from __future__ import annotations

import ast
import re
import sys
import tomllib
from importlib.metadata import packages_distributions
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
OWN = {"bot", "tests", "conftest"}
# Debian's python3-uno, imported only by bot/render/uno_convert.py under the system's Python (never the venv's).
SYSTEM = {"uno", "com"}
# Declared but never imported by name, each for a reason stated where it is declared.
NOT_IMPORTED = {
    "sniffio",  # imported by httpcore when installed (pyproject.toml says why it is declared)
    "psycopg-binary",  # psycopg's C build, loaded by psycopg itself
    "pytest-timeout", "pytest-xdist", "ruff", "mypy", "types-pyyaml", "setuptools",  # tools: run, not imported
    "aiosmtpd",  # tests/mailserver.py imports it as aiosmtpd.controller: counted; listed in case a test drops it
}


def distribution(requirement: str) -> str:
    name = re.split(r"[\s<>=!~;\[]", requirement, maxsplit=1)[0]
    return name.lower().replace("_", "-")


def imported_top_level(folders: list[str]) -> set[str]:
    names: set[str] = set()
    for folder in folders:
        for path in (ROOT / folder).rglob("*.py"):
            tree = ast.parse(path.read_text(encoding="utf-8"))
            for node in ast.walk(tree):
                if isinstance(node, ast.Import):
                    names.update(a.name.split(".")[0] for a in node.names)
                elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                    names.add(node.module.split(".")[0])
    own_tests = {p.stem for p in (ROOT / "tests").glob("*.py")}
    skip = OWN | SYSTEM | own_tests | {"__future__"}
    return {n for n in names if n not in sys.stdlib_module_names and n not in skip}


def distributions_of(modules: set[str]) -> dict[str, set[str]]:
    found = packages_distributions()
    return {m: {d.lower().replace("_", "-") for d in found.get(m, [])} for m in modules}


def test_what_the_product_imports_is_declared():
    declared = {distribution(r) for r in PROJECT["dependencies"]}
    for extra in ("postgresql", "dingtalk", "ocr"):
        declared |= {distribution(r) for r in PROJECT["optional-dependencies"][extra]}
    missing = {m: d for m, d in distributions_of(imported_top_level(["bot"])).items() if not d & declared}
    assert not missing, f"imported but not declared in pyproject.toml: {missing}"


def test_what_the_tests_import_is_declared():
    declared = {distribution(r) for part in ("dependencies",) for r in PROJECT[part]}
    for extra in PROJECT["optional-dependencies"].values():
        declared |= {distribution(r) for r in extra}
    missing = {m: d for m, d in distributions_of(imported_top_level(["tests", "bench"])).items() if not d & declared}
    assert not missing, f"tests or benches import what no extra declares: {missing}"


def test_what_is_declared_is_imported():
    modules = imported_top_level(["bot", "tests", "bench"])
    used = set().union(*distributions_of(modules).values())
    declared = {distribution(r) for r in PROJECT["dependencies"]}
    for extra in PROJECT["optional-dependencies"].values():
        declared |= {distribution(r) for r in extra}
    unused = declared - used - NOT_IMPORTED
    assert not unused, f"declared but imported nowhere (remove it, or say in NOT_IMPORTED why it stays): {unused}"
