"""Load benchmark: N simulated clerks talk to the real bot process through the fake Bot API on 127.0.0.1.

Each clerk onboards and fills tables 二, 三 and 四 (16 actions: messages and button taps), waiting for
the bot's answer and then 1 to 2.5 seconds (reading, typing) before the next action, as a person does.
The clerks start at random moments within the first 10 seconds (`--ramp`). `--think 0 0 --ramp 0`
removes the pauses and measures the bot saturated. Prints updates per second, p50/p99
handling latency (update queued → first reply to that chat) and the bot process's peak memory.

Target (issue 4): 200 clerks at once, ≥ 100 updates/s, p99 ≤ 200 ms, on the 2-core machine with SQLite.
Run: .venv/bin/python bench/bot_load.py [--clerks 200]

`--database postgresql` runs the bot on a throwaway PostgreSQL server (tests/pgserver.py: Debian's
postgresql, or NIANBAO_TEST_POSTGRES_URL). `--processes N` runs N bot processes on one database, each
serving Telegram's webhook on a port of its own; the fake Bot API plays Telegram and the reverse proxy,
posting the updates (one at a time, in order) to the processes in turn. One process polls unless `--webhook`.
"""

from __future__ import annotations

import argparse
import os
import random
import signal
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

from conftest import free_port  # noqa: E402
from fakebotapi import FakeBotAPI  # noqa: E402
from pgserver import bench_database  # noqa: E402
from tgharness import TOKEN, BotProcess  # noqa: E402

SECRET = "bench-webhook-secret-token"


def start_bots(api: FakeBotAPI, data: Path, processes: int, url: str, webhook: bool) -> list[BotProcess]:
    """The bot processes, started; with a webhook, each on its own port behind the 'proxy'."""
    if not webhook:
        bot = BotProcess(api, data)
        bot.env["DATABASE_URL"] = url
        return [bot.start()]
    bots, ports = [], [free_port() for _ in range(processes)]
    api.proxy_targets = [f"http://127.0.0.1:{port}/tg" for port in ports]
    for i, port in enumerate(ports):
        folder = data / f"bot{i}"
        folder.mkdir()
        bot = BotProcess(api, folder).start_webhook(url, port, SECRET)
        bots.append(bot)
    return bots


class SimClerk:
    def __init__(self, api: FakeBotAPI, user_id: int, latencies: list[float], lock: threading.Lock, think: tuple[float, float] = (1.0, 2.5)):
        self.api = api
        self.user_id = user_id
        self.latencies = latencies
        self.lock = lock
        self.seen = 0
        self.think = think
        self.rng = random.Random(user_id)
        self.answered: list[float] = []  # when each of this clerk's updates got its first reply
        self.trace: list[tuple[float, float]] = []  # (sent, first reply) of each action, for --trace
        self.split: list[tuple[float, float]] = []  # webhook, typed messages: (queued → POST began, POST began → first reply)

    def pause(self) -> None:
        """A person reads the answer and types the next one."""
        time.sleep(self.rng.uniform(*self.think))

    def _await_reply(self, start: float, update_id: int = 0, timeout: float = 60.0) -> None:
        """Record the time to the first reply; return once the answer is complete (chat quiet 250 ms)."""
        count = self.api.wait_message_count(self.user_id, self.seen + 1, timeout)
        if count <= self.seen:
            raise TimeoutError(f"clerk {self.user_id} got no answer")
        with self.lock:
            now = time.monotonic()
            self.latencies.append(now - start)
            self.answered.append(now)
            self.trace.append((start, now))
            posted = self.api.posted_at.get(update_id)
            if posted is not None:  # the webhook: split into waiting for a connection and the bot's own time
                self.split.append((posted - start, now - posted))
        while True:
            more = self.api.wait_message_count(self.user_id, count + 1, 0.25)
            if more == count:
                self.seen = count
                return
            count = more

    def say(self, text: str) -> None:
        self.pause()
        start = time.monotonic()
        update_id = self.api.send_text(self.user_id, text)
        self._await_reply(start, update_id)

    def tap(self, label: str) -> None:
        self.pause()
        for call in reversed(self.api.messages_to(self.user_id)):
            for text, data in call.buttons:
                if text == label and data:
                    start = time.monotonic()
                    self.api.press_button(self.user_id, call.message_id, data)
                    self._await_reply(start)
                    return
        raise LookupError(label)

    def run(self, start_at: float = 0.0) -> None:
        time.sleep(max(0.0, start_at - time.monotonic()))
        self.started = time.monotonic()
        self.say("/start")
        self.say(f"测试{self.user_id}镇人民政府")
        self.say("山西省 晋城市 阳城县")  # the level read from the name, the default year, 全国通用 outside 山东
        self.tap("有，逐项填写")
        self.say("1 0 1")
        self.say("2 0 0")
        self.say("0")
        self.tap("有，按行填写")
        self.say("1 0 0 0 0 0")
        self.tap("本行全为0")
        self.say("1 0 0 0 0 0")
        self.tap("其余各行全为0")
        self.tap("没有，全部为0")


