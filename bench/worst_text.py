"""Worst-case narrative texts through every rule: prints the time to check 100,000 characters of each case.

    .venv/bin/python bench/worst_text.py [--chars 100000]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

from factories import zero_report  # noqa: E402

from bot.checks.validate import validate  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--chars", type=int, default=100_000)
    n = parser.parse_args().chars
    cases = {
        "digits": "1" * n,
        "digits + 件": "1" * n + "件",
        "1件 repeated": "1件" * (n // 2),
        "chinese numerals": "一" * n,
        "breakdown parts": "共3件，其中" + "甲1件、" * (n // 4),
        "open brackets": "（" * (n // 2) + "）" * (n // 2),
        "years": "2023" * (n // 4),
    }
    for name, text in cases.items():
        report = zero_report()
        for key in list(report.text):
            report.text[key] = text
        started = time.perf_counter()
        validate(report)
        print(f"{name:18} {len(text):>8} chars × {len(report.text)} fields  {time.perf_counter() - started:6.3f} s")


if __name__ == "__main__":
    main()
