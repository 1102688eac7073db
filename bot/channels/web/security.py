"""Protections every request goes through: security headers, CSRF on every change, login rate limits.

Times come from the product's clock (bot/clock.py), never from the machine directly, so tests can
move time forward without sleeping.
"""

from __future__ import annotations

import hmac
import logging
from collections import defaultdict, deque
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta

from aiohttp import web

log = logging.getLogger(__name__)
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]

HEADERS = {
    "Content-Security-Policy": "default-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cross-Origin-Opener-Policy": "same-origin",
}


@web.middleware
async def security_headers(request: web.Request, handler: Handler) -> web.StreamResponse:
    try:
        response = await handler(request)
    except web.HTTPException as exc:
        for key, value in HEADERS.items():
            exc.headers.setdefault(key, value)
        raise
    for key, value in HEADERS.items():
        response.headers.setdefault(key, value)
    if not request.path.startswith("/static/"):
        response.headers.setdefault("Cache-Control", "no-store")
    return response


def csrf_ok(expected: str, request: web.Request, form_token: str = "") -> bool:
    """The session's token, sent back in the X-CSRF-Token header (scripts) or a form field (forms)."""
    given = request.headers.get("X-CSRF-Token", "") or form_token
    return bool(expected) and bool(given) and hmac.compare_digest(expected, given)


class RateLimiter:
    """At most `limit` failures per key in `window`; a success does not clear others' failures."""

    def __init__(self, now: Callable[[], datetime], limit: int, window: timedelta = timedelta(minutes=15)):
        self.now = now
        self.limit = limit
        self.window = window
        self.failures: dict[str, deque[datetime]] = defaultdict(deque)

    def _prune(self, key: str) -> deque[datetime]:
        times = self.failures[key]
        cutoff = self.now() - self.window
        while times and times[0] <= cutoff:
            times.popleft()
        if not times:
            self.failures.pop(key, None)
        return times

    def blocked(self, key: str) -> bool:
        return len(self._prune(key)) >= self.limit

    def fail(self, key: str) -> None:
        self._prune(key)
        self.failures[key].append(self.now())
        if len(self.failures) > 100_000:  # a flood of names: forget the oldest keys rather than grow
            for old in list(self.failures)[:50_000]:
                self.failures.pop(old, None)

    def clear(self, key: str) -> None:
        self.failures.pop(key, None)


def client_ip(request: web.Request) -> str:
    """The peer address (behind the nginx example, the proxy's X-Real-IP is trusted only from loopback)."""
    peer = request.remote or "?"
    if peer in ("127.0.0.1", "::1") and request.headers.get("X-Real-IP"):
        return request.headers["X-Real-IP"]
    return peer
