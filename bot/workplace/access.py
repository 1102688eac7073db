"""Who may do what: roles per unit and per county, checked on every command and every button.

Nothing a channel passes in (a button's payload, a unit number typed after a command) is trusted: the
person's role for the unit it names is looked up here, each time. A refusal is logged.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.core.kinds import Role
from bot.storage.models import Unit, User
from bot.storage.protocols import AccessStore

ROLE_NAMES: dict[str, str] = {"owner": "负责人", "clerk": "填报人", "reviewer": "审核人", "coordinator": "协调人"}

# What each role may do with a unit's report. The coordinator's right is read-only, across the county.
PERMISSIONS: dict[str, frozenset[Role]] = {
    "read": frozenset({"owner", "clerk", "reviewer", "coordinator"}),
    "edit": frozenset({"owner", "clerk"}),
    "submit": frozenset({"owner", "clerk"}),
    "review": frozenset({"reviewer"}),
    "invite:clerk": frozenset({"owner", "clerk", "coordinator"}),
    "invite:reviewer": frozenset({"owner", "reviewer", "coordinator"}),
    "invite:owner": frozenset({"owner", "coordinator"}),
    "manage": frozenset({"owner", "coordinator"}),  # change roles, remove members, revoke invites
}

REFUSED = {
    "read": "您无权查看该单位的报告。",
    "edit": "您无权修改该报告。审核人和协调人只能查看。",
    "submit": "只有本单位的填报人可以提交审核。",
    "review": "只有本单位的审核人可以审核。",
    "manage": "只有本单位的负责人或县级协调人可以管理成员和邀请。",
    "invite": "您无权邀请这一角色：填报人可邀请填报人，审核人可邀请审核人，负责人和协调人可邀请各种角色。",
}


@dataclass(frozen=True)
class Access:
    """The person's standing towards one unit."""

    role: str | None  # owner | clerk | reviewer | coordinator | None

    def may(self, action: str) -> bool:
        return self.role is not None and self.role in PERMISSIONS[action]


def entity_id(text: str) -> int | None:
    """The id a command's argument or a button's payload names ('12', '#12'); None for anything else."""
    number = text.strip().lstrip("#")
    return int(number) if number.isascii() and number.isdigit() and len(number) < 12 else None


def role_for(store: AccessStore, user: User, unit_id: int | None) -> Role | None:
    """A member's own role wins (one query, the common case); otherwise a coordinator of the unit's
    county reads it."""
    if unit_id is None:
        return None
    role = store.role(user, unit_id)
    if role is not None:
        return role
    unit = store.unit(unit_id)
    return "coordinator" if unit is not None and store.coordinates(user, unit.county_id) else None


def access(store: AccessStore, user: User, unit: Unit | None) -> Access:
    return Access(role_for(store, user, unit.id if unit else None))


def check(store: AccessStore, user: User, unit: Unit | None, action: str) -> str:
    """'' when allowed; otherwise the Chinese reason, and the refusal is logged."""
    if access(store, user, unit).may(action):
        return ""
    reason = REFUSED.get(action.split(":")[0], "您无权进行此操作。")
    store.refuse(user, action, f"unit:{unit.id if unit else '?'}", reason)
    return reason
