"""Benchmark: the coordinator's /dashboard and /collect for a county of N units with complete reports.

Targets (issue 6): /dashboard ≤ 1 s and /collect ≤ 30 s for 300 units, on this machine. Timed as the
coordinator sees it: the command through the real service (one transaction on a real SQLite file),
from the input to the reply with the document in memory. Each report is a real sample report with
random numbers (consistent totals) and the unit's own name; each final report's .docx is the one stored
when it was approved. `--unstored` also times the collection when no .docx is stored and every one is
rendered on the spot (reports finalised before documents were stored).

Run: .venv/bin/python bench/dashboard.py [--units 300] [--runs 5] [--unstored]
"""

from __future__ import annotations

import argparse
import copy
import random
import statistics
import sys
import tempfile
import time
from datetime import date
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import delete  # noqa: E402

from bot.channels.wiring import docx_bytes  # noqa: E402
from bot.core.clock import FixedClock  # noqa: E402
from bot.core.report import Report  # noqa: E402
from bot.importer import import_path  # noqa: E402
from bot.interview.engine import Engine  # noqa: E402
from bot.interview.service import Service  # noqa: E402
from bot.interview.types import Input  # noqa: E402
from bot.interview.uploads import report_values  # noqa: E402
from bot.storage.models import Document  # noqa: E402
from bot.storage.repository import Repository  # noqa: E402

# 平潭 2022 (non-zero tables) when ../shared is beside the clone, else the project's own 次营镇 2023
PINGTAN = ROOT.parent / "shared" / "data" / "reports" / "zone-2022-fujian-pingtan.txt"
SAMPLE = PINGTAN if PINGTAN.exists() else ROOT / "tests" / "fixtures" / "reports" / "township-2023-shanxi-ciying.txt"
TODAY = date(2027, 1, 20)
YEAR = 2026


def unit_report(base: Report, name: str, rng: random.Random) -> Report:
    report = copy.deepcopy(base)
    report.year = YEAR
    report.unit = {"name": name, "level": "township", "province": "福建省", "city": "福州市", "county": "平潭县"}
    for path in report.cells:
        report.cells[path] = rng.randint(0, 30)
    for path in ("table2.REG.made", "table2.REG.repealed", "table2.REG.valid"):
        report.cells[path] = 0  # a township makes no 规章
    report.cells["table2.FEE"] = Decimal(rng.randint(0, 10**6)) / 10**4
    report.compute_totals()
    grid = report.format.table3
    for col in grid.col_keys:  # NEW + CARRY = TOTAL + FWD in every column
        total = report.cells[f"table3.TOTAL.{col}"] + report.cells[f"table3.FWD.{col}"]
        report.cells[f"table3.CARRY.{col}"] = min(report.cells[f"table3.CARRY.{col}"], total)
        report.cells[f"table3.NEW.{col}"] = total - report.cells[f"table3.CARRY.{col}"]
    return report


def build(data_dir: Path, units: int) -> tuple[Service, str]:
    """A county with `units` units, each with a final report and its stored .docx. Returns the
    service and the coordinator's id."""
    repo = Repository(data_dir=data_dir)
    service = Service(repo, Engine(clock=FixedClock(TODAY), render_docx=docx_bytes))
    base = import_path(SAMPLE).report
    rng = random.Random(6)
    with repo.transaction() as store:
        operator = store.user("bench", "operator", "管理员")
        county = store.create_county("平潭县", "福建省", "福州市", operator)
        coordinator = store.user("bench", "coordinator", "协调人")
        store.add_coordinator(coordinator, county.id)  # type: ignore[arg-type]
        for i in range(units):
            clerk = store.user("bench", f"clerk{i}", f"填报人{i}")
            unit = store.create_unit(None, f"第{i + 1}镇人民政府", "township", county)
            store.add_member(clerk, unit.id, "clerk")  # type: ignore[arg-type]
            record = store.report_for(unit.id, YEAR)  # type: ignore[arg-type]
            report = unit_report(base, unit.name, rng)
            store.set_answers(record.id, report_values(report, skip_empty=False), clerk, "upload", current={})  # type: ignore[union-attr, arg-type]
            store.transition(record, ("draft",), "final", clerk, "approve")  # type: ignore[arg-type]
            store.save_document(record.id, f"{report.title()}.docx", docx_bytes(store.load_report(record.id), "定稿"))  # type: ignore[union-attr, arg-type]
    return service, "coordinator"


def timed(service: Service, coordinator: str, command: str, runs: int) -> tuple[list[float], str, int]:
    times, text, size = [], "", 0
    for _ in range(runs):
        started = time.perf_counter()
        outcome = service.handle("bench", coordinator, Input.parse_text(command))
        times.append(time.perf_counter() - started)
        text = "\n".join(r.text for r in outcome.replies)
        size = sum(len(r.document[1]) for r in outcome.replies if r.document)
    return times, text, size


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--units", type=int, default=300)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--unstored", action="store_true", help="also time /collect rendering every .docx")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        started = time.perf_counter()
        service, coordinator = build(Path(tmp), args.units)
        print(f"setup: {args.units} units with final reports and stored .docx in {time.perf_counter() - started:.1f} s")
        times, text, _ = timed(service, coordinator, "/dashboard", args.runs)
        assert f"已定稿{args.units}" in text, text[:200]
        print(f"/dashboard: median {statistics.median(times) * 1000:.0f} ms, max {max(times) * 1000:.0f} ms "
              f"({len(text)} characters, {args.runs} runs; target ≤ 1000 ms)")
        times, text, size = timed(service, coordinator, "/collect", max(1, args.runs // 2))
        assert f"{args.units}份定稿报告" in text, text
        print(f"/collect: median {statistics.median(times):.2f} s, max {max(times):.2f} s "
              f"(zip {size / 1024 / 1024:.1f} MB; target ≤ 30 s)")
        if args.unstored:
            with service.repo.transaction() as store:
                store.session.exec(delete(Document))  # type: ignore[call-overload]
            times, text, size = timed(service, coordinator, "/collect", 1)
            print(f"/collect rendering every .docx: {times[0]:.2f} s (zip {size / 1024 / 1024:.1f} MB)")
        service.repo.dispose()


if __name__ == "__main__":
    main()
