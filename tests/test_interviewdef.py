"""The interview definition is checked when loaded: a mistake stops the start and says where it is."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from bot.format.definition import FORMATS_DIR
from bot.format.interview import KINDS as DEFINED_KINDS
from bot.format.interview import ScriptError, load_script, read_script
from bot.interview.engine import Engine
from bot.interview.steps import KINDS

SOURCE = FORMATS_DIR / "interview-2021.yaml"


def broken(tmp_path: Path, change: Callable[[dict], Any]) -> Path:
    raw = yaml.safe_load(SOURCE.read_text(encoding="utf-8"))
    change(raw)
    path = tmp_path / "interview-broken.yaml"
    path.write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    return path


def step(raw: dict, step_id: str) -> dict:
    return next(s for s in raw["steps"] if s["id"] == step_id)


def test_the_shipped_definition_loads_and_every_kind_has_a_class():
    script = load_script()
    assert set(KINDS) == DEFINED_KINDS
    assert {s.kind for s in script.steps} <= set(KINDS)
    Engine(script=script)  # the kind-specific checks pass too


def test_unknown_kind_names_the_file_the_step_and_the_kind(tmp_path):
    path = broken(tmp_path, lambda raw: step(raw, "pre_phone").update(kind="phonee"))
    with pytest.raises(ScriptError) as exc:
        read_script(path)
    assert str(exc.value).startswith("interview-broken.yaml: step pre_phone: unknown kind 'phonee'")


def test_unknown_step_referenced_is_refused(tmp_path):
    path = broken(tmp_path, lambda raw: step(raw, "t3_check").update(back_to="t3_mod"))
    with pytest.raises(ScriptError, match=r"interview-broken.yaml: step t3_check: back_to names unknown step 't3_mod'"):
        read_script(path)


def test_missing_template_file_stops_the_engine(tmp_path):
    path = broken(tmp_path, lambda raw: step(raw, "ov_draft").update(template="overveiw.j2"))
    script = read_script(path)  # the file itself is well-formed
    with pytest.raises(ScriptError, match=r"interview-broken.yaml: step ov_draft: template file overveiw.j2 not found"):
        Engine(script=script)


def test_unknown_field_and_unknown_part_are_refused(tmp_path):
    path = broken(tmp_path, lambda raw: step(raw, "unit_name").update(promt="x"))
    with pytest.raises(ScriptError, match=r"step unit_name: unknown field promt"):
        read_script(path)
    path = broken(tmp_path, lambda raw: step(raw, "unit_name").update(part="units"))
    with pytest.raises(ScriptError, match=r"step unit_name: unknown part 'units'"):
        read_script(path)


def test_a_step_without_what_its_kind_needs_is_refused(tmp_path):
    path = broken(tmp_path, lambda raw: step(raw, "t2_norm").pop("row"))
    with pytest.raises(ScriptError, match=r"step t2_norm: kind row needs row"):
        Engine(script=read_script(path))


@pytest.mark.parametrize(
    "field, value, problem",
    [
        ("also_sets", "unit.lvl", "also_sets 'unit.lvl' is unknown"),
        ("ask_if", {"key": "unit.province"}, "ask_if needs key and starts_with"),
        ("previous", "valid", "previous and previous_note go together"),
        ("completes", "unit_name", "completes names no later step: 'unit_name'"),
    ],
)
def test_what_a_step_says_of_when_it_applies_is_checked(tmp_path, field, value, problem):
    path = broken(tmp_path, lambda raw: step(raw, "profile").__setitem__(field, value))
    with pytest.raises(ScriptError, match=f"interview-broken.yaml: step profile: {problem}"):
        read_script(path)
