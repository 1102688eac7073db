"""What every request handler of the web page shares: its settings and its state (service, chat, limiters,
session cache), kept apart from the routes so that the route modules and the server import it alike."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

from aiohttp import web

from bot.channels.web import security
from bot.channels.web.chat import WebChat
from bot.clock import Clock
from bot.config import Config
from bot.service import Service
from storage import web_accounts as wa

SESSION_CACHE = timedelta(seconds=30)  # how long a found session is trusted without the database
STATE: web.AppKey[WebState] = web.AppKey("state")
SESSION_CACHE = timedelta(seconds=30)  # how long a found session is trusted without the database


@dataclass
class WebSettings:
    host: str = "127.0.0.1"
    port: int = 8080
    base_url: str = ""  # the public address, e.g. https://gk.example.gov.cn/nianbao (empty: http://host:port)

    @property
    def public(self) -> str:
        return (self.base_url or f"http://{self.host}:{self.port}").rstrip("/")

    @property
    def prefix(self) -> str:
        """The path under which a reverse proxy serves the page ('' at the root)."""
        return urlsplit(self.public).path.rstrip("/")

    @property
    def secure(self) -> bool:
        return self.public.startswith("https://")

    @classmethod
    def from_config(cls, config: Config, host: str | None = None, port: int | None = None) -> WebSettings:
        """The configured address (NIANBAO_WEB_*), or `host` and `port` given on the command line."""
        return cls(host=host or config.web_host, port=port or config.web_port, base_url=config.web_base_url)


class WebState:
    """What every request handler shares: the engine's service, the chat, the clock, the limiters."""

    def __init__(self, service: Service, settings: WebSettings, clock: Clock):
        self.service = service
        self.repo = service.repo
        self.engine = service.engine
        self.settings = settings
        self.clock = clock
        self.chat = WebChat(service)
        # Per address generously: a township office reaches the server through one NAT address.
        self.by_ip = security.RateLimiter(clock.now, limit=60)
        self.by_login = security.RateLimiter(clock.now, limit=5)
        # Sessions recently found in the database (cookie → (person, until)): most requests then need no
        # lookup. Logging out or changing a password here drops them at once; a revocation made by
        # another process (`nianbao user reset`) is seen within SESSION_CACHE.
        self.sessions: dict[str, tuple[Any, datetime]] = {}

    def cached_session(self, token: str) -> Any:
        found = self.sessions.get(token)
        if found is None:
            return None
        if found[1] <= self.clock.now():
            self.sessions.pop(token, None)
            return None
        return found[0]

    def cache_session(self, token: str, auth: Any) -> None:
        if len(self.sessions) > 50_000:
            self.sessions.clear()
        self.sessions[token] = (auth, self.clock.now() + SESSION_CACHE)

    def forget_sessions(self, account_id: int | None = None, token: str = "") -> None:
        """Drop one cookie, or every cookie of an account, from the cache."""
        if token:
            self.sessions.pop(token, None)
        if account_id is not None:
            for key in [k for k, (auth, _) in self.sessions.items() if auth.account_id == account_id]:
                self.sessions.pop(key, None)

    def url(self, path: str) -> str:
        return self.settings.prefix + path

    def link(self, path: str) -> str:
        return self.settings.public + path

    def invite_link(self, token: str) -> str:
        return self.link(f"/join/{token}")

    async def db(self, fn: Any, *args: Any) -> Any:
        """Run a short transaction in a worker thread: fn(store, *args)."""

        def run() -> Any:
            with self.repo.transaction() as store:
                return fn(store, *args)

        return await self.chat.run(run)

    def setup_link(self) -> str | None:
        """A one-time operator set-up link while the site has no operator (a new one each start)."""
        with self.repo.transaction() as store:
            if wa.has_operator(store):
                return None
            token = wa.issue_token(store, "setup", self.clock.now(), days=1)
        return self.link(f"/setup/{token}")
