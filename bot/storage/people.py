"""People, units, counties and invitations."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import update
from sqlmodel import col, select

from bot.core.kinds import Role, as_role
from bot.storage.db import StoreBase, aware, insert_new
from bot.storage.models import Coordinator, County, Invite, Member, Unit, User, id_of, rowcount, utcnow


class PeopleStore(StoreBase):
    # ---- people and units -------------------------------------------------------------------

    def user(self, channel: str, external_id: str, display_name: str = "", chat_id: str = "", lock: bool = False) -> User:
        """The person, made on first sight (also when two processes see them first at once).

        lock: hold the person's row until the transaction ends (PostgreSQL; SQLite has one writer anyway),
        so that one person's inputs are handled one after another, also by several processes.
        """
        return self.person(self.account(channel, external_id, display_name, chat_id, lock))

    def account(self, channel: str, external_id: str, display_name: str = "", chat_id: str = "", lock: bool = False) -> User:
        """This channel's own account row (a linked one included), made on first sight; see `user`."""
        query = select(User).where(User.channel == channel, User.external_id == external_id)
        if lock:
            query = query.with_for_update()
        user = self.session.exec(query).first()
        if user is None:
            insert_new(self.session, User(channel=channel, external_id=external_id, display_name=display_name, chat_id=chat_id))
            user = self.session.exec(query).one()
        elif (display_name and user.display_name != display_name) or (chat_id and user.chat_id != chat_id):
            user.display_name = display_name or user.display_name
            user.chat_id = chat_id or user.chat_id
            self.session.add(user)
        return user

    def person(self, account: User) -> User:
        """The person an account belongs to: itself, or the account it was linked to (/link), whose roles
        and reports these are."""
        if account.person_id is not None:
            return self.session.get(User, account.person_id) or account
        return account

    def get_user(self, user_id: int) -> User | None:
        return self.session.get(User, user_id)

    def create_unit(self, owner: User | None, name: str, level: str = "township", county: County | None = None) -> Unit:
        """A new unit; its creator (a lone clerk) becomes its owner. A coordinator's unit starts with nobody."""
        unit = Unit(name=name, level=level)
        if county is not None:
            unit.county_id, unit.county, unit.province, unit.city = county.id, county.name, county.province, county.city
        self.session.add(unit)
        self.session.flush()
        if owner is not None:
            self.session.add(Member(user_id=id_of(owner), unit_id=id_of(unit), role="owner"))
            self.session.flush()
        return unit

    def unit(self, unit_id: int) -> Unit | None:
        return self.session.get(Unit, unit_id)

    def member(self, user: User, unit_id: int) -> Member | None:
        return self.session.exec(select(Member).where(Member.user_id == user.id, Member.unit_id == unit_id)).first()

    def role(self, user: User, unit_id: int) -> Role | None:
        member = self.member(user, unit_id)
        return as_role(member.role) if member else None

    def add_member(self, user: User, unit_id: int, role: Role) -> Member:
        """Join a unit; someone already in it keeps the stronger of the two roles (an owner stays owner)."""
        member = self.member(user, unit_id)
        if member is None:
            member = Member(user_id=id_of(user), unit_id=unit_id, role=role)
            self.session.add(member)
            self.session.flush()
        elif member.role != "owner" and role in ("owner", "clerk") and member.role != role:
            member.role = role
            self.session.add(member)
            self.session.flush()
        return member

    def members(self, unit_id: int) -> list[tuple[Member, User]]:
        rows = self.session.exec(
            select(Member, User).join(User, col(User.id) == Member.user_id).where(col(Member.unit_id) == unit_id).order_by(col(Member.id))
        ).all()
        return [(m, u) for m, u in rows]

    def memberships(self, user: User) -> list[tuple[Member, Unit]]:
        rows = self.session.exec(
            select(Member, Unit).join(Unit, col(Unit.id) == Member.unit_id).where(col(Member.user_id) == user.id).order_by(col(Member.id))
        ).all()
        return [(m, u) for m, u in rows]

    def member_by_id(self, member_id: int) -> Member | None:
        return self.session.get(Member, member_id)

    def remove_member(self, member: Member) -> None:
        self.session.delete(member)
        self.session.flush()

    # ---- counties -----------------------------------------------------------------------------

    def create_county(self, name: str, province: str = "", city: str = "", creator: User | None = None) -> County:
        county = County(name=name, province=province, city=city, created_by=creator.id if creator else None)
        self.session.add(county)
        self.session.flush()
        return county

    def county(self, county_id: int) -> County | None:
        return self.session.get(County, county_id)

    def counties_named(self, name: str) -> list[County]:
        return list(self.session.exec(select(County).where(col(County.name) == name).order_by(col(County.id))).all())

    def coordinates(self, user: User, county_id: int | None) -> bool:
        if county_id is None:
            return False
        return self.session.exec(
            select(Coordinator.id).where(Coordinator.user_id == user.id, Coordinator.county_id == county_id)
        ).first() is not None

    def coordinated_counties(self, user: User) -> list[County]:
        return list(
            self.session.exec(
                select(County).join(Coordinator, col(Coordinator.county_id) == County.id).where(col(Coordinator.user_id) == user.id).order_by(col(County.id))
            ).all()
        )

    def add_coordinator(self, user: User, county_id: int) -> None:
        if not self.coordinates(user, county_id):
            self.session.add(Coordinator(user_id=id_of(user), county_id=county_id))
            self.session.flush()

    def county_units(self, county_id: int) -> list[Unit]:
        return list(self.session.exec(select(Unit).where(col(Unit.county_id) == county_id).order_by(col(Unit.id))).all())

    # ---- invites ----------------------------------------------------------------------------

    def create_invite(
        self,
        unit_id: int | None,
        creator: User,
        role: str = "clerk",
        days: int = 7,
        max_uses: int = 1,
        county_id: int | None = None,
    ) -> NewInvite:
        """An invitation to a unit (owner, clerk, reviewer) or, with county_id, to a county (coordinator).

        The row keeps only the SHA-256 of the token (`invite_key`); the token itself is returned once, for
        the link, and is nowhere else: a copy of the database lets nobody in."""
        token = secrets.token_urlsafe(24)  # 192 bits; fits a Telegram deep link (≤ 64 of [A-Za-z0-9_-])
        invite = Invite(
            token=invite_key(token),
            unit_id=unit_id,
            county_id=county_id,
            role=role,
            created_by=id_of(creator),
            expires_at=utcnow() + timedelta(days=days),
            max_uses=max_uses,
        )
        self.session.add(invite)
        self.session.flush()
        return NewInvite(invite, token)

    def invite_problem(self, token: str, now: datetime | None = None) -> str | None:
        """Why the invite of this token cannot be used now (in Chinese), or None when it can."""
        invite = self.invite(token)
        now = now or utcnow()
        if invite is None:
            return "邀请码无效，请向邀请人重新索取。"
        if invite.revoked:
            return "该邀请已被撤销，请向邀请人重新索取。"
        if aware(invite.expires_at) < now:
            return "该邀请已过期，请向邀请人重新索取。"
        if invite.uses >= invite.max_uses:
            return "该邀请已被使用过，请向邀请人重新索取。"
        return None

    def redeem_invite(self, token: str, user: User, now: datetime | None = None) -> tuple[Invite | None, str]:
        """(invite, '') when the user joined; (None, reason in Chinese) otherwise."""
        now = now or utcnow()
        problem = self.invite_problem(token, now)
        invite = self.invite(token)
        if problem is not None or invite is None:
            return None, problem or "邀请码无效，请向邀请人重新索取。"
        # One conditional UPDATE: of several people (or processes) redeeming the last use at once, exactly
        # one matches; a read-then-write would let every one of them in (PostgreSQL, READ COMMITTED).
        claimed = self.session.execute(
            update(Invite)
            .where(col(Invite.token) == invite.token, col(Invite.uses) < Invite.max_uses, col(Invite.revoked) == False, col(Invite.expires_at) >= now)  # noqa: E712
            .values(uses=Invite.uses + 1)
        )
        self._expire(Invite, invite.token)
        if rowcount(claimed) != 1:
            return None, "该邀请已被使用过，请向邀请人重新索取。"
        if invite.county_id is not None:
            self.add_coordinator(user, invite.county_id)
        elif invite.unit_id is not None:
            self.add_member(user, invite.unit_id, as_role(invite.role))
        return invite, ""

    def open_invites(self, unit_id: int | None = None, county_id: int | None = None) -> list[Invite]:
        """Invites that can still be used (their `token` is the token's hash: its start names one to revoke)."""
        query = select(Invite).where(Invite.revoked == False, Invite.uses < Invite.max_uses, Invite.expires_at > utcnow())  # noqa: E712
        query = query.where(Invite.unit_id == unit_id) if unit_id is not None else query.where(Invite.county_id == county_id)
        return list(self.session.exec(query.order_by(col(Invite.created_at))).all())

    def invite(self, token: str) -> Invite | None:
        """The invite of a token (as in its link), looked up by its hash. An invite made before tokens were
        hashed keeps its token as its key (32 characters, never 64 as a hash): still found, until it expires.
        A hash read from the database (64 characters) is never taken as a token."""
        if not token:
            return None
        found = self.session.get(Invite, invite_key(token[:64]))
        if found is None and len(token) != len(invite_key("")):
            found = self.session.get(Invite, token[:64])
        return found

    def invite_by_prefix(self, prefix: str) -> Invite | None:
        """The invite a button names by the start of its hash (buttons carry 64 bytes at most; the start of a
        hash tells nothing of the token)."""
        if not prefix:
            return None
        return self.session.exec(select(Invite).where(col(Invite.token).startswith(prefix, autoescape=True))).first()


def invite_key(token: str) -> str:
    """What an invite row keeps of its token: the SHA-256, in hex (64 characters, the column's width)."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class NewInvite:
    """A new invitation: its row, and the token for its link (returned once; the row keeps its hash)."""

    row: Invite
    token: str

    def __getattr__(self, name: str) -> Any:
        return getattr(self.row, name)
