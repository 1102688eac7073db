"""The interview definition (`bot/format/data/interview-*.yaml`) as typed objects, checked when loaded.

A mistake in the file (an unknown kind or field, a step that names a step or part that does not exist,
a missing template) stops the start with a message naming the file, the entry and the problem.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from string import Formatter
from typing import Any, Literal, get_args

import yaml

from bot.format.definition import FORMATS_DIR

# Every kind of step the interview knows (bot/interview/steps.py has one class for each).
StepKind = Literal[
    "unit_name", "choice", "region", "year", "table_mode", "row", "values", "money", "t3_mode", "table_check",
    "group4", "fact", "draft", "fee", "other_items", "phone", "finish",
]
KINDS: frozenset[StepKind] = frozenset(get_args(StepKind))
FIELDS = frozenset({
    "id", "part", "kind", "prompt", "help", "key", "keys", "options", "table", "row", "columns",
    "skip_for_levels", "template", "back_to", "read_from", "ask_if", "default", "also_sets", "previous", "previous_note",
    "completes",
})
# What else a choice sets besides its answer: the unit's own level, the report's section-六 profile.
ALSO_SETS = frozenset({"unit.level", "report.profile"})
ASK_IF_KEYS = frozenset({"key", "starts_with"})


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
    kind: StepKind
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
    read_from: str = ""  # a choice not asked when this answer states it (unit.level: the level the unit's name states)
    ask_if: AskIf | None = None  # a choice asked only when another answer starts so, or it was chosen other than `default`
    default: str = ""
    also_sets: str = ""  # what else the choice sets (ALSO_SETS)
    previous: str = ""  # a row: the column whose value in last year's report the question shows, with `previous_note`
    previous_note: str = ""  # the note added to the prompt: {previous} is last year's value
    completes: str = ""  # a draft step a "nothing else either" answer writes at once (the questions between answered empty)


@dataclass(frozen=True)
class AskIf:
    """When a step is asked: another answer (`key`) starts with `starts_with` (unit.province: 山东)."""

    key: str
    starts_with: str

    def holds(self, answers: dict[str, Any]) -> bool:
        return str(answers.get(self.key, "")).startswith(self.starts_with)


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
        read_from=d.get("read_from", ""),
        ask_if=AskIf(d["ask_if"]["key"], str(d["ask_if"]["starts_with"])) if "ask_if" in d else None,
        default=str(d.get("default", "")),
        also_sets=d.get("also_sets", ""),
        previous=d.get("previous", ""),
        previous_note=d.get("previous_note", ""),
        completes=d.get("completes", ""),
    )


def _check_attributes(path: Path, entry: str, d: dict[str, Any]) -> None:
    """The attributes that say when a step applies and what else it sets."""
    if "also_sets" in d and d["also_sets"] not in ALSO_SETS:
        raise ScriptError(path, entry, f"also_sets {d['also_sets']!r} is unknown (known: {', '.join(sorted(ALSO_SETS))})")
    if "ask_if" in d and (not isinstance(d["ask_if"], dict) or set(d["ask_if"]) != ASK_IF_KEYS):
        raise ScriptError(path, entry, "ask_if needs key and starts_with")
    if bool(d.get("previous")) != bool(d.get("previous_note")):
        raise ScriptError(path, entry, "previous and previous_note go together")
    if "previous_note" in d and not {"previous"} >= {n for _, n, _, _ in Formatter().parse(d["previous_note"]) if n is not None}:
        raise ScriptError(path, entry, "previous_note fills only {previous}")


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
        _check_attributes(path, entry, d)
        steps.append(_step(d))
    index: dict[str, int] = {}
    for i, step in enumerate(steps):
        if step.id in index:
            raise ScriptError(path, f"step {step.id}", "two steps have this id")
        index[step.id] = i
    for step in steps:
        if step.back_to and step.back_to not in index:
            raise ScriptError(path, f"step {step.id}", f"back_to names unknown step {step.back_to!r}")
        if step.completes and (step.completes not in index or index[step.completes] <= index[step.id]):
            raise ScriptError(path, f"step {step.id}", f"completes names no later step: {step.completes!r}")
    if not steps:
        raise ScriptError(path, "steps", "no steps")
    return Script(format=raw["format"], parts=parts, steps=tuple(steps), path=path, _index=index)


def read_script(path: Path) -> Script:
    return parse_script(yaml.safe_load(path.read_text(encoding="utf-8")), path)


def load_script(name: str = "interview-2021", directory: Path | None = None) -> Script:
    """The interview `name` (`<directory>/<name>.yaml`, by default `bot/format/data/`), read once per process."""
    return _load_script(name, directory or FORMATS_DIR)


@cache
def _load_script(name: str, directory: Path) -> Script:
    return read_script(directory / f"{name}.yaml")
