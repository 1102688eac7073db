"""Running a reader in a child process bounded in memory, CPU time and wall time (the parent's side).

A hostile file (a zip bomb, a page of 10^6 elements, a PDF stream inflating to gigabytes) can then
exhaust only the child: the server process holds the file's bytes and the child's answer, a JSON
object {"ok": true, ...} or {"ok": false, "reason": "<one line in Chinese>"}, nothing more.
"""

from __future__ import annotations

import atexit
import contextlib
import json
import os
import resource
import subprocess
import threading
from typing import Any

from bot.importer.source import UnreadableError

MEMORY_BYTES = 500 * 1024 * 1024
CPU_SECONDS = 10
NICE = 10  # readers yield the processor to the server's own work (answers of other clerks)
# At most one reader per processor at a time in this process: eight uploads at once on two cores would
# otherwise share them and each run into its time limit; queued, each gets its 10 s.
SLOTS = threading.BoundedSemaphore(os.cpu_count() or 2)


def limit(memory: int = MEMORY_BYTES, cpu: int = CPU_SECONDS) -> None:
    """In the child: cap its address space and CPU time (never above a limit it already has), lower its priority."""
    os.nice(NICE)
    for what, amount in ((resource.RLIMIT_AS, memory), (resource.RLIMIT_CPU, cpu)):
        soft, hard = resource.getrlimit(what)
        cap = amount if hard == resource.RLIM_INFINITY else min(amount, hard)
        resource.setrlimit(what, (cap, hard))


# A child started ahead for each reader command, waiting on its stdin with its imports done (150 ms of
# the 190 ms a cold child takes here): a read uses it, and the next one starts at once. Each child still
# reads one file and ends; an idle one ends when this process does (its stdin closes).
_spares: dict[tuple[str, ...], tuple[int, subprocess.Popen[bytes]]] = {}  # command → (environment, child)
_spares_lock = threading.Lock()


def _start(command: list[str]) -> subprocess.Popen[bytes]:
    return subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)


def _ready_child(command: list[str]) -> subprocess.Popen[bytes]:
    """The spare child of `command` if it is still waiting and was started in the environment of now (PATH
    decides whether LibreOffice is found), else a new one; a new spare either way."""
    key, environment = tuple(command), hash(frozenset(os.environ.items()))
    with _spares_lock:
        kept = _spares.pop(key, None)
        _spares[key] = (environment, _start(command))
    if kept is not None and kept[0] == environment and kept[1].poll() is None:
        return kept[1]
    if kept is not None:
        _discard(kept[1])
    return _start(command)


def _discard(spare: subprocess.Popen[bytes]) -> None:
    with contextlib.suppress(OSError, subprocess.TimeoutExpired):
        if spare.stdin is not None:
            spare.stdin.close()
        spare.kill()
        spare.wait(1)


@atexit.register
def _end_spares() -> None:
    with _spares_lock:
        spares = [spare for _, spare in _spares.values()]
        _spares.clear()
    for spare in spares:
        _discard(spare)


def run(command: list[str], data: bytes, timeout: float, what: str = "文件", warm: bool = False) -> dict[str, Any]:
    """The child's answer for `data` given on its stdin; UnreadableError (one Chinese line) when it fails.
    `warm`: use a child started ahead (a command that names no file: the same for every read)."""
    try:
        with SLOTS:
            process = _ready_child(command) if warm else _start(command)
            try:
                stdout, _ = process.communicate(data, timeout=timeout)
            except subprocess.TimeoutExpired:
                process.kill()
                process.communicate()
                raise
    except subprocess.TimeoutExpired:
        raise UnreadableError(f"{what}处理超时（超过{timeout:g}秒），可能是异常文件，未读取。") from None
    except OSError as exc:
        raise UnreadableError(f"无法启动{what}读取程序：{exc.strerror or exc}") from None
    try:
        out = json.loads(stdout.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        raise UnreadableError(f"{what}处理时超出资源限制（内存或时间），可能是异常文件，未读取。") from None
    if not isinstance(out, dict) or not out.get("ok"):
        reason = out.get("reason") if isinstance(out, dict) else None
        raise UnreadableError(str(reason or f"{what}无法读取。"))
    return out