def percentile(ordered: list[float], share: float = 0.99) -> float:
    return ordered[min(len(ordered) - 1, int(len(ordered) * share))] if ordered else float("nan")


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def children(pid: int) -> list[int]:
    """The bot's interview worker processes."""
    out = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            out.append(int(stat.parent.name))
    return out


def postgres_cpu() -> float:
    """CPU seconds used so far by every process named postgres (the throwaway server of this run)."""
    total = 0.0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            text = stat.read_text()
        except OSError:
            continue
        if "(postgres)" in text:
            fields = text.rsplit(")", 1)[1].split()
            total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return total


def peak_rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--clerks", type=int, default=200)
    parser.add_argument("--ramp", type=float, default=10.0,
                        help="seconds over which the clerks start (each at a random moment)")
    parser.add_argument("--think", type=float, nargs=2, default=(1.0, 2.5), metavar=("MIN", "MAX"),
                        help="seconds a clerk takes between actions (0 0: as fast as the bot answers)")
    parser.add_argument("--database", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--processes", type=int, default=1, help="bot processes on the one database (webhook mode)")
    parser.add_argument("--webhook", action="store_true", help="the webhook even with one process")
    parser.add_argument("--connections", type=int, default=40,
                        help="webhook connections the fake Telegram keeps open at once (Telegram's max_connections, default 40)")
    parser.add_argument("--trace", type=Path, help="write each action's sent and answered times (s) to this CSV file")
    args = parser.parse_args()
    # a TERM (a stopped run) unwinds like Ctrl-C: the bots are stopped and the throwaway PostgreSQL removed
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    if args.processes > 1 and args.database == "sqlite":
        parser.error("several processes need --database postgresql")
    latencies: list[float] = []
    lock = threading.Lock()
    errors: list[BaseException] = []
    with tempfile.TemporaryDirectory() as tmp, FakeBotAPI(token=TOKEN, long_poll_cap=0.5) as api, bench_database(args.database) as url:
        api.webhook_connections = args.connections
        bots = start_bots(api, Path(tmp), args.processes, url, args.webhook or args.processes > 1)
        pids = [b.proc.pid for b in bots if b.proc is not None]
        try:
            pg_start = postgres_cpu()
            clerks = [SimClerk(api, 10_000 + i, latencies, lock, tuple(args.think)) for i in range(args.clerks)]

            begin = time.monotonic()
            starts = random.Random(0)

            def run(c: SimClerk, at: float) -> None:
                try:
                    c.run(at)
                except BaseException as exc:
                    errors.append(exc)

            threads = [threading.Thread(target=run, args=(c, begin + starts.uniform(0, args.ramp))) for c in clerks]
            main_start = sum(cpu_seconds(p) for p in pids)
            cpu_start = main_start + sum(cpu_seconds(w) for p in pids for w in children(p))
            own_start = time.process_time()
            start = time.monotonic()
            for t in threads:
                t.start()
            for t in threads:
                t.join(600)
            elapsed = time.monotonic() - start
            workers = {p: children(p) for p in pids}
            rss = sum(peak_rss_mb(p) + sum(peak_rss_mb(w) for w in workers[p]) for p in pids)
            main_cpu = sum(cpu_seconds(p) for p in pids) - main_start
            bot_cpu = main_cpu + sum(cpu_seconds(w) for p in pids for w in workers[p]) - (cpu_start - main_start)
            own_cpu = time.process_time() - own_start
            pg_cpu = postgres_cpu() - pg_start if args.database == "postgresql" else 0.0
        finally:
            for bot in bots:
                bot.stop()
            logged = [bot.log.read_text(errors="replace").splitlines() for bot in bots]
            problems = [ln for lines in logged for ln in lines if " ERROR " in ln or "Traceback" in ln]
            first = next(([*lines[i:i + 60]] for lines in logged for i, ln in enumerate(lines) if " ERROR " in ln), [])
    updates = len(latencies)
    # the steady state: every clerk has started and none has finished (ramp-up and tail left out)
    first_done = min((c.answered[-1] for c in clerks if c.answered), default=0.0)
    all_started = max((getattr(c, "started", 0.0) for c in clerks), default=0.0)
    window = first_done - all_started
    steady = sum(all_started <= t <= first_done for c in clerks for t in c.answered)
    ms = sorted(x * 1000 for x in latencies)
    p99 = percentile(ms)
    print(f"database, processes   {args.database}, {len(bots)} bot process(es){' (webhook)' if args.webhook or args.processes > 1 else ''}")
    print(f"clerks at once        {args.clerks}")
    print(f"updates handled       {updates} in {elapsed:.1f} s ({len(errors)} clerks failed)")
    print(f"updates per second    {updates / elapsed:.1f} over the whole run (ramp-up and tail included)")
    if window > 0:
        print(f"steady updates/s      {steady / window:.1f} while all {args.clerks} clerks were at work ({window:.1f} s)   (target ≥ 100)")
    print(f"latency p50           {statistics.median(ms):.0f} ms")
    print(f"latency p99           {p99:.0f} ms   (target ≤ 200)")
    split = [x for c in clerks for x in c.split]
    if split:
        waits, own = sorted(w * 1000 for w, _ in split), sorted(b * 1000 for _, b in split)
        print(f"  typed messages      waiting for a webhook connection p50 {statistics.median(waits):.0f} ms, p99 {percentile(waits):.0f} ms;"
              f" the bot's POST to its first reply p50 {statistics.median(own):.0f} ms, p99 {percentile(own):.0f} ms")
    print(f"bot peak memory       {rss:.0f} MB (VmHWM, bot processes and interview workers together)")
    print(f"CPU: bot {bot_cpu / elapsed:.0%} of a core (with its workers), fake API + simulated clerks {own_cpu / elapsed:.0%}")
    per_input = (f"CPU per input         bot {bot_cpu / max(updates, 1) * 1000:.1f} ms"
                 f" (Telegram side {main_cpu / max(updates, 1) * 1000:.1f}, interview workers {(bot_cpu - main_cpu) / max(updates, 1) * 1000:.1f})")
    if pg_cpu:
        per_input += f", PostgreSQL {pg_cpu / max(updates, 1) * 1000:.1f} ms (all its processes)"
    print(per_input)
    if args.trace:
        rows = sorted((s - begin, a - begin, c.user_id) for c in clerks for s, a in c.trace)
        args.trace.write_text("sent,answered,clerk\n" + "".join(f"{s:.4f},{a:.4f},{u}\n" for s, a, u in rows))
    if errors:
        print(f"first failure: {errors[0]!r}")
    if problems:
        print(f"bot errors logged: {len(problems)}; the first with what follows it:")
        print("\n".join(first))


if __name__ == "__main__":
    main()
