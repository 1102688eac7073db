"""What every request handler of the web page shares: its settings and its state (service, chat, limiters,
session cache), kept apart from the routes so that the route modules and the server import it alike."""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from aiohttp import web

from bot.channels.web import security
from bot.channels.web.chat import WebChat
from bot.channels.workers import WorkerPool
from bot.core.clock import Clock
from bot.core.config import Config
from bot.interview.service import Service
from bot.storage import web_accounts as wa

STATE: web.AppKey[WebState] = web.AppKey("state")
WRITERS = 8  # write transactions at once on PostgreSQL


@dataclass
class WebSettings:
    host: str = "127.0.0.1"
    port: int = 8080
    base_url: str = ""  # the public address, e.g. https://gk.example.gov.cn/nianbao (empty: http://host:port)
    trusted_proxies: tuple[str, ...] = ()  # reverse proxies (addresses, CIDRs) whose X-Real-IP/X-Forwarded-For count

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
        return cls(host=host or config.web_host, port=port or config.web_port, base_url=config.web_base_url,
                   trusted_proxies=config.trusted_proxies)


class WebState:
    """What every request handler shares: the engine's service, the chat, the clock, the limiters."""

    def __init__(self, service: Service, settings: WebSettings, clock: Clock, pool: WorkerPool | None = None):
        self.service = service
        self.repo = service.repo
        self.engine = service.engine
        self.settings = settings
        self.clock = clock
        self.chat = WebChat(service, pool)
        # Writes queue here, not in SQLite: one writer thread on SQLite (it has one write lock, and a thread
        # waiting for it inside SQLite polls with sleeps of up to 100 ms and holds a thread that a page read
        # needs), as many as the reads on PostgreSQL. Measured with bench/web_load.py --only grid.
        sqlite = self.repo.engine.dialect.name == "sqlite"
        self.writer = ThreadPoolExecutor(1 if sqlite else WRITERS, thread_name_prefix="web-write")
        # Per address generously: a township office reaches the server through one NAT address.
        self.by_ip = security.RateLimiter(clock.now, limit=60)
        self.by_login = security.RateLimiter(clock.now, limit=5)
        # No session is kept in memory: each request reads its session from the database (auth.py), so a
        # logout, a password change or `nianbao user reset` in any process ends it everywhere at once.

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

        return await asyncio.get_running_loop().run_in_executor(self.writer, run)

    async def read(self, fn: Any, *args: Any) -> Any:
        """`db` for what only reads (the session of a request, a grid, the notices): no write lock, so a
        page is not queued behind other people's saves (Repository.reading)."""

        def run() -> Any:
            with self.repo.reading() as store:
                return fn(store, *args)

        return await self.chat.run(run)

    def setup_link(self) -> str | None:
        """A one-time operator set-up link while the site has no operator (a new one each start)."""
        with self.repo.transaction() as store:
            if wa.has_operator(store):
                return None
            token = wa.issue_token(store, "setup", self.clock.now(), days=1)
        return self.link(f"/setup/{token}")
