"""Logging that never shows a secret.

The bot token is a password: whoever has it is the bot. Libraries put it into their messages (PTB's
InvalidToken, aiohttp's errors carry the request URL, which holds the token), and those messages reach
the journal on every restart. One filter on the root handlers replaces every secret, in the message,
its arguments and the formatted traceback, before anything is written.
"""

from __future__ import annotations

import logging
import sys
import urllib.parse
from collections.abc import Iterable

MASK = "<已隐藏>"


class Redactor(logging.Filter):
    """Replaces each secret (and its URL-encoded form) in a record before it is formatted out."""

    def __init__(self, secrets: Iterable[str]) -> None:
        super().__init__()
        forms = set()
        for secret in secrets:
            if secret and len(secret) >= 6:  # a short value would mask ordinary words
                forms |= {secret, urllib.parse.quote(secret, safe=""), urllib.parse.quote(secret)}
        self.forms = sorted(forms, key=len, reverse=True)

    def redact(self, text: str) -> str:
        for form in self.forms:
            text = text.replace(form, MASK)
        return text

    def filter(self, record: logging.LogRecord) -> bool:
        if not self.forms:
            return True
        record.msg = self.redact(record.getMessage())
        record.args = None
        if record.exc_info:
            formatter = logging.Formatter()
            record.exc_text = self.redact(formatter.formatException(record.exc_info))
            record.exc_info = None
        if record.stack_info:
            record.stack_info = self.redact(record.stack_info)
        return True


def configure_logging(secrets: Iterable[str], level: int = logging.INFO) -> Redactor:
    """Log to stderr (journald takes it from there) through the redacting filter."""
    redactor = Redactor(secrets)
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handler.addFilter(redactor)
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level)
    logging.getLogger("httpx").setLevel(logging.WARNING)
    logging.getLogger("apscheduler").setLevel(logging.WARNING)  # one line per reminder tick otherwise
    return redactor
