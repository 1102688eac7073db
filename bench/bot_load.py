"""Load benchmark: N simulated clerks talk to the real bot process through the fake Bot API on 127.0.0.1.

Each clerk onboards and fills tables 二, 三 and 四 (16 actions: messages and button taps), waiting for
the bot's answer and then 1 to 2.5 seconds (reading, typing) before the next action, as a person does.
The clerks start at random moments within the first 10 seconds (`--ramp`). `--think 0 0 --ramp 0`
removes the pauses and measures the bot saturated. Prints updates per second, p50/p99
handling latency (update queued → first reply to that chat) and the bot process's peak memory.

Target (issue 4): 200 clerks at once, ≥ 100 updates/s, p99 ≤ 200 ms, on the 2-core machine with SQLite.
Run: .venv/bin/python bench/bot_load.py [--clerks 200]
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

from fakebotapi import FakeBotAPI  # noqa: E402
from tgharness import TOKEN, BotProcess  # noqa: E402


class SimClerk:
    def __init__(self, api: FakeBotAPI, user_id: int, latencies: list[float], lock: threading.Lock, think: tuple[float, float] = (1.0, 2.5)):
        self.api = api
        self.user_id = user_id
        self.latencies = latencies
        self.lock = lock
        self.seen = 0
        self.think = think
        self.rng = random.Random(user_id)

    def pause(self) -> None:
        """A person reads the answer and types the next one."""
        time.sleep(self.rng.uniform(*self.think))

    def _await_reply(self, start: float, timeout: float = 60.0) -> None:
        """Record the time to the first reply; return once the answer is complete (chat quiet 250 ms)."""
        count = self.api.wait_message_count(self.user_id, self.seen + 1, timeout)
        if count <= self.seen:
            raise TimeoutError(f"clerk {self.user_id} got no answer")
        with self.lock:
            self.latencies.append(time.monotonic() - start)
        while True:
            more = self.api.wait_message_count(self.user_id, count + 1, 0.25)
            if more == count:
                self.seen = count
                return
            count = more

    def say(self, text: str) -> None:
        self.pause()
        start = time.monotonic()
        self.api.send_text(self.user_id, text)
        self._await_reply(start)

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
        self.say("/start")
        self.say(f"测试{self.user_id}镇人民政府")
        self.tap("乡镇（街道）")
        self.say("山西省 晋城市 阳城县")
        self.tap("2026年度")
        self.tap("全国通用")
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
    args = parser.parse_args()
    latencies: list[float] = []
    lock = threading.Lock()
    errors: list[BaseException] = []
    with tempfile.TemporaryDirectory() as tmp, FakeBotAPI(token=TOKEN, long_poll_cap=0.5) as api:
        bot = BotProcess(api, Path(tmp)).start()
        try:
            clerks = [SimClerk(api, 10_000 + i, latencies, lock, tuple(args.think)) for i in range(args.clerks)]

            begin = time.monotonic()
            starts = random.Random(0)

            def run(c: SimClerk, at: float) -> None:
                try:
                    c.run(at)
                except BaseException as exc:
                    errors.append(exc)

            threads = [threading.Thread(target=run, args=(c, begin + starts.uniform(0, args.ramp))) for c in clerks]
            assert bot.proc is not None
            cpu_start = cpu_seconds(bot.proc.pid) + sum(cpu_seconds(w) for w in children(bot.proc.pid))
            own_start = time.process_time()
            start = time.monotonic()
            for t in threads:
                t.start()
            for t in threads:
                t.join(600)
            elapsed = time.monotonic() - start
            assert bot.proc is not None
            workers = children(bot.proc.pid)
            rss = peak_rss_mb(bot.proc.pid) + sum(peak_rss_mb(w) for w in workers)
            bot_cpu = cpu_seconds(bot.proc.pid) + sum(cpu_seconds(w) for w in workers) - cpu_start
            own_cpu = time.process_time() - own_start
        finally:
            bot.stop()
            log = bot.log.read_text(errors="replace")
            problems = [ln for ln in log.splitlines() if " ERROR " in ln or "Traceback" in ln]
    updates = len(latencies)
    ms = sorted(x * 1000 for x in latencies)
    p99 = ms[min(len(ms) - 1, int(len(ms) * 0.99))] if ms else float("nan")
    print(f"clerks at once        {args.clerks}")
    print(f"updates handled       {updates} in {elapsed:.1f} s ({len(errors)} clerks failed)")
    print(f"updates per second    {updates / elapsed:.1f}   (target ≥ 100)")
    print(f"latency p50           {statistics.median(ms):.0f} ms")
    print(f"latency p99           {p99:.0f} ms   (target ≤ 200)")
    print(f"bot peak memory       {rss:.0f} MB (VmHWM, bot process and interview worker together)")
    print(f"CPU: bot {bot_cpu / elapsed:.0%} of a core (with its worker), fake API + simulated clerks {own_cpu / elapsed:.0%}")
    if errors:
        print(f"first failure: {errors[0]!r}")
    if problems:
        print(f"bot errors logged: {len(problems)}; first: {problems[0]}")


if __name__ == "__main__":
    main()
