"""Load benchmark of the web page: N clerks over HTTP on 127.0.0.1 against a real `nianbao web` process.

Each clerk joins by an invite link (setting a login name and password), then works as a person does:
reads the tables, taps 表二 全部为0, saves two rows of the 表三 grid, asks /status and /preview, opens the
menu, each message followed at once by the grid's conditional refresh as the page does (304 when nothing in
it changed) — waiting for each answer and then 1 to 2.5 s (`--think`) before the next action. Clerks start at
random moments within `--ramp` seconds. `--think 0 0 --ramp 0` measures the server saturated; every
clerk does a bounded number of rounds (`--rounds`). Joining (scrypt) is timed apart from the work.

Prints requests per second, p50/p99 latency of the work, and the server's peak memory.
Target (issue 15): 200 clerks with human pacing, p99 ≤ 200 ms, on the 2-core machine with SQLite.
Run: .venv/bin/python bench/web_load.py [--clerks 200] [--think 1 2.5] [--rounds 2]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import aiohttp

ROOT = Path(__file__).resolve().parent.parent
KINDS: dict[str, list[float]] = {}  # latencies by kind of action
sys.path.insert(0, str(ROOT))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def prepare(data_dir: Path, clerks: int) -> list[str]:
    """A county with one unit per clerk and a 填报人 invite each, written at the server as an operator would."""
    from bot.storage.repository import Repository

    repo = Repository(None, data_dir=data_dir)
    tokens = []
    with repo.transaction() as store:
        operator = store.user("terminal", "operator", "管理员")
        county = store.create_county("压测县", "某省", "某市", operator)
        for i in range(clerks):
            unit = store.create_unit(None, f"压测{i:03d}镇人民政府", county=county)
            tokens.append(store.create_invite(unit.id, operator, "clerk", days=7).token)
    repo.dispose()
    return tokens


class Clerk:
    def __init__(self, base: str, token: str, n: int, think: tuple[float, float], work: list[float], joins: list[float]):
        self.base, self.token, self.n, self.think = base, token, n, think
        self.work, self.joins = work, joins
        self.csrf = ""
        self.etag = ""
        self.messages: list[dict[str, Any]] = []

    async def timed(self, into: list[float], coro: Any, kind: str = "") -> Any:
        start = time.perf_counter()
        result = await coro
        into.append(time.perf_counter() - start)
        if kind:
            KINDS.setdefault(kind, []).append(into[-1])
        return result

    async def pause(self) -> None:
        if self.think[1] > 0:
            await asyncio.sleep(random.uniform(*self.think))

    async def join(self, http: aiohttp.ClientSession) -> None:
        page = await (await http.get(f"/join/{self.token}")).text()
        pre = re.search(r'name="csrf" value="([^"]+)"', page).group(1)  # type: ignore[union-attr]
        form = {"csrf": pre, "login": f"clerk{self.n:03d}", "password": "correct-horse-1", "password2": "correct-horse-1"}
        response = await self.timed(self.joins, http.post(f"/join/{self.token}", data=form, allow_redirects=False))
        assert response.status == 302, await response.text()
        home = await (await http.get("/")).text()
        self.csrf = re.search(r'data-csrf="([^"]+)"', home).group(1)  # type: ignore[union-attr]
        self.messages = (await (await http.get("/api/messages")).json())["messages"]

    async def run(self, http: aiohttp.ClientSession, rounds: int) -> None:
        headers = {"X-CSRF-Token": self.csrf}
        for r in range(rounds):
            await self.pause()
            await self.timed(self.work, self.get(http, "/api/grid"), "grid read")
            button = self.button("全部为0") if r == 0 else None
            if button:
                await self.pause()
                await self.timed(self.work, self.post(http, "/api/send", {"kind": "button", "text": button, "label": "全部为0"}, headers), "button")
            for rows in ({"NEW": [1 + r, 0, 0, 0, 0, 0]}, {"OPEN": [1 + r, 0, 0, 0, 0, 0]}):
                await self.pause()
                await self.timed(self.work, self.post(http, "/api/grid/table3", {"rows": rows}, headers), "grid save")
            for text in ("/status", "/preview", "/menu"):
                await self.pause()
                await self.timed(self.work, self.post(http, "/api/send", {"kind": "text", "text": text}, headers), text)
                await self.timed(self.work, self.get(http, "/api/grid"), "grid refresh")  # the page does this after each send

    def button(self, label: str) -> str | None:
        return next((b["data"] for m in reversed(self.messages) for line in m.get("buttons") or [] for b in line if b["label"] == label), None)

    async def get(self, http: aiohttp.ClientSession, path: str) -> None:
        """The grid, as the page reads it: conditionally (304 when nothing in it changed)."""
        async with http.get(path, headers={"If-None-Match": self.etag} if self.etag else {}) as response:
            assert response.status in (200, 304), response.status
            self.etag = response.headers.get("ETag", "")
            await response.read()

    async def post(self, http: aiohttp.ClientSession, path: str, body: Any, headers: dict[str, str]) -> None:
        async with http.post(path, json=body, headers=headers) as response:
            assert response.status == 200, (path, response.status, await response.text())
            data = await response.json()
            self.messages += data.get("messages", [])


def peak_rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return 0.0


async def drive(base: str, tokens: list[str], think: tuple[float, float], ramp: float, rounds: int) -> tuple[list[float], list[float], float]:
    """Everyone joins first (four at a time: people join over days, not in one second), then works."""
    work: list[float] = []
    joins: list[float] = []
    clerks = [Clerk(base, token, i, think, work, joins) for i, token in enumerate(tokens)]
    sessions = [aiohttp.ClientSession(base, cookie_jar=aiohttp.CookieJar(unsafe=True)) for _ in clerks]
    gate = asyncio.Semaphore(4)

    async def join(clerk: Clerk, http: aiohttp.ClientSession) -> None:
        async with gate:
            await clerk.join(http)

    async def work_of(clerk: Clerk, http: aiohttp.ClientSession) -> None:
        await asyncio.sleep(random.uniform(0, ramp) if ramp else 0)
        await clerk.run(http, rounds)

    try:
        await asyncio.gather(*(join(c, h) for c, h in zip(clerks, sessions, strict=True)))
        start = time.perf_counter()
        await asyncio.gather(*(work_of(c, h) for c, h in zip(clerks, sessions, strict=True)))
        return work, joins, time.perf_counter() - start
    finally:
        for http in sessions:
            await http.close()


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(p * len(ordered)))] * 1000


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clerks", type=int, default=200)
    parser.add_argument("--think", type=float, nargs=2, default=(1.0, 2.5), metavar=("MIN", "MAX"))
    parser.add_argument("--ramp", type=float, default=10.0)
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp)
        tokens = prepare(data, args.clerks)
        port = free_port()
        env = dict(os.environ, NIANBAO_DATA_DIR=str(data), NIANBAO_WEB_PORT=str(port), NIANBAO_CLOCK="2026-11-23T09:00:00+08:00")
        server = subprocess.Popen([sys.executable, "-m", "bot", "web"], cwd=tmp, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        try:
            assert server.stdout is not None
            server.stdout.readline()  # the address: it is listening
            work, joins, elapsed = asyncio.run(drive(f"http://127.0.0.1:{port}", tokens, tuple(args.think), args.ramp, args.rounds))
            rss = peak_rss_mb(server.pid)
        finally:
            server.terminate()
            server.wait(10)
    requests = len(work)
    print(f"{args.clerks} clerks, think {args.think[0]}–{args.think[1]} s, ramp {args.ramp} s, {args.rounds} rounds: "
          f"{requests} work requests in {elapsed:.1f} s = {requests / elapsed:.0f} requests/s")
    print(f"work p50 {pct(work, 0.5):.0f} ms, p99 {pct(work, 0.99):.0f} ms, max {max(work) * 1000:.0f} ms (n={len(work)}); "
          f"join (scrypt) p50 {pct(joins, 0.5):.0f} ms, p99 {pct(joins, 0.99):.0f} ms; median {statistics.median(work) * 1000:.0f} ms")
    print(f"server peak RSS {rss:.0f} MB")
    print("by action: " + ", ".join(f"{k} p50 {pct(v, 0.5):.0f}/p99 {pct(v, 0.99):.0f} ms" for k, v in KINDS.items()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
