"""The interview definition (`bot/formats/interview-*.yaml`) as typed objects."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache
from typing import Any

import yaml

from bot.formatdef import FORMATS_DIR


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
    rules: tuple[str, ...] = ()


@dataclass(frozen=True)
class Part:
    key: str
    title: str


@dataclass(frozen=True)
class Script:
    format: str
    parts: tuple[Part, ...]
    steps: tuple[Step, ...]
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
        rules=tuple(d.get("rules", ())),
    )


@cache
def load_script(name: str = "interview-2021") -> Script:
    raw = yaml.safe_load((FORMATS_DIR / f"{name}.yaml").read_text(encoding="utf-8"))
    steps = tuple(_step(s) for s in raw["steps"])
    return Script(
        format=raw["format"],
        parts=tuple(Part(p["key"], p["title"]) for p in raw["parts"]),
        steps=steps,
        _index={s.id: i for i, s in enumerate(steps)},
    )
