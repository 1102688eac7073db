"""Page pictures and PDFs for the web page, made off the interactive path (issue 26).

- In worker processes at low priority (bot/channels/workers.render_worker), never in the web process.
- At most one LibreOffice job per core: the pool has one process per core, two at most.
- Identical documents are made once: the result is kept by the .docx's content (and whether pictures or
  the PDF were asked for), and a second request while the first is being made waits for the same job.
- A person's newer request supersedes their older one still waiting in the queue: the older is never
  started, and its message is answered at once ("已有更新的预览请求").
- `close()` ends the pool without waiting for what is queued; a worker that ends (or whose product ends,
  however) stops its LibreOffice (bot/render/warm.py).
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import io
import logging
import multiprocessing
import os
import zipfile
from collections import OrderedDict
from collections.abc import Callable
from concurrent.futures import Executor, Future, ProcessPoolExecutor

from bot.channels.workers import render_worker
from bot.interview.pagework import finish
from bot.interview.types import PageJob, Reply

log = logging.getLogger(__name__)
PROCESSES = max(1, min(2, os.cpu_count() or 1))  # bot/render/pages.py runs at most two LibreOffice anyway
KEPT = 32  # results kept by content (a preview's pictures are about 1 MB)
SUPERSEDED = "已有更新的预览请求，本次请求已跳过。"
FAILED = "抱歉，生成预览时出错了，请稍后再试。"


class PageMaker:
    def __init__(self, processes: int = PROCESSES, *, executor: Executor | None = None,
                 work: Callable[[PageJob], list[Reply]] = finish):
        """`executor` and `work`: for tests (the render worker processes and `pagework.finish` otherwise)."""
        self.processes = processes
        self._executor: Executor | None = executor
        self.work = work
        self.kept: OrderedDict[Key, list[Reply]] = OrderedDict()
        self.running: dict[Key, asyncio.Task[list[Reply]]] = {}
        self.queued: dict[Key, Future[list[Reply]]] = {}
        self.latest: dict[str, Key] = {}  # person → the key of their newest request
        self.made = 0  # jobs run to the end in a worker (the rest came from `kept`, or joined a job in flight)

    @property
    def executor(self) -> Executor:
        """Started on the first job; the workers end with the process that started them."""
        if self._executor is None:
            self._executor = ProcessPoolExecutor(self.processes, mp_context=multiprocessing.get_context("spawn"),
                                                 initializer=render_worker, initargs=(os.getpid(),))
        return self._executor

    async def make(self, owner: str, job: PageJob) -> list[Reply]:
        """The replies for `job` asked by `owner`: made, kept, joined to the same job in flight, or
        superseded by the owner's newer request before it started."""
        key = content_key(job)
        self._supersede(owner, key)
        self.latest[owner] = key
        if key in self.kept:
            self.kept.move_to_end(key)
            return self.kept[key]
        task = self.running.get(key)
        if task is None:
            queued = self.queued[key] = self.executor.submit(self.work, job)
            task = self.running[key] = asyncio.ensure_future(self._run(key, queued))
        return await asyncio.shield(task)

    async def _run(self, key: Key, queued: Future[list[Reply]]) -> list[Reply]:
        try:
            made = await asyncio.wrap_future(queued)
        except asyncio.CancelledError:  # superseded before it started, or the product is stopping
            return [Reply(text=SUPERSEDED)]
        except Exception:  # not a conversion that failed (finish says those): still end the page's wait
            log.exception("making the pages failed")
            return [Reply(text=FAILED)]
        finally:
            self.running.pop(key, None)
            self.queued.pop(key, None)
        self.made += 1
        self.kept[key] = made
        while len(self.kept) > KEPT:
            self.kept.popitem(last=False)
        return made

    def _supersede(self, owner: str, key: Key) -> None:
        """`owner` asks again: their older job, if it has not started and nobody else waits for the same
        document, is dropped from the queue."""
        old = self.latest.get(owner)
        if old is None or old == key or any(k == old for person, k in self.latest.items() if person != owner):
            return
        queued = self.queued.get(old)
        if queued is not None and queued.cancel():
            log.info("a preview superseded by a newer one before it started")

    def close(self) -> None:
        """End the workers now: what is queued is dropped, what runs is stopped with its LibreOffice."""
        executor, self._executor = self._executor, None
        if executor is None:
            return
        processes = list((getattr(executor, "_processes", None) or {}).values())
        executor.shutdown(wait=False, cancel_futures=True)
        for process in processes:
            with contextlib.suppress(Exception):
                process.terminate()  # render_worker's SIGTERM handler stops its LibreOffice first
        for process in processes:
            with contextlib.suppress(Exception):
                process.join(5)
                if process.is_alive():
                    process.kill()


Key = tuple[str, bool]
VOLATILE = ("docProps/core.xml", "docProps/app.xml")  # the time it was made: not what the pages show


def content_key(job: PageJob) -> Key:
    """What the pages depend on: every part of the .docx but its properties, and pictures or PDF."""
    digest = hashlib.sha256(job.filename.encode())
    try:
        with zipfile.ZipFile(io.BytesIO(job.docx)) as docx:
            for info in sorted(docx.infolist(), key=lambda i: i.filename):
                if info.filename not in VOLATILE:
                    digest.update(info.filename.encode() + b"\0" + docx.read(info) + b"\0")
    except (zipfile.BadZipFile, OSError, ValueError):
        digest.update(job.docx)
    return digest.hexdigest(), job.images
