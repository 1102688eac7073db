"""One person on several channels: identities linked by one-time codes, and which of them was last used."""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta

from sqlmodel import col, select

from bot.storage.db import StoreBase, aware
from bot.storage.models import Coordinator, LinkCode, Member, User, id_of

ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: typed from another screen
SEEN_EVERY = timedelta(minutes=1)  # last_seen_at is written at most this often


class IdentityStore(StoreBase):
    def identity(self, channel: str, external_id: str) -> User | None:
        """The row of this channel's account itself (Store.user gives the person it is linked to)."""
        return self.session.exec(select(User).where(User.channel == channel, User.external_id == external_id)).first()

    def seen(self, identity: User, seq: int, now: datetime) -> bool:
        """This identity wrote: it is reachable again and was last used now. False for an input of a
        linked identity that was handled already (its own channel's ids, not the conversation's)."""
        if identity.person_id is not None and seq:
            if seq <= identity.last_seq:
                return False
            identity.last_seq = seq
        if identity.blocked or identity.person_id is not None or identity.last_seen_at is None or now - aware(identity.last_seen_at) > SEEN_EVERY:
            identity.blocked = False
            identity.last_seen_at = now
            self.session.add(identity)
        return True

    def identities(self, person: User) -> list[User]:
        return [person, *self.session.exec(select(User).where(col(User.person_id) == person.id).order_by(col(User.id))).all()]

    def has_roles(self, person: User) -> bool:
        return (self.session.exec(select(Member.id).where(Member.user_id == person.id)).first() is not None
                or self.session.exec(select(Coordinator.id).where(Coordinator.user_id == person.id)).first() is not None)

    def new_link_code(self, identity: User, now: datetime, minutes: int = 10) -> str:
        raw = "".join(secrets.choice(ALPHABET) for _ in range(8))
        code = f"NB-{raw[:4]}-{raw[4:]}"
        self.session.add(LinkCode(code=code, user_id=id_of(identity), expires_at=now + timedelta(minutes=minutes)))
        self.session.flush()
        return code

    def use_link_code(self, code: str, identity: User, now: datetime) -> tuple[str, User | None]:
        """Link `identity` (and everything linked to it) with the identity that asked for the code.
        ('linked', the other identity) | ('unknown', None) | ('same', other) | ('both', other): both have roles."""
        row = self.session.get(LinkCode, code.strip().upper())
        if row is None or aware(row.expires_at) < now:
            return "unknown", None
        other = self.session.get(User, row.user_id)
        self.session.delete(row)  # used, or refused: either way once
        if other is None:
            return "unknown", None
        mine = self.session.get(User, identity.person_id) if identity.person_id else identity
        theirs = self.session.get(User, other.person_id) if other.person_id else other
        assert mine is not None and theirs is not None
        if mine.id == theirs.id:
            return "same", other
        if self.has_roles(mine) and self.has_roles(theirs):
            return "both", other
        primary, secondary = (mine, theirs) if self.has_roles(mine) and not self.has_roles(theirs) else (theirs, mine)
        for row_ in self.identities(secondary):
            row_.person_id = primary.id
            self.session.add(row_)
        primary.notify_all = primary.notify_all or secondary.notify_all
        self.session.add(primary)
        self.session.flush()
        return "linked", other

    def set_notify_all(self, person: User, value: bool) -> None:
        person.notify_all = value
        self.session.add(person)
