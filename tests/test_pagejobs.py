"""The web page's page maker (bot/channels/web/pagejobs.py): identical documents made once, a person's
newer request superseding their older one still queued, closing without waiting. The work runs in a
thread pool here; tests/test_pagejobs_office.py runs the real workers with LibreOffice."""

from __future__ import annotations

import asyncio
import io
import threading
import zipfile
from concurrent.futures import ThreadPoolExecutor

from bot.channels.web.pagejobs import SUPERSEDED, PageMaker, content_key
from bot.interview.types import PageJob, Reply


def docx(body: str, made_at: str) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        z.writestr("word/document.xml", f"<w:document>{body}</w:document>")
        z.writestr("docProps/core.xml", f"<cp:coreProperties><dcterms:created>{made_at}</dcterms:created></cp:coreProperties>")
    return out.getvalue()


def job(body: str, made_at: str = "2027-01-20T09:00:00Z", images: bool = True) -> PageJob:
    return PageJob(docx(body, made_at), "报告（草稿）.docx", images)


class Work:
    """Records what it was asked to make; the first job waits for `release` (a LibreOffice that is busy)."""

    def __init__(self) -> None:
        self.made: list[bytes] = []
        self.release = threading.Event()
        self.started = threading.Event()

    def __call__(self, job: PageJob) -> list[Reply]:
        self.started.set()
        self.release.wait(10)
        self.made.append(job.docx)
        return [Reply(text=f"预览：{len(self.made)}")]


def test_the_key_is_what_the_pages_show_not_when_the_document_was_made():
    assert content_key(job("表一", "2027-01-20T09:00:00Z")) == content_key(job("表一", "2027-01-20T09:00:07Z"))
    assert content_key(job("表一")) != content_key(job("表二"))
    assert content_key(job("表一", images=True)) != content_key(job("表一", images=False))
    assert content_key(PageJob(b"not a zip", "x.docx", True)) != content_key(PageJob(b"not a zip either", "x.docx", True))


def test_identical_documents_are_made_once_also_while_in_flight():
    work = Work()
    maker = PageMaker(executor=ThreadPoolExecutor(1), work=work)

    async def go() -> list[list[Reply]]:
        first = asyncio.ensure_future(maker.make("clerk-a", job("表一", "t1")))
        await asyncio.to_thread(work.started.wait, 5)
        second = asyncio.ensure_future(maker.make("clerk-b", job("表一", "t2")))  # joins the job in flight
        work.release.set()
        made = [await first, await second]
        made.append(await maker.make("clerk-a", job("表一", "t3")))  # kept
        return made

    a, b, c = asyncio.run(go())
    assert len(work.made) == 1 and maker.made == 1
    assert a[0].text == b[0].text == c[0].text == "预览：1"


def test_a_newer_request_supersedes_the_older_one_still_queued():
    work = Work()
    maker = PageMaker(executor=ThreadPoolExecutor(1), work=work)

    async def go() -> tuple[list[Reply], list[Reply], list[Reply]]:
        busy = asyncio.ensure_future(maker.make("clerk-b", job("别人的报告")))  # occupies the one worker
        await asyncio.to_thread(work.started.wait, 5)
        older = asyncio.ensure_future(maker.make("clerk-a", job("第一稿")))
        await asyncio.sleep(0)
        newer = asyncio.ensure_future(maker.make("clerk-a", job("第二稿")))
        await asyncio.sleep(0)
        work.release.set()
        return await busy, await older, await newer

    busy, older, newer = asyncio.run(go())
    assert older == [Reply(text=SUPERSEDED)]
    assert [r.text for r in busy + newer] == ["预览：1", "预览：2"]
    assert len(work.made) == 2 and b"\xe7\xac\xac\xe4\xb8\x80" not in b"".join(work.made)  # 第一稿 was never made


def test_the_same_document_asked_by_another_person_is_not_dropped():
    work = Work()
    maker = PageMaker(executor=ThreadPoolExecutor(1), work=work)

    async def go() -> tuple[list[Reply], list[Reply], list[Reply]]:
        busy = asyncio.ensure_future(maker.make("clerk-c", job("忙")))
        await asyncio.to_thread(work.started.wait, 5)
        shared_a = asyncio.ensure_future(maker.make("clerk-a", job("同一份")))
        shared_b = asyncio.ensure_future(maker.make("clerk-b", job("同一份")))
        await asyncio.sleep(0)
        await asyncio.sleep(0)
        newer_a = asyncio.ensure_future(maker.make("clerk-a", job("另一份")))
        work.release.set()
        await busy
        return await shared_a, await shared_b, await newer_a

    shared_a, shared_b, newer_a = asyncio.run(go())
    assert shared_a == shared_b and shared_a[0].text.startswith("预览")  # clerk-b still waits for it: it is made
    assert newer_a[0].text.startswith("预览") and len(work.made) == 3


def test_closing_drops_what_is_queued_at_once():
    work = Work()
    maker = PageMaker(executor=ThreadPoolExecutor(1), work=work)

    async def go() -> list[Reply]:
        asyncio.ensure_future(maker.make("clerk-a", job("一")))
        await asyncio.to_thread(work.started.wait, 5)
        queued = asyncio.ensure_future(maker.make("clerk-b", job("二")))
        await asyncio.sleep(0)
        maker.close()
        work.release.set()
        return await queued

    assert asyncio.run(go()) == [Reply(text=SUPERSEDED)]
    assert len(work.made) == 1
