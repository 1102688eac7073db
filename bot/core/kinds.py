"""The closed sets of words the product stores and passes around, as types: a role, a report's status, a
delivery's state, a channel. The database keeps them as text; what is read back goes through `as_…`, which
refuses a word outside the set instead of letting it travel on."""

from __future__ import annotations

from typing import Literal, get_args

Role = Literal["owner", "clerk", "reviewer", "coordinator"]  # 负责人, 填报人, 审核人, 协调人
ReportStatus = Literal["draft", "review", "returned", "final"]  # 草稿, 待审核, 已退回, 已通过（定稿）
DeliveryState = Literal["pending", "sending", "sent", "blocked", "failed", "unknown"]
Channel = Literal["telegram", "dingtalk", "web", "email", "terminal"]

ROLES: tuple[Role, ...] = get_args(Role)
STATUSES: tuple[ReportStatus, ...] = get_args(ReportStatus)


def as_role(word: str) -> Role:
    """A stored role; ValueError for a word that is none."""
    for role in ROLES:
        if role == word:
            return role
    raise ValueError(f"not a role: {word!r}")


def as_status(word: str) -> ReportStatus:
    """A stored report status; ValueError for a word that is none."""
    for status in STATUSES:
        if status == word:
            return status
    raise ValueError(f"not a report status: {word!r}")
