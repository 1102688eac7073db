"""The interview definition (`bot/format/data/interview-*.yaml`) as typed objects, checked when loaded.

A mistake in the file (an unknown kind or field, a step that names a step or part that does not exist,
a missing template) stops the start with a message naming the file, the entry and the problem.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import yaml

from bot.format.definition import FORMATS_DIR

# Every kind of step the interview knows (bot/interview/steps.py has one class for each).
KINDS = frozenset({
    "unit_name", "choice", "region", "year", "table_mode", "row", "values", "money", "t3_mode", "table_check",
    "group4", "fact", "draft", "fee", "other_items", "phone", "finish",
})
FIELDS = frozenset({
    "id", "part", "kind", "prompt", "help", "key", "keys", "options", "table", "row", "columns",
    "skip_for_levels", "template", "back_to",
})


class ScriptError(ValueError):
    """A mistake in an interview definition file."""

    def __init__(self, path: Path, entry: str, problem: str):
        super().__init__(f"{path.name}: {entry}: {problem}")
        self.path, self.entry, self.problem = path, entry, problem


@dataclass(frozen=True)
class Option:
    value: str
    label: str


@dataclass(frozen=True)
class Step:
    id: str
    part: str
    kind: str
    prompt: str = ""
    help: str = ""
    key: str = ""
    keys: tuple[str, ...] = ()
    options: tuple[Option, ...] = ()
    table: str = ""
    row: str = ""
    columns: tuple[str, ...] = ()
    skip_for_levels: tuple[str, ...] = ()
    template: str = ""
    back_to: str = ""  # the step a "start again" button goes back to


@dataclass(frozen=True)
class Part:
    key: str
    title: str


@dataclass(frozen=True)
class Script:
    format: str
    parts: tuple[Part, ...]
    steps: tuple[Step, ...]
    path: Path = Path()
    _index: dict[str, int] = field(default_factory=dict, compare=False, hash=False)

    def step(self, step_id: str) -> Step:
        return self.steps[self._index[step_id]]

    def index(self, step_id: str) -> int:
        return self._index[step_id]

    def part_number(self, part: str) -> int:
        return next(i for i, p in enumerate(self.parts, start=1) if p.key == part)

    def part(self, key: str) -> Part:
        return next(p for p in self.parts if p.key == key)

    def first_step(self, part: str) -> Step:
        return next(s for s in self.steps if s.part == part)


def _step(d: dict[str, Any]) -> Step:
    return Step(
        id=d["id"],
        part=d["part"],
        kind=d["kind"],
        prompt=d.get("prompt", ""),
        help=d.get("help", ""),
        key=d.get("key", ""),
        keys=tuple(d.get("keys", ())),
        options=tuple(Option(str(o["value"]), o["label"]) for o in d.get("options", ())),
        table=d.get("table", ""),
        row=d.get("row", ""),
        columns=tuple(d.get("columns", ())),
        skip_for_levels=tuple(d.get("skip_for_levels", ())),
        template=d.get("template", ""),
        back_to=d.get("back_to", ""),
    )


def parse_script(raw: dict[str, Any], path: Path) -> Script:
    """The definition from its parsed YAML; ScriptError on the first mistake found."""
    parts = tuple(Part(p["key"], p["title"]) for p in raw.get("parts", ()))
    part_keys = {p.key for p in parts}
    steps: list[Step] = []
    for n, d in enumerate(raw.get("steps", ()), start=1):
        entry = f"step {d.get('id', n)!s}" if isinstance(d, dict) else f"step {n}"
        if not isinstance(d, dict) or not {"id", "part", "kind"} <= set(d):
            raise ScriptError(path, entry, "a step needs id, part and kind")
        unknown = set(d) - FIELDS
        if unknown:
            raise ScriptError(path, entry, f"unknown field {', '.join(sorted(unknown))}")
        if d["kind"] not in KINDS:
            raise ScriptError(path, entry, f"unknown kind {d['kind']!r} (known: {', '.join(sorted(KINDS))})")
        if d["part"] not in part_keys:
            raise ScriptError(path, entry, f"unknown part {d['part']!r}")
        steps.append(_step(d))
    index: dict[str, int] = {}
    for i, step in enumerate(steps):
        if step.id in index:
            raise ScriptError(path, f"step {step.id}", "two steps have this id")
        index[step.id] = i
    for step in steps:
        if step.back_to and step.back_to not in index:
            raise ScriptError(path, f"step {step.id}", f"back_to names unknown step {step.back_to!r}")
    if not steps:
        raise ScriptError(path, "steps", "no steps")
    return Script(format=raw["format"], parts=parts, steps=tuple(steps), path=path, _index=index)


def read_script(path: Path) -> Script:
    return parse_script(yaml.safe_load(path.read_text(encoding="utf-8")), path)


@cache
def load_script(name: str = "interview-2021") -> Script:
    return read_script(FORMATS_DIR / f"{name}.yaml")
