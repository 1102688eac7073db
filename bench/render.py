"""Benchmark: render one report to .docx. Prints median time and peak memory.

Targets (issue 3): ≤ 150 ms and ≤ 100 MB per render, on the 2-core CI machine.
Run: .venv/bin/python bench/render.py [--runs N]
"""

from __future__ import annotations

import argparse
import io
import random
import resource
import statistics
import sys
import time
import tracemalloc
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.importer import import_path  # noqa: E402
from bot.render import render_docx  # noqa: E402
from bot.report import Report  # noqa: E402

REPORTS = ROOT.parent / "shared" / "data" / "reports"


def random_report(seed: int) -> Report:
    """A complete report with non-zero numbers in every table and a long narrative."""
    rng = random.Random(seed)
    report = import_path(REPORTS / "zone-2022-fujian-pingtan.txt").report
    for path in report.cells:
        report.cells[path] = rng.randint(1, 999)
    report.cells["table2.FEE"] = Decimal(rng.randint(0, 10**8)) / 10**4
    report.compute_totals()
    return report


def render_once(report: Report) -> int:
    buffer = io.BytesIO()
    render_docx(report, buffer)
    return len(buffer.getvalue())


def measure(report: Report, runs: int) -> tuple[float, float, float, int]:
    """(first render ms, median ms, tracemalloc peak MB of one render, .docx bytes)."""
    start = time.perf_counter()
    size = render_once(report)  # the first builds the style's base package and warms caches
    first = (time.perf_counter() - start) * 1000
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        render_once(report)
        times.append((time.perf_counter() - start) * 1000)
    tracemalloc.start()
    render_once(report)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return first, statistics.median(times), peak / 2**20, size


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=30)
    args = parser.parse_args()
    cases = [
        ("次营镇 2023 (sample, zeros)", import_path(REPORTS / "township-2023-shanxi-ciying.txt").report),
        ("平潭 2022 texts, random non-zero tables", random_report(2022)),
    ]
    print(f"{'render one report to .docx':42} {'first ms':>9} {'median ms':>10} {'tracemalloc MB':>14} {'KB':>6}")
    for name, report in cases:
        first, ms, peak, size = measure(report, args.runs)
        print(f"{name:42} {first:9.1f} {ms:10.1f} {peak:14.1f} {size / 1024:6.1f}")
    print(f"target: median ≤ 150 ms, ≤ 100 MB ({args.runs} runs each)")
    maxrss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"process peak RSS (ru_maxrss, whole process incl. interpreter and imports): {maxrss_mb:.1f} MB")


if __name__ == "__main__":
    main()
