"""The interview in worker processes, so that its CPU does not share one GIL with the channel's event
loop (PTB's, or the web server's).

Measured with bench/bot_load.py on the 2-core machine: in one process the bot saturated one core at
under 90 updates a second; with the interview in a worker process the event loop and the interview
each get a core. One worker by default (NIANBAO_WORKERS): SQLite has one writer at a time anyway.
The web page uses the same pool (issue 26): its server parses requests, reads sessions and answers the
grids, while the interview (and the .docx it renders for a preview) runs beside it.
"""

from __future__ import annotations

import asyncio
import contextlib
import ctypes
import ctypes.util
import gc
import multiprocessing
import os
import signal
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Any

from bot.channels.wiring import build_service
from bot.core.config import Config
from bot.core.logredact import configure_logging
from bot.interview.types import Input, Outcome, Reply

_service = None
PR_SET_PDEATHSIG = 1


def die_with_parent(parent: int, how: signal.Signals = signal.SIGKILL) -> None:
    """Ask Linux to end this process (a worker, the web page) when the bot process ends, however it ends (SIGKILL included), so a
    killed bot never leaves its workers (and with them multiprocessing's resource tracker) behind. `how`: the
    signal this process gets then (SIGTERM for one that must clean up first)."""
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, how)
    except (OSError, AttributeError):  # not Linux: the pool's own shutdown still ends the workers
        return
    if os.getppid() != parent:  # the parent died before prctl took effect
        os._exit(1)


def _init(config: Config, invite_base: str, parent: int) -> None:
    die_with_parent(parent)
    configure_logging([config.token])  # a worker's own log lines, redacted like the bot's
    global _service
    _service = build_service(config, invite_link=lambda token: invite_base + token)
    gc.freeze()  # see bot/channels/telegram/channel.py: what start-up made is never garbage, so never scanned


def _ready() -> bool:
    return _service is not None


def _call(fn: Callable[..., Any], args: tuple[Any, ...]) -> Any:
    assert _service is not None
    return fn(_service, *args)


def _handle(channel: str, external_id: str, inp: Input, display_name: str, chat_id: str) -> Outcome:
    assert _service is not None
    return _service.handle(channel, external_id, inp, display_name, chat_id)


class WorkerPool:
    def __init__(self, config: Config, invite_base: str, processes: int = 1):
        """`invite_base`: an invitation's link is this followed by its token (the channel's own form:
        `https://t.me/<bot>?start=` or the web page's `…/join/`)."""
        self.args = (config, invite_base, os.getpid())
        self.processes = processes
        self.pool = self._new_pool()

    def _new_pool(self) -> ProcessPoolExecutor:
        return ProcessPoolExecutor(
            max_workers=self.processes,
            mp_context=multiprocessing.get_context("spawn"),
            initializer=_init,
            initargs=self.args,
        )

    async def warm(self) -> None:
        """Start every worker now and wait until each has built its service (imports, the format, a
        database connection: seconds of CPU), so that the first people to write are not kept waiting
        for it. Called before the bot takes updates."""
        loop = asyncio.get_running_loop()
        await asyncio.gather(*(loop.run_in_executor(self.pool, _ready) for _ in range(self.processes)))

    async def handle(self, channel: str, external_id: str, inp: Input, display_name: str, chat_id: str) -> Outcome:
        loop = asyncio.get_running_loop()
        try:
            return await loop.run_in_executor(self.pool, _handle, channel, external_id, inp, display_name, chat_id)
        except BrokenProcessPool:
            # The worker died mid-input (its transaction was rolled back): start a new one and say so.
            self.pool = self._new_pool()
            return Outcome(replies=[Reply(text="抱歉，刚才这条消息没有处理成功，请再发一次。已保存的内容不受影响。")])

    async def call(self, fn: Callable[..., Any], *args: Any) -> Any:
        """`fn(service, *args)` in a worker (a module-level function: it is sent by name). RuntimeError when
        the worker died meanwhile (its transaction was rolled back); a new one is started."""
        loop = asyncio.get_running_loop()
        try:
            return await loop.run_in_executor(self.pool, _call, fn, args)
        except BrokenProcessPool as exc:
            self.pool = self._new_pool()
            raise RuntimeError("the worker process ended") from exc

    def shutdown(self) -> None:
        self.pool.shutdown(wait=True, cancel_futures=True)


def render_worker(parent: int) -> None:
    """A process that makes page pictures and PDFs for the web page: it ends with the product, and runs
    below the interview's priority (a clerk's answer never waits behind a render). Told to end (SIGTERM,
    also when the product ends however it ends), it kills its LibreOffice first: LibreOffice runs in a
    session of its own, so nothing else would."""
    signal.signal(signal.SIGTERM, _end_render_worker)
    die_with_parent(parent, signal.SIGTERM)
    with contextlib.suppress(OSError):
        os.nice(10)


def _end_render_worker(signum: int, frame: object) -> None:
    from bot.render.warm import kill_all

    kill_all()
    kill_descendants()  # a cold LibreOffice, pdftoppm: whatever this worker started
    os._exit(0)


def kill_descendants(root: int | None = None) -> None:
    """SIGKILL every process descended from `root` (this one), read from /proc (Linux; elsewhere nothing):
    LibreOffice runs in a session of its own, so no process-group signal reaches it."""
    parents: dict[int, list[int]] = {}
    for entry in os.scandir("/proc") if os.path.isdir("/proc") else ():
        if not entry.name.isdigit():
            continue
        try:
            with open(f"/proc/{entry.name}/stat", encoding="ascii", errors="replace") as stat:
                ppid = int(stat.read().rsplit(")", 1)[1].split()[1])
        except (OSError, ValueError, IndexError):
            continue
        parents.setdefault(ppid, []).append(int(entry.name))
    todo = list(parents.get(root or os.getpid(), []))
    while todo:
        pid = todo.pop()
        todo += parents.get(pid, [])
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.kill(pid, signal.SIGKILL)
