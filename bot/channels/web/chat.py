"""The chat as data: one person's input → the engine → messages the page shows (text, buttons, files).

Only translation happens here. A person's inputs run one at a time and in order (one lock each), in a
worker thread because database work blocks. The conversation's position lives in the database; the
messages of the page are kept in memory for the page's history (a restart shows the current question
again, as the chat does after `/start`).
"""

from __future__ import annotations

import asyncio
import logging
import secrets
from collections import OrderedDict, deque
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from bot.channels.web.pagejobs import PageMaker
from bot.channels.workers import WorkerPool
from bot.interview.service import Service
from bot.interview.types import IMAGE, Input, Outcome, PageJob

log = logging.getLogger(__name__)
CHANNEL = "web"
HISTORY = 200  # messages kept per person
THREADS = 8
DOCUMENTS = 2000  # documents kept for download, across everyone (oldest dropped first) …
DOCUMENT_BYTES = 256 * 1024 * 1024  # … and at most this much of them


@dataclass
class Person:
    external_id: str
    name: str
    messages: deque[dict[str, Any]] = field(default_factory=lambda: deque(maxlen=HISTORY))
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    counter: int = 0
    inbox_seen: int = 0  # the last of the login's notifications (reminders, review news) shown in its chat


class WebChat:
    def __init__(self, service: Service, pool: WorkerPool | None = None):
        """`pool`: the interview's worker processes (the product's); None runs it in this process's threads."""
        self.service = service
        self.pool = pool
        # Threads for the database work (blocking). Measured with bench/web_load.py: one thread is much
        # slower (commits wait on the disk while nothing else runs).
        self.executor = ThreadPoolExecutor(THREADS, thread_name_prefix="web-db")
        # Pages (LibreOffice, pdftoppm, and quantizing each page for its PNG) are made in worker processes at
        # low priority, never in this process: a /preview no longer takes the CPU the other clerks' answers
        # need (a profile under bench/web_load.py had 28 % of the server in rasterizing). bot/channels/web/pagejobs.py.
        self.page_maker = PageMaker()
        self.background: set[asyncio.Task[list[dict[str, Any]]]] = set()
        self.people: dict[str, Person] = {}
        self.documents: OrderedDict[str, tuple[str, str, bytes]] = OrderedDict()  # id → (owner, name, data)
        self.document_bytes = 0

    def person(self, external_id: str, name: str = "") -> Person:
        person = self.people.get(external_id)
        if person is None:
            person = self.people[external_id] = Person(external_id, name)
        return person

    def _keep_document(self, owner: str, name: str, data: bytes) -> str:
        doc_id = secrets.token_urlsafe(16)
        self.documents[doc_id] = (owner, name, data)
        self.document_bytes += len(data)
        while len(self.documents) > 1 and (len(self.documents) > DOCUMENTS or self.document_bytes > DOCUMENT_BYTES):
            self.document_bytes -= len(self.documents.popitem(last=False)[1][2])
        return doc_id

    def document(self, owner: str, doc_id: str) -> tuple[str, bytes] | None:
        """A document sent to this person; None for anyone else's (ids are not guessable either)."""
        kept = self.documents.get(doc_id)
        if kept is None or kept[0] != owner:
            return None
        return kept[1], kept[2]

    def record(self, person: Person, sender: str, text: str, **extra: Any) -> dict[str, Any]:
        person.counter += 1
        message = {"id": person.counter, "from": sender, "text": text, **extra}
        person.messages.append(message)
        return message

    def _shown(self, inp: Input, label: str) -> str:
        if inp.kind == "command":
            return f"/{inp.text}" + (f" {inp.args}" if inp.args and inp.text != "start" else "")
        if inp.kind == "file":
            return f"📎 {inp.filename}"
        if inp.kind == "button":
            return label
        return inp.text

    def translate(self, person: Person, outcome: Outcome, **marks: Any) -> list[dict[str, Any]]:
        out = []
        if outcome.ack and outcome.stale:
            out.append(self.record(person, "bot", outcome.ack, note=True))
        for reply in outcome.replies:
            files = [
                {"id": self._keep_document(person.external_id, a.filename, a.data), "name": a.filename, "size": len(a.data), "kind": a.kind}
                for a in reply.attachments()
            ]
            docs = [f for f in files if f["kind"] != IMAGE]
            buttons = [[{"label": b.label, "data": b.data} for b in row] for row in reply.buttons]
            # `doc`: the first document (the page's download link); `files`: all, pictures shown inline
            extra = marks | ({"waiting": True} if reply.later is not None else {})
            out.append(self.record(person, "bot", reply.text, buttons=buttons, doc=docs[0] if docs else None, files=files, **extra))
        return out

    def _jobs(self, outcome: Outcome, new: list[dict[str, Any]]) -> list[tuple[int, PageJob]]:
        """The page jobs of an outcome, each with the id of the message that announced it."""
        announced = [m["id"] for m in new if m.get("waiting")]
        jobs = [r.later for r in outcome.replies if r.later is not None]
        return list(zip(announced, jobs, strict=True))

    async def pages(self, person: Person, waiting: int, job: PageJob) -> list[dict[str, Any]]:
        """Make the pages in the render processes (not this one's threads) and add what they give to the chat;
        each message answering a job names it (`answers`), so the page knows when to stop asking."""
        made = await self.page_maker.make(person.external_id, job)
        return self.translate(person, Outcome(replies=made), answers=waiting)

    def close(self) -> None:
        """At the product's stop: pages still queued are dropped, the render workers end now."""
        for task in list(self.background):
            task.cancel()
        self.page_maker.close()

    async def run(self, fn: Any, *args: Any) -> Any:
        return await asyncio.get_running_loop().run_in_executor(self.executor, fn, *args)

    def handle_sync(self, person: Person, inp: Input) -> Outcome:
        return self.service.handle(CHANNEL, person.external_id, inp, person.name)

    async def send(self, person: Person, inp: Input, label: str = "", echo: bool = True) -> list[dict[str, Any]]:
        """One input of the person; returns the new messages (their own first, when echoed) at once.
        Pages it asks for are made in the background and join the person's messages when done (the
        page asks /api/messages for them while a message says `waiting`)."""
        async with person.lock:
            new, outcome = await self._send(person, inp, label, echo)
            for waiting, job in self._jobs(outcome, new):
                task = asyncio.create_task(self.pages(person, waiting, job))
                self.background.add(task)
                task.add_done_callback(self.background.discard)
        return new

    async def handle(self, person: Person, inp: Input) -> Outcome:
        """The engine's outcome for one input: in the worker processes when there are some."""
        if self.pool is not None:
            return await self.pool.handle(CHANNEL, person.external_id, inp, person.name, "")
        return await self.run(self.handle_sync, person, inp)

    async def _send(self, person: Person, inp: Input, label: str, echo: bool) -> tuple[list[dict[str, Any]], Outcome]:
        new = [self.record(person, "me", self._shown(inp, label))] if echo else []
        outcome = await self.handle(person, inp)
        return new + self.translate(person, outcome), outcome

    async def send_locked(self, person: Person, inp: Input, label: str = "", echo: bool = True) -> list[dict[str, Any]]:
        """As `send`, for callers that hold the person's lock; pages asked for are waited for."""
        new, outcome = await self._send(person, inp, label, echo)
        for waiting, job in self._jobs(outcome, new):
            new += await self.pages(person, waiting, job)
        return new
