"""Bounded fuzzing (hypothesis, derandomized so CI repeats it): every reader given any bytes gives a report
within the limits or one Chinese line, never a traceback; the bot given any sequence of texts, commands,
buttons (valid, stale, forged) and files, on a fresh SQLite database, never lets an exception escape
and answers every input in Chinese. The whole file runs in about 20 seconds."""

from __future__ import annotations

import io
import json
import os
import re
import tempfile
from dataclasses import replace
from pathlib import Path
from typing import Any

import docx
from conftest import SAMPLES
from driver import make_service
from factories import zero_report
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from bot.core.report import Report, report_problem
from bot.importer import UnreadableError, import_bytes
from bot.interview import commands
from bot.interview.types import Input, Outcome

CHINESE = re.compile(r"[\u4e00-\u9fff]")


def fuzz(examples: int, shrink: bool = True) -> settings:
    """Repeatable (derandomized, no example database) and bounded; without shrinking where a failing case
    would take minutes to shrink (the failure is reported as found)."""
    phases = tuple(Phase) if shrink else (Phase.explicit, Phase.reuse, Phase.generate)
    return settings(max_examples=examples, deadline=None, derandomize=True, database=None, phases=phases,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


NAMES = ["报告.txt", "报告.md", "报告.html", "报告.docx", "report.json", "旧.doc", "旧.wps"]
REPORT_DOC = json.loads(zero_report(2026, "次营镇人民政府").to_json())
CIYING = (SAMPLES / "township-2023-shanxi-ciying.txt").read_text(encoding="utf-8")

json_values = st.recursive(
    st.none() | st.booleans() | st.integers(min_value=-(10**400), max_value=10**400) | st.floats() | st.text(max_size=30)
    | st.sampled_from(["", "1e100000", "-1", "0.5", "十二", "镇" * 300, "\ud800", "national", "township"]),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4),
    max_leaves=12,
)


def _read(data: bytes, name: str) -> Report | None:
    """The report read, checked within the limits; None for a refusal, checked to be one Chinese line."""
    try:
        result = import_bytes(data, name)
    except UnreadableError as exc:
        message = str(exc)
        assert message and "\n" not in message and CHINESE.search(message), message
        return None
    assert report_problem(result.report) is None
    return result.report


