"""Protections every request goes through: security headers, CSRF on every change, login rate limits.

Times come from the product's clock (bot/core/clock.py), never from the machine directly, so tests can
move time forward without sleeping.
"""

from __future__ import annotations

import hmac
import ipaddress
import json
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


def _address(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(text.strip().strip("[]"))
    except ValueError:
        return None


def _trusted(peer: str, proxies: tuple[str, ...]) -> bool:
    """Whether the direct peer is one of the configured proxies (addresses or CIDRs)."""
    address = _address(peer)
    if address is None:
        return False
    for proxy in proxies:
        try:
            if address in ipaddress.ip_network(proxy.strip(), strict=False):
                return True
        except ValueError:
            continue
    return False


def client_ip(request: web.Request, proxies: tuple[str, ...] = ()) -> str:
    """The client's address for the login limits: the direct peer, unless that peer is a configured reverse
    proxy (NIANBAO_TRUSTED_PROXIES): then the proxy's X-Real-IP, else the last address of X-Forwarded-For
    that is not itself a proxy. Nobody else can choose the address they are counted under."""
    peer = request.remote or "?"
    if not proxies or not _trusted(peer, proxies):
        return peer
    real = _address(request.headers.get("X-Real-IP", ""))
    if real is not None:
        return str(real)
    hops = [h for h in (_address(part) for part in request.headers.get("X-Forwarded-For", "").split(",")) if h is not None]
    for hop in reversed(hops):  # the right-most entries were added by our own proxies
        if not _trusted(str(hop), proxies):
            return str(hop)
    return peer


ERROR_PAGE = """<!doctype html><html lang="zh-CN"><head><meta charset="utf-8"><title>出错了</title></head>
<body><h1>抱歉，服务器出错了</h1><p>这次操作没有完成。请返回上一页稍后重试；如果一直出错，请联系管理员。</p></body></html>"""
BAD_JSON = "请求内容不是有效的JSON，请刷新页面后重试。"
BAD_REQUEST = "请求内容无效，请刷新页面后重试。"


def _json_request(request: web.Request) -> bool:
    return request.content_type == "application/json" or request.path.startswith("/api/")


@web.middleware
async def error_pages(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Whatever a handler did not expect ends in Chinese, never aiohttp's English "500 Server got itself in
    trouble": malformed or too deeply nested JSON in a request is a 400 saying so; anything else a 500 (the
    traceback goes to the log, not to the browser)."""
    try:
        return await handler(request)
    except web.HTTPException as exc:
        if exc.status == 400 and request.content_type == "application/json" and (exc.text or "").isascii():
            # a handler's own English word ("bad json", "nothing to send"): said in Chinese
            return web.json_response({"error": BAD_JSON if "json" in (exc.text or "").lower() else BAD_REQUEST}, status=400)
        raise
    except (ValueError, RecursionError) as exc:
        if not (request.content_type == "application/json" and isinstance(exc, json.JSONDecodeError | RecursionError | UnicodeDecodeError)):
            log.exception("unexpected error: %s %s", request.method, request.path)
            return _server_error(request)
        log.info("malformed JSON: %s %s (%s)", request.method, request.path, type(exc).__name__)
        return web.json_response({"error": BAD_JSON}, status=400)
    except Exception:
        log.exception("unexpected error: %s %s", request.method, request.path)
        return _server_error(request)


def _server_error(request: web.Request) -> web.Response:
    if _json_request(request):
        return web.json_response({"error": "抱歉，服务器出错了，请稍后重试。"}, status=500)
    return web.Response(text=ERROR_PAGE, content_type="text/html", status=500)
