"""No process outlives what started it: a SIGKILLed bot takes its interview workers (and with them
multiprocessing's resource tracker) along."""

from __future__ import annotations

import json
import os
import time
import urllib.request
from pathlib import Path

import pytest
from fakebotapi import FakeBotAPI
from tgharness import BotProcess, TgClerk

pytestmark = pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="needs Linux /proc")


def children(pid: int) -> set[int]:
    """Live descendants of `pid`, read from /proc (zombies excluded)."""
    parents: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
        except OSError:
            continue
        fields = stat.rsplit(")", 1)[1].split()
        if fields[0] != "Z":
            parents[int(entry)] = int(fields[1])
    found: set[int] = set()
    frontier = {pid}
    while frontier:
        frontier = {child for child, parent in parents.items() if parent in frontier} - found
        found |= frontier
    return found


def alive(pids: set[int]) -> set[int]:
    live = set()
    for pid in pids:
        try:
            if Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z":
                live.add(pid)
        except OSError:
            pass
    return live


def healthy(port: int) -> bool:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as response:
            return bool(json.load(response)["ok"])
    except OSError:
        return False


def test_run_serves_telegram_and_the_web_page_and_a_killed_bot_takes_both_along(tmp_path):
    with FakeBotAPI(token="123:ABC") as api:
        bot = BotProcess(api, tmp_path).start()
        try:
            TgClerk(api, 901).say("/help")  # the first input starts the interview worker
            port = int(bot.env["NIANBAO_WEB_PORT"])
            for _ in range(100):  # bounded: 10 s for the web page to come up
                if healthy(port):
                    break
                time.sleep(0.1)
            assert healthy(port), "nianbao run serves the web page beside Telegram"
            assert bot.proc is not None
            workers = children(bot.proc.pid)
            assert len(workers) >= 2, "the interview worker and the web page run in child processes"
            bot.kill()
            for _ in range(100):  # bounded: 10 s at most
                if not alive(workers):
                    break
                time.sleep(0.1)
            assert not alive(workers), f"left behind after SIGKILL: {alive(workers)}"
        finally:
            bot.stop()