def _paths(node: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    out = [prefix]
    if isinstance(node, dict):
        for key, value in node.items():
            out += _paths(value, (*prefix, key))
    return out


# ---- (a) every reader -------------------------------------------------------------------------------


@fuzz(150)
@given(st.binary(max_size=3000), st.sampled_from(NAMES))
def test_any_bytes_in_any_reader(data, name):
    _read(data, name)


@fuzz(200)
@given(st.data())
def test_any_value_anywhere_in_a_report_json(data):
    doc = json.loads(json.dumps(REPORT_DOC))
    for _ in range(data.draw(st.integers(1, 3))):
        path = data.draw(st.sampled_from(_paths(doc)[1:]))
        node = doc
        for key in path[:-1]:
            node = node[key]
        node[path[-1]] = data.draw(json_values)
    text = json.dumps(doc, ensure_ascii=data.draw(st.booleans()))  # ASCII escapes carry lone surrogates
    _read(text.encode("utf-8", "surrogatepass"), "report.json")


@fuzz(60)
@given(st.lists(st.tuples(st.integers(0, 10**6), st.sampled_from(["9" * 500, "一百零五", "１２", "\t", "|", "", "镇" * 50, "\x00", "（一）"])), max_size=8))
def test_a_text_report_with_random_edits(edits):
    text = CIYING
    for at, piece in edits:
        at %= len(text)
        text = text[:at] + piece + text[at + len(piece) // 2 :]
    _read(text.encode("utf-8"), "报告.txt")


@fuzz(20)
@given(st.lists(st.text(max_size=60), max_size=12), st.lists(st.lists(st.text(max_size=8), min_size=1, max_size=5), max_size=6))
def test_a_word_file_with_random_paragraphs_and_table(paragraphs, rows):
    document = docx.Document()
    document.add_paragraph("测试镇人民政府2026年政府信息公开工作年度报告")
    for text in ["一、总体情况", *paragraphs[:6], "二、主动公开政府信息情况", *paragraphs[6:]]:
        document.add_paragraph("".join(ch for ch in text if ch.isprintable()))
    if rows:
        table = document.add_table(rows=len(rows), cols=max(map(len, rows)))
        for r, row in enumerate(rows):
            for c, cell in enumerate(row):
                table.cell(r, c).text = "".join(ch for ch in cell if ch.isprintable())
    out = io.BytesIO()
    document.save(out)
    _read(out.getvalue(), "报告.docx")


# ---- (b) the bot's update handler -------------------------------------------------------------------

TEXTS = ["次营镇人民政府", "山西省 晋城市 阳城县", "0", "1 0 1", "2026年度", "0.5", "-1", "9" * 40, "一 零 零", "全部为0", "是", "", "镇" * 41]
COMMANDS = sorted(commands.BY_NAME) + ["frobnicate", "start"]
ARGS = ["", "1", "abc", "99999999999999999999", "填报人", "阳城县 山西省 晋城市"]
VERBS = sorted(commands.ACTIONS) + ["goto", "opt", "skip", "help", "docx", "preview", "x"]
FILE_NAMES = ["report.json", "报告.docx", "报告.txt", "报告.md", "报告.html", "a.exe", "", "../../x.json"]
actions = st.one_of(
    st.tuples(st.just("text"), st.sampled_from(TEXTS) | st.text(max_size=40)),
    st.tuples(st.just("command"), st.tuples(st.sampled_from(COMMANDS), st.sampled_from(ARGS) | st.text(max_size=12))),
    st.tuples(st.just("button"), st.integers(0, 30)),  # the n-th button of the last prompt
    st.tuples(st.just("stale"), st.integers(0, 30)),  # a button of an earlier prompt
    st.tuples(st.just("forged"), st.tuples(st.text(alphabet="0123456789abcdef:", max_size=10), st.sampled_from(VERBS), st.text(max_size=12))),
    st.tuples(st.just("file"), st.tuples(st.sampled_from(FILE_NAMES), st.binary(max_size=400) | st.just(json.dumps(REPORT_DOC).encode()))),
)


def _input(action: tuple[str, Any], last: list[str], seen: list[str], token: str) -> Input:
    kind, arg = action
    if kind == "text":
        return Input.parse_text(arg) if arg.strip() else Input(kind="text", text=arg)
    if kind == "command":
        return Input(kind="command", text=arg[0], args=arg[1])
    if kind == "button":
        return Input(kind="button", text=last[arg % len(last)] if last else "resume")
    if kind == "stale":
        return Input(kind="button", text=seen[arg % len(seen)] if seen else "00000000:goto:unit")
    if kind == "forged":
        prefix, verb, rest = arg
        return Input(kind="button", text=f"{token if prefix.startswith('0') else prefix}:{verb}:{rest}")
    name, data = arg
    return Input(kind="file", filename=name, data=data)


def _check(outcome: Outcome, inp: Input) -> None:
    texts = [r.text for r in outcome.replies] or [outcome.ack or ""]
    for text in texts:
        assert text.strip() and CHINESE.search(text), (inp, outcome)


@fuzz(40, shrink=False)
@given(st.lists(st.tuples(st.sampled_from(["a", "b", "admin"]), actions), min_size=1, max_size=25))
def test_any_sequence_of_inputs_is_answered_in_chinese(steps):
    with tempfile.TemporaryDirectory(dir="/dev/shm" if os.path.isdir("/dev/shm") else None) as folder:  # a real file, in memory
        service = make_service(Path(folder), admin_ids=frozenset({"admin"}))
        last: dict[str, list[str]] = {}
        seen: list[str] = []
        tokens: dict[str, str] = {}
        for seq, (who, action) in enumerate(steps, start=1):
            inp = _input(action, last.get(who, []), seen, tokens.get(who, ""))
            again = seq % 7 == 0 and steps[seq - 2][0] == who  # now and then a redelivery of their last input
            inp = replace(inp, seq=seq - 1 if again else seq)
            outcome = service.handle("telegram", who, inp, who, who)
            if not again:  # a redelivery is answered already: it repeats the question, if there is one
                _check(outcome, inp)
            buttons = [b.data for r in outcome.replies for row in r.buttons for b in row]
            if buttons:
                last[who] = buttons
                seen.extend(buttons)
                tokens[who] = buttons[0].partition(":")[0]
