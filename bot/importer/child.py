"""Running a reader in a child process bounded in memory, CPU time and wall time (the parent's side).

A hostile file (a zip bomb, a page of 10^6 elements, a PDF stream inflating to gigabytes) can then
exhaust only the child: the server process holds the file's bytes and the child's answer, a JSON
object {"ok": true, ...} or {"ok": false, "reason": "<one line in Chinese>"}, nothing more.
"""

from __future__ import annotations

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


def run(command: list[str], data: bytes, timeout: float, what: str = "文件") -> dict[str, Any]:
    """The child's answer for `data` given on its stdin; UnreadableError (one Chinese line) when it fails."""
    try:
        with SLOTS:
            done = subprocess.run(command, input=data, capture_output=True, timeout=timeout, check=False)
    except subprocess.TimeoutExpired:
        raise UnreadableError(f"{what}处理超时（超过{timeout:g}秒），可能是异常文件，未读取。") from None
    except OSError as exc:
        raise UnreadableError(f"无法启动{what}读取程序：{exc.strerror or exc}") from None
    try:
        out = json.loads(done.stdout.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        raise UnreadableError(f"{what}处理时超出资源限制（内存或时间），可能是异常文件，未读取。") from None
    if not isinstance(out, dict) or not out.get("ok"):
        reason = out.get("reason") if isinstance(out, dict) else None
        raise UnreadableError(str(reason or f"{what}无法读取。"))
    return out
