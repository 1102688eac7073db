"""The bridge every channel uses: one input of one person → one transaction → the replies to send."""

from __future__ import annotations

import dataclasses
import time

from sqlalchemy.exc import OperationalError

from bot.interview.engine import Engine
from bot.interview.types import Input, Outcome
from bot.workplace.link import is_link, link
from storage.repository import Repository


class Service:
    def __init__(self, repo: Repository, engine: Engine):
        self.repo = repo
        self.engine = engine

    def handle(self, channel: str, external_id: str, inp: Input, display_name: str = "", chat_id: str = "") -> Outcome:
        """Run the interview for one input; commit before returning. A busy database is retried."""
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
