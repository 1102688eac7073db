"""The render workers' LibreOffice ends with the product however it ends (issue 26: after `nianbao web`
stopped, warm `oosplash` and `soffice.bin` kept running with parent 1). A child process stands for the
product: it asks for a preview, and is stopped by `close()` or killed with SIGKILL while LibreOffice runs."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from bot.render.pdf import find_soffice

ROOT = Path(__file__).resolve().parent.parent
pytestmark = pytest.mark.skipif(find_soffice() is None, reason="LibreOffice (soffice) is not installed")

PRODUCT = """
import asyncio, sys
from bot.channels.web.pagejobs import PageMaker
from bot.interview.types import PageJob
from bot.channels.wiring import docx_bytes
from bot.render.preview import sample_report

async def main():
    maker = PageMaker(1)
    task = asyncio.ensure_future(maker.make("clerk", PageJob(docx_bytes(sample_report()), "样例.docx", True)))
    print("asked", flush=True)
    if sys.argv[1] == "close":
        await asyncio.to_thread(sys.stdin.readline)  # the test says when: once LibreOffice runs
        maker.close()
        print("closed", flush=True)
        await asyncio.sleep(30)
    else:
        await task

asyncio.run(main())
"""


def offices_of(pid: int) -> list[int]:
    """LibreOffice processes whose pipe names a worker of `pid`'s (the pipe is nianbao-<worker pid>-…)."""
    workers = {p for p in _children(pid)}
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            cmdline = (entry / "cmdline").read_bytes().decode(errors="replace")
        except OSError:
            continue
        office = "soffice" in cmdline or "oosplash" in cmdline
        if office and (any(f"nianbao-{w}-" in cmdline for w in workers) or f"nianbao-{pid}-" in cmdline):
            found.append(int(entry.name))
    return found


def _children(pid: int) -> set[int]:
    out = set()
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == pid:
                out.add(int(entry.name))
    return out


def _cmdline(pid: int) -> bytes:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return b""


def start(*args: str) -> subprocess.Popen[str]:
    return subprocess.Popen([sys.executable, "-c", PRODUCT, *args], cwd=ROOT, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
                            env={**os.environ, "PYTHONPATH": str(ROOT)})


def wait_for_office(product: subprocess.Popen[str]) -> tuple[set[int], list[int]]:
    """The product's render workers and their LibreOffice, once it runs (60 s at most)."""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        workers = {w for w in _children(product.pid) if b"spawn_main" in _cmdline(w)}  # not the resource tracker
        offices = [o for w in workers for o in offices_of(w)]
        if offices:
            return workers, offices
        assert product.poll() is None, "the product ended before LibreOffice started"
        time.sleep(0.2)
    raise AssertionError("LibreOffice never started")


def gone(pids: list[int], seconds: float = 30) -> list[int]:
    deadline = time.monotonic() + seconds
    alive = pids
    while alive and time.monotonic() < deadline:
        alive = [p for p in pids if Path(f"/proc/{p}").exists() and "Z" not in (Path(f"/proc/{p}/stat").read_text().rsplit(")", 1)[1].split()[0])]
        time.sleep(0.2)
    return alive


def test_killed_with_sigkill_the_product_leaves_no_libreoffice():
    product = start("wait")
    try:
        _, offices = wait_for_office(product)
        product.send_signal(signal.SIGKILL)
        product.wait(10)
        assert gone(offices) == []
    finally:
        if product.poll() is None:
            product.kill()


def test_closing_ends_the_render_workers_and_their_libreoffice_at_once():
    product = start("close")
    try:
        workers, offices = wait_for_office(product)
        assert product.stdout is not None and product.stdin is not None
        assert product.stdout.readline().strip() == "asked"
        product.stdin.write("close\n")
        product.stdin.flush()
        assert product.stdout.readline().strip() == "closed"
        assert gone(offices + sorted(workers)) == []
        assert product.poll() is None  # the product itself goes on (it was not waiting for the render)
    finally:
        product.kill()
        product.wait(10)
