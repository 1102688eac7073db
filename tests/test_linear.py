"""Every text rule reads any text in linear time: 100,000 digits (and other worst cases) in each narrative
field are checked in a child process whose CPU time is capped, so a quadratic pattern fails the test by
running out of its budget, not by a measured duration."""

from __future__ import annotations

import resource
import subprocess
import sys

from conftest import ROOT

CHILD = """
import sys
sys.path.insert(0, "tests")
from bot.checks.validate import validate
from factories import zero_report
N = 100_000
cases = {
    "digits": "1" * N,
    "digits and a unit": "1" * N + "件",
    "a unit after every digit": "1件" * (N // 2),
    "chinese numerals": "一" * N,
    "numerals and units": "一百" * (N // 2),
    "received and digits": "收到" + "1" * (N // 2) + "件申请" + "2" * (N // 2),
    "a breakdown with many parts": "共3件，其中" + "甲1件、" * (N // 4),
    "open brackets": "（" * (N // 2) + "）" * (N // 2),
    "years": "2023" * (N // 4),
    "document numbers": "〔2023〕1号" * (N // 8),
    "ordinals": "一是" * (N // 2),
    "no punctuation": "政府信息公开" * (N // 6),
}
for name, text in cases.items():
    report = zero_report()
    for key in list(report.text):
        report.text[key] = text
    validate(report)
    print(name, flush=True)
print("done")
"""

CPU_SECONDS = 60  # linear work takes a few seconds at most; quadratic work on 100,000 characters takes hours


def limit() -> None:
    resource.setrlimit(resource.RLIMIT_CPU, (CPU_SECONDS, CPU_SECONDS))


def test_text_rules_are_linear_on_worst_case_texts():
    done = subprocess.run([sys.executable, "-c", CHILD], cwd=ROOT, capture_output=True, text=True,
                          preexec_fn=limit, timeout=600)
    assert done.returncode == 0, f"ran out of CPU after: {done.stdout.splitlines()[-1:]} {done.stderr[-2000:]}"
    assert done.stdout.splitlines()[-1] == "done"
