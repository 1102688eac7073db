"""Benchmark: render one report to .docx; then .docx + PDF + PNG pages. Prints median times and peak memory.

Targets: .docx ≤ 150 ms and ≤ 100 MB per render (issue 3); .docx + PDF + PNG of a whole report
≤ 3 s (issue 14), on the 2-core CI machine, each part timed, and the same report again (served from
the page cache). The pages need LibreOffice and pdftoppm; without them that part says why.
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

from bot.checks.validate import validate  # noqa: E402
from bot.core.report import Report  # noqa: E402
from bot.importer import import_path  # noqa: E402
from bot.render import DRAFT, PdfError, pdf_bytes, render_docx, render_pages  # noqa: E402
from bot.render.pages import forget_pages, pdf_pages  # noqa: E402

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


def render_once_bytes(report: Report) -> bytes:
    buffer = io.BytesIO()
    render_docx(report, buffer)
    return buffer.getvalue()


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


def measure_pages(report: Report, runs: int) -> dict[str, float]:
    """Medians over `runs` of the .docx, the PDF (LibreOffice), the PNGs (pdftoppm + Pillow) and the whole,
    each from nothing (the page cache emptied); then the same report again, from the cache; CPU of the whole.

    A draft with its errors' page where the report has errors, as the bot sends it.
    """
    errors = [f for f in validate(report) if f.level == "error"]
    times: dict[str, list[float]] = {"docx": [], "pdf": [], "png": [], "total": [], "again": [], "cpu": []}
    pngs: list[bytes] = []
    for _ in range(runs):
        forget_pages()
        cpu_start = cpu_seconds()
        start = time.perf_counter()
        buffer = io.BytesIO()
        render_docx(report, buffer, status=DRAFT if errors else "", findings=errors)
        docx_done = time.perf_counter()
        pdf = pdf_bytes(buffer.getvalue())
        pdf_done = time.perf_counter()
        pngs = pdf_pages(pdf)
        end = time.perf_counter()
        times["cpu"].append(cpu_seconds() - cpu_start)
        forget_pages()
        render_pages(buffer.getvalue())  # what the bot calls: it fills the cache ...
        start_again = time.perf_counter()
        render_pages(buffer.getvalue())  # ... and a second /preview of the same report is answered from it
        times["again"].append(time.perf_counter() - start_again)
        for key, value in (("docx", docx_done - start), ("pdf", pdf_done - docx_done), ("png", end - pdf_done), ("total", end - start)):
            times[key].append(value)
    result = {key: statistics.median(values) for key, values in times.items()}
    return result | {"pages": len(pngs), "kb": sum(map(len, pngs)) // 1024}


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
    head = ("docx s", "PDF s", "PNG s", "total s", "again s", "CPU s", "pages", "PNG KB")
    for mode, warm in (("warm LibreOffice", "1"), ("cold LibreOffice", "0")):
        os.environ["NIANBAO_WARM_OFFICE"] = warm
        print(f"{'.docx + PDF + PNG, ' + mode:40} " + " ".join(f"{h:>7}" for h in head))
        for name, report in cases:
            try:
                if warm == "1":  # the bot's first conversion after its start pays the office's start
                    start = time.perf_counter()
                    pdf_bytes(render_once_bytes(report))
                    print(f"{'  (starting the warm office: ' + format(time.perf_counter() - start, '.2f') + ' s)':40}")
                m = measure_pages(report, args.page_runs)
            except PdfError as exc:
                print(f"{name:40} not measured: {exc}")
                continue
            row = (f"{m['docx']:.2f}", f"{m['pdf']:.2f}", f"{m['png']:.2f}", f"{m['total']:.2f}", f"{m['again']:.3f}", f"{m['cpu']:.2f}",
                   f"{m['pages']:.0f}", f"{m['kb']:.0f}")
            print(f"{name:40} " + " ".join(f"{v:>7}" for v in row))
    print(f"target: total ≤ 3 s ({args.page_runs} runs each, median, page cache emptied before each; {load()})")
    print("CPU s: this process and its finished subprocesses (a cold LibreOffice, pdftoppm); the warm office's own CPU is not in it")
    maxrss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"process peak RSS (ru_maxrss, whole process incl. interpreter and imports): {maxrss_mb:.1f} MB")


if __name__ == "__main__":
    main()
