"""The shape of the code, checked: the import graph of bot/ and storage/ has no cycle and follows the
layers; only storage/ touches the database session; the core knows no chat library; modules stay small.

Every import counts, also one inside a function or under TYPE_CHECKING: a cycle cannot hide there.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("bot",)

# Lowest first. A module may import from its own layer or a lower one.
LAYERS: list[tuple[str, tuple[str, ...]]] = [
    ("format", ("bot", "bot.format")),
    ("core", ("bot.core", "bot.checks", "bot.importer", "bot.render")),
    ("storage", ("bot.storage",)),
    ("services", ("bot.reminders", "bot.county")),
    ("conversation", ("bot.interview", "bot.workplace")),
    ("channels", ("bot.channels", "bot.__main__")),
]
CHAT_LIBRARIES = ("telegram", "aiohttp", "dingtalk")
MAX_LINES = 400


def modules() -> dict[str, Path]:
    out = {}
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            parts = list(path.relative_to(ROOT).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts = parts[:-1]
            out[".".join(parts)] = path
    return out


MODULES = modules()


def imported(name: str, path: Path) -> set[str]:
    """The project modules a module imports (resolved to modules, not names inside them)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    is_package = path.name == "__init__.py"
    out: set[str] = set()
    for node in ast.walk(tree):
        targets: list[str] = []
        if isinstance(node, ast.Import):
            targets = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = name.split(".") if is_package else name.split(".")[:-1]
                anchor = anchor[: len(anchor) - node.level + 1]
                base = ".".join(anchor + ([base] if base else []))
            targets = [f"{base}.{a.name}" for a in node.names] + [base]
        for target in targets:
            while target and target not in MODULES:
                target = target.rpartition(".")[0]
            if target and target != name:
                out.add(target)
    return out


GRAPH = {name: imported(name, path) for name, path in MODULES.items()}


def layer(module: str) -> int:
    best, level = -1, -1
    for i, (_, prefixes) in enumerate(LAYERS):
        for prefix in prefixes:
            if (module == prefix or module.startswith(prefix + ".")) and len(prefix) > best:
                best, level = len(prefix), i
    assert level >= 0, f"{module} is in no layer: add it to LAYERS"
    return level


def test_no_import_cycles():
    state: dict[str, int] = {}
    stack: list[str] = []
    cycles: list[list[str]] = []

    def visit(node: str) -> None:
        state[node] = 1
        stack.append(node)
        for dep in sorted(GRAPH[node]):
            if dep == node.rpartition(".")[0] and MODULES[dep].name == "__init__.py":
                continue  # a module of a package imports its package's __init__ when loaded anyway
            if state.get(dep) == 1:
                cycles.append(stack[stack.index(dep):] + [dep])
            elif dep not in state:
                visit(dep)
        stack.pop()
        state[node] = 2

    for module in sorted(GRAPH):
        if module not in state:
            visit(module)
    assert cycles == []


def test_layers():
    wrong = [
        f"{module} ({LAYERS[layer(module)][0]}) imports {dep} ({LAYERS[layer(dep)][0]})"
        for module, deps in GRAPH.items()
        for dep in deps
        if layer(dep) > layer(module)
    ]
    assert wrong == []


def test_only_storage_touches_the_session():
    users = []
    for module, path in MODULES.items():
        if module.startswith("bot.storage"):
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Attribute) and node.attr == "session":
                users.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    assert users == []


def test_only_channels_import_a_chat_library():
    core = [m for m in MODULES if LAYERS[layer(m)][0] != "channels"]
    offenders = []
    for module in core:
        for node in ast.walk(ast.parse(MODULES[module].read_text(encoding="utf-8"))):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else [node.module or ""] if isinstance(node, ast.ImportFrom) else []
            offenders += [f"{module}: {n}" for n in names if n.split(".")[0] in CHAT_LIBRARIES]
    assert offenders == []


def test_modules_are_short():
    long = {
        str(path.relative_to(ROOT)): n
        for path in MODULES.values()
        if (n := len(path.read_text(encoding="utf-8").splitlines())) >= MAX_LINES
    }
    assert long == {}


def test_each_room_is_one_layer():
    """The folders show the layers: every module under bot/ sits in a room (bot/<room>/) that belongs to
    one layer whole; only the package's own __init__ and __main__ sit loose."""
    loose = sorted(m for m in MODULES if m.count(".") == 1 and MODULES[m].name != "__init__.py" and m != "bot.__main__")
    assert loose == []
    rooms = {p for _, prefixes in LAYERS for p in prefixes}
    assert all(p == "bot" or p.count(".") == 1 for p in rooms)
    assert len(rooms) == sum(len(prefixes) for _, prefixes in LAYERS)  # no room in two layers


def test_the_architecture_document_lists_these_layers():
    """docs/architecture.md's table is this test's LAYERS, highest first."""
    text = (ROOT / "docs" / "architecture.md").read_text(encoding="utf-8")
    rows = [line for line in text.splitlines() if line.startswith("| ") and not line.startswith("| layer")]
    documented = [(cells[0], tuple(sorted(re.findall(r"`(bot/[\w/]*?)/?`", cells[1]))))
                  for cells in ([c.strip() for c in row.strip("|").split("|")] for row in rows)]
    expected = [(name, tuple(sorted(p.replace(".", "/") for p in prefixes if p not in ("bot", "bot.__main__")))) for name, prefixes in reversed(LAYERS)]
    assert documented == expected
