"""Inputs that once gave a traceback or never ended: each is refused with one Chinese line, exit 2."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
from conftest import ROOT
from factories import zero_report


def check(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "bot", "check", *args], cwd=ROOT, capture_output=True, text=True, timeout=60)


def refused(done: subprocess.CompletedProcess[str], reason: str) -> None:
    assert done.returncode == 2 and "Traceback" not in done.stderr, done.stderr
    assert reason in done.stderr and len(done.stderr.strip().splitlines()) == 1, done.stderr


def test_a_device_or_a_pipe_is_not_read(tmp_path):
    refused(check("/dev/zero"), "不是一个普通文件")
    fifo = tmp_path / "pipe.txt"
    os.mkfifo(fifo)
    refused(check(str(fifo)), "不是一个普通文件")


@pytest.mark.parametrize(("text", "reason"), [
    ("[" * 100_000 + "]" * 100_000, "嵌套过深"),
    ('{"year": ' + "9" * 5000 + "}", "位数过多"),
])
def test_hostile_json_is_refused(tmp_path, text, reason):
    path = tmp_path / "r.json"
    path.write_text(text, encoding="utf-8")
    refused(check(str(path)), reason)


def test_a_fee_with_a_huge_exponent_and_a_400_digit_count_are_findings_not_a_crash(tmp_path):
    doc = zero_report().to_dict()
    doc["table2"]["FEE"] = "1e999999999"
    doc["table2"]["LIC"] = 10**400
    path = tmp_path / "r.json"
    path.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    done = check("--json", str(path))
    assert "Traceback" not in done.stderr and done.returncode == 1, done.stderr
    rules = {f["rule"] for f in json.loads(done.stdout)["files"][0]["findings"]}
    assert {"E-FEE", "E-INT"} <= rules
