"""What one input costs the interview itself, with no channel around it: CPU and SQL statements per input.

The same 13 actions as bench/bot_load.py's clerks (onboarding, 表二, 表三 row by row, 表四), given
straight to `Service.handle`, one clerk after another, on SQLite or on a throwaway PostgreSQL server
(tests/pgserver.py). The figures split the bot's per-input cost (bench/bot_load.py) into the engine's
share and the channel's.

Run: .venv/bin/python bench/engine_cost.py [--clerks 50] [--database postgresql]
"""

from __future__ import annotations

import argparse
import collections
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

from pgserver import bench_database  # noqa: E402
from sqlalchemy import event  # noqa: E402

from bot.channels.wiring import build_service  # noqa: E402
from bot.core.config import Config  # noqa: E402
from bot.interview.service import Service  # noqa: E402
from bot.interview.types import Input, Outcome  # noqa: E402

ACTIONS: list[tuple[str, str]] = [
    ("say", "/start"),
    ("say", "测试{n}镇人民政府"),
    ("say", "山西省 晋城市 阳城县"),
    ("tap", "有，逐项填写"),
    ("say", "1 0 1"),
    ("say", "2 0 0"),
    ("say", "0"),
    ("tap", "有，按行填写"),
    ("say", "1 0 0 0 0 0"),
    ("tap", "本行全为0"),
    ("say", "1 0 0 0 0 0"),
    ("tap", "其余各行全为0"),
    ("tap", "没有，全部为0"),
]


def button(outcome: Outcome, label: str) -> str:
    for reply in outcome.replies:
        for row in reply.buttons:
            for b in row:
                if b.label == label:
                    return b.data
    raise LookupError(f"no button {label!r} in {[r.text[:40] for r in outcome.replies]}")


def clerk(service: Service, n: int, statements: collections.Counter[str], per_action: list[float] | None = None) -> None:
    """One clerk's actions; `per_action[i]` gathers the CPU seconds of action i."""
    last = Outcome()
    for seq, (kind, text) in enumerate(ACTIONS, start=1):
        inp = Input(kind="button", text=button(last, text), seq=seq) if kind == "tap" else Input.parse_text(text.format(n=n))
        if kind == "say":
            inp = Input(kind=inp.kind, text=inp.text, args=inp.args, seq=seq, ref=f"{n}:{seq}" if inp.kind == "text" else "")
        statements["inputs"] += 1
        began = time.process_time()
        last = service.handle("telegram", str(10_000 + n), inp, f"办事员{n}", str(10_000 + n))
        if per_action is not None:
            per_action[seq - 1] += time.process_time() - began


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--clerks", type=int, default=50)
    parser.add_argument("--database", choices=("sqlite", "postgresql"), default="sqlite")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp, bench_database(args.database) as url:
        service = build_service(Config(database_url=url, data_dir=Path(tmp)))
        counts: collections.Counter[str] = collections.Counter()

        @event.listens_for(service.repo.engine, "before_cursor_execute")
        def count(conn, cursor, statement, parameters, context, executemany):  # type: ignore[no-untyped-def]
            counts[statement.split(None, 1)[0].upper()] += 1

        clerk(service, 0, collections.Counter())  # warm: imports, caches, the first connection
        counts.clear()
        tally: collections.Counter[str] = collections.Counter()
        per_action = [0.0] * len(ACTIONS)
        cpu, wall = time.process_time(), time.perf_counter()
        for n in range(1, args.clerks + 1):
            clerk(service, n, tally, per_action)
        cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    inputs = tally["inputs"]
    print(f"database              {args.database}")
    print(f"inputs                {inputs} ({args.clerks} clerks × {len(ACTIONS)} actions)")
    print(f"CPU per input         {cpu / inputs * 1000:.2f} ms (wall {wall / inputs * 1000:.2f} ms)")
    total = sum(counts.values())
    kinds = ", ".join(f"{k} {v / inputs:.1f}" for k, v in counts.most_common())
    print(f"statements per input  {total / inputs:.1f} ({kinds})")
    print("CPU per action (ms)   " + ", ".join(f"{i + 1}:{t / args.clerks * 1000:.1f}" for i, t in enumerate(per_action)))


if __name__ == "__main__":
    main()
