"""The closed sets of words the product stores and passes around, as types: a role, a report's status. The
database keeps them as text; what is read back goes through `as_…`, which refuses a word outside the set
instead of letting it travel on."""

from __future__ import annotations

from typing import Literal, TypeVar, get_args

Role = Literal["owner", "clerk", "reviewer", "coordinator"]  # 负责人, 填报人, 审核人, 协调人
ReportStatus = Literal["draft", "review", "returned", "final"]  # 草稿, 待审核, 已退回, 已通过（定稿）

ROLES: tuple[Role, ...] = get_args(Role)
STATUSES: tuple[ReportStatus, ...] = get_args(ReportStatus)


Word = TypeVar("Word", bound=str)


def _one_of(word: str, words: tuple[Word, ...], what: str) -> Word:
    for known in words:
        if known == word:
            return known
    raise ValueError(f"not a {what}: {word!r}")


def as_role(word: str) -> Role:
    """A stored role; ValueError for a word that is none."""
    return _one_of(word, ROLES, "role")


def as_status(word: str) -> ReportStatus:
    """A stored report status; ValueError for a word that is none."""
    return _one_of(word, STATUSES, "report status")
