"""A person's e-mail address for notices (政务邮箱): checked, and set by whoever may.

A person sets or clears their own; a unit's owner (负责人) sets it for the unit's members, a county's
coordinator (协调人) for the members of the county's units — exactly those who may manage the unit's
members (`bot.workplace.access`, "manage"). A denied attempt is logged as a refusal. The address is written on the
person's row (`store.person`: the identity a linked account belongs to), which is what notify reads.

One address: ASCII before the @, an ASCII or internationalised (IDN) domain with a dot, at most 254
characters as stored (the domain in its ASCII form, xn--…, which any mail server accepts).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from bot.storage.models import User
from bot.storage.protocols import EmailStore
from bot.workplace.access import ROLE_NAMES, access

MAX_LENGTH = 254  # RFC 5321's longest path, and the column's length
MAX_LOCAL = 64
LOCAL = re.compile(r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~.-]+")
LABEL = re.compile(r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?")
SEPARATORS = ",;、"  # after NFKC: full-width ，；become , ;
EXAMPLE = "例如 zhangsan@yc.gov.cn"
REFUSED = "您无权设置此人的邮箱：只有本人、其所在单位的负责人或县级协调人可以设置。"


@dataclass(frozen=True)
class EmailResult:
    """What came of an attempt: `address` is what is stored now ('' when none)."""

    ok: bool
    address: str = ""
    message: str = ""
    refused: bool = False


@dataclass(frozen=True)
class MemberEmail:
    """A member of a unit with their address, as a manager of the unit sees them."""

    user_id: int
    name: str
    role: str
    address: str


def check_address(text: str) -> tuple[str, str]:
    """(the address as stored, '') or ('', the Chinese reason it is not one). Blank text is ('', '')."""
    raw = text.strip()
    if not raw:
        return "", ""
    if len(raw) > MAX_LENGTH:
        return "", f"邮箱地址太长（最多{MAX_LENGTH}个字符）。"
    if any(unicodedata.category(c).startswith("C") for c in raw):
        return "", "邮箱地址中不能有换行、制表符或其他控制字符。"
    value = unicodedata.normalize("NFKC", raw).replace("。", ".").replace("｡", ".")  # full-width ＠ ．too
    if any(c in value for c in SEPARATORS) or value.count("@") > 1:
        return "", "只能填写一个邮箱地址。"
    if any(c.isspace() for c in value):
        return "", "邮箱地址中不能有空格。"
    if "@" not in value:
        return "", f"邮箱地址应包含@，{EXAMPLE}。"
    local, domain = value.split("@")
    if not local:
        return "", f"@前面不能为空，{EXAMPLE}。"
    if len(local) > MAX_LOCAL:
        return "", f"@前面的部分太长（最多{MAX_LOCAL}个字符）。"
    if not LOCAL.fullmatch(local) or local.startswith(".") or local.endswith(".") or ".." in local:
        return "", "@前面只能用英文字母、数字和 . _ - + 等符号（点不能在开头、结尾或连用）。"
    if "." not in domain.strip("."):
        return "", f"@后面的域名不完整，应包含点，{EXAMPLE}。"
    try:
        ascii_domain = domain.lower().encode("idna").decode("ascii")
    except UnicodeError:
        return "", f"@后面的域名无效，{EXAMPLE}。"
    labels = ascii_domain.split(".")
    if not all(LABEL.fullmatch(label) for label in labels) or labels[-1].isdigit():
        return "", f"@后面的域名无效，{EXAMPLE}。"
    address = f"{local}@{ascii_domain}"
    if len(address) > MAX_LENGTH:
        return "", f"邮箱地址太长（最多{MAX_LENGTH}个字符）。"
    return address, ""


def shown(address: str) -> str:
    """The address as a person reads it: an internationalised domain in its own script."""
    local, _, domain = address.partition("@")
    if "xn--" not in domain:
        return address
    try:
        return f"{local}@{domain.encode('ascii').decode('idna')}"
    except UnicodeError:
        return address


def may_set(store: EmailStore, actor: User, target: User) -> bool:
    """The person themself, or someone who may manage the members of a unit the target belongs to."""
    actor, target = store.person(actor), store.person(target)
    if actor.id == target.id:
        return True
    return any(access(store, actor, unit).may("manage") for _, unit in store.memberships(target))


def set_email(store: EmailStore, actor: User, target: User | None, text: str) -> EmailResult:
    """Set (or, with blank text, clear) the target's address, if the actor may; in the caller's transaction."""
    actor = store.person(actor)
    person = store.person(target) if target is not None else None
    if person is None or not may_set(store, actor, person):
        store.refuse(actor, "email", f"user:{person.id if person else '?'}", "may not set this person's e-mail address")
        return EmailResult(False, message=REFUSED, refused=True)
    address, problem = check_address(text)
    if problem:
        return EmailResult(False, address=person.email, message=problem)
    person.email = address
    store.save(person)
    if not address:
        return EmailResult(True, message="已清除邮箱地址，今后不再发邮件通知。")
    return EmailResult(True, address=address, message=f"已保存邮箱地址：{shown(address)}")


def unit_members(store: EmailStore, actor: User, unit_id: int) -> list[MemberEmail] | None:
    """The unit's members with their addresses, for someone who may set them (its owner, its county's
    coordinators); None for anyone else (nothing logged: the unit's page asks this of every reader)."""
    unit = store.unit(unit_id)
    if unit is None or not access(store, store.person(actor), unit).may("manage"):
        return None
    return [MemberEmail(user.id or 0, user.display_name or "（未命名）", ROLE_NAMES.get(member.role, member.role), user.email)
            for member, user in store.members(unit_id)]
