"""The bridge every channel uses: one input of one person → one transaction → the replies to send.

A file is read before its transaction opens (issue 24): on SQLite a transaction holds the one write lock,
and a file takes seconds to read (a bounded child process, LibreOffice for a .doc), so reading it inside
would stall every other person. The transaction only stores what was read (`Input.reading`). A person
has one file being read at a time; a second one meanwhile is answered at once.
"""

from __future__ import annotations

import dataclasses
import threading
import time

from sqlalchemy.exc import OperationalError

from bot.importer import READABLE
from bot.importer.reading import read_upload
from bot.interview.engine import MAX_UPLOAD, Engine
from bot.interview.types import Input, Outcome, Reply
from bot.storage.repository import Repository
from bot.workplace.link import is_link, link

STILL_READING = "上一个文件还在读取，请稍候，读完后会告诉您结果。"


class Service:
    def __init__(self, repo: Repository, engine: Engine):
        self.repo = repo
        self.engine = engine
        self._reading: set[tuple[str, str]] = set()  # (channel, external id) with a file being read
        self._reading_lock = threading.Lock()

    def handle(self, channel: str, external_id: str, inp: Input, display_name: str = "", chat_id: str = "") -> Outcome:
        """Run the interview for one input; commit before returning. A file is read first, outside any transaction."""
        if not _to_read(inp):
            return self._handle(channel, external_id, inp, display_name, chat_id)
        key = (channel, external_id)
        with self._reading_lock:
            if key in self._reading:
                return Outcome(replies=[Reply(text=STILL_READING)])
            self._reading.add(key)
        try:
            inp = dataclasses.replace(inp, reading=read_upload(inp.data, inp.filename))
            return self._handle(channel, external_id, inp, display_name, chat_id)
        finally:
            with self._reading_lock:
                self._reading.discard(key)

    def _handle(self, channel: str, external_id: str, inp: Input, display_name: str, chat_id: str) -> Outcome:
        """One transaction; a busy database is retried."""
        for attempt in range(5):
            try:
                with self.repo.transaction() as store:
                    identity = store.account(channel, external_id, display_name, chat_id, lock=True)
                    user = store.person(identity)  # linked accounts: one person
                    # they wrote to the bot, so they unblocked it: reach them again, on this channel
                    if not store.seen(identity, inp.seq, self.repo.now()):
                        return Outcome()  # a linked account's input handled already
                    if identity.id != user.id:  # the conversation counts the person's first channel's ids
                        inp = dataclasses.replace(inp, seq=0)
                    if is_link(inp):
                        return link(store, identity, user, inp, self.repo.now())
                    return self.engine.handle(store, user, inp)
            except OperationalError as exc:
                if "locked" not in str(exc).lower() and "busy" not in str(exc).lower() or attempt == 4:
                    raise
                time.sleep(0.05 * (attempt + 1))
        raise AssertionError("unreachable")


def _to_read(inp: Input) -> bool:
    """A file the interview would read (its name is a readable form, its size within the upload limit)."""
    return (
        inp.kind == "file"
        and inp.reading is None
        and bool(inp.data)
        and len(inp.data) <= MAX_UPLOAD
        and inp.filename.lower().endswith(READABLE)
    )
