"""What a new web password must be: 8 to 200 characters, not the login name nor containing it, and not one
of the common passwords shipped with the project (common-passwords.txt, a few hundred, lower case)."""

from __future__ import annotations

from functools import cache
from importlib import resources

MIN_LENGTH = 8
MAX_LENGTH = 200


@cache
def common() -> frozenset[str]:
    text = (resources.files("bot.channels.web") / "common-passwords.txt").read_text(encoding="utf-8")
    return frozenset(line.strip() for line in text.splitlines() if line.strip() and not line.startswith("#"))


def password_problem(password: str, login: str) -> str:
    """Why this password may not be used by this login name (one Chinese line), or ''."""
    if len(password) < MIN_LENGTH or len(password) > MAX_LENGTH:
        return f"密码至少{MIN_LENGTH}位（最多{MAX_LENGTH}位）。"
    name = login.strip().casefold()
    if name and name in password.casefold():
        return "密码不能与登录名相同，也不能包含登录名。"
    if password.casefold() in common() or len(set(password)) <= 2:
        return "这个密码太常见，很容易被猜到，请换一个（可以用几个词加数字组成）。"
    return ""
