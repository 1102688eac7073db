"""Benchmark: render one report to .docx; then .docx + PDF + PNG pages. Prints median times and peak memory.

Targets: .docx ≤ 150 ms and ≤ 100 MB per render (issue 3); .docx + PDF + PNG of a whole report
≤ 3 s (issue 14), on the 2-core CI machine. The pages need LibreOffice and pdftoppm; without them
that part says why and is left out.
Run: .venv/bin/python bench/render.py [--runs N] [--page-runs N]
"""

from __future__ import annotations

import argparse
import io
import os
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
from bot.render import DRAFT, PdfError, render_docx, render_pages  # noqa: E402
from bot.report import Report  # noqa: E402
from bot.validate import validate  # noqa: E402

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


def cpu_seconds() -> float:
    """CPU time of this process and its finished subprocesses: what the work costs, whatever else loads the machine."""
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def measure_pages(report: Report, runs: int) -> tuple[float, float, float, int, int]:
    """(median s of .docx + PDF + PNG, median s of the PDF + PNG part alone, median CPU s, pages, PNG KB in all).

    A draft with its errors' page where the report has errors, as the bot sends it.
    """
    errors = [f for f in validate(report) if f.level == "error"]
    totals, pages_only, cpu = [], [], []
    pages: list[bytes] = []
    for _ in range(runs):
        cpu_start = cpu_seconds()
        start = time.perf_counter()
        buffer = io.BytesIO()
        render_docx(report, buffer, status=DRAFT if errors else "", findings=errors)
        middle = time.perf_counter()
        _, pages = render_pages(buffer.getvalue())
        end = time.perf_counter()
        totals.append(end - start)
        pages_only.append(end - middle)
        cpu.append(cpu_seconds() - cpu_start)
    kb = sum(map(len, pages)) // 1024
    return statistics.median(totals), statistics.median(pages_only), statistics.median(cpu), len(pages), kb


def load() -> str:
    one, five, _ = os.getloadavg()
    return f"load {one:.1f}/{five:.1f} on {os.cpu_count()} cores"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--page-runs", type=int, default=5)
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
    print()
    print(f"{'.docx + PDF + PNG of a whole report':42} {'total s':>9} {'PDF+PNG s':>10} {'CPU s':>6} {'pages':>6} {'PNG KB':>7}")
    for name, report in cases:
        try:
            total, pages_s, cpu, pages, kb = measure_pages(report, args.page_runs)
        except PdfError as exc:
            print(f"{name:42} not measured: {exc}")
            continue
        print(f"{name:42} {total:9.2f} {pages_s:10.2f} {cpu:6.2f} {pages:6d} {kb:7d}")
    print(f"target: median ≤ 3 s ({args.page_runs} runs each; LibreOffice starts afresh each run; uptime: {load()})")
    maxrss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"process peak RSS (ru_maxrss, whole process incl. interpreter and imports): {maxrss_mb:.1f} MB")


if __name__ == "__main__":
    main()
