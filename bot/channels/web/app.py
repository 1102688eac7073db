"""The web server: wiring of the routes, the shared state, and `nianbao web`'s start-up.

The page is a channel like Telegram: it translates requests into the engine's inputs
(`Service.handle(channel="web", …)`) and its outcomes into pages and JSON.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from importlib import resources
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from aiohttp import web

from bot.app import build_service
from bot.channels.web import security
from bot.channels.web.chat import WebChat
from bot.clock import Clock
from bot.config import Config
from bot.service import Service
from storage import web_accounts as wa

log = logging.getLogger(__name__)
MAX_BODY = 10 * 1024 * 1024 + 64 * 1024  # a 10 MB file and its form around it
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
    def from_env(cls, env: dict[str, str], host: str | None = None, port: int | None = None) -> WebSettings:
        return cls(
            host=host or env.get("NIANBAO_WEB_HOST", "").strip() or "127.0.0.1",
            port=port or int(env.get("NIANBAO_WEB_PORT", "").strip() or 8080),
            base_url=env.get("NIANBAO_WEB_BASE_URL", "").strip(),
        )


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
            if wa.has_operator(store.session):
                return None
            token = wa.issue_token(store.session, "setup", self.clock.now(), days=1)
        return self.link(f"/setup/{token}")


async def healthz(request: web.Request) -> web.Response:
    state = request.app[STATE]

    def ping(store: Any) -> None:
        store.session.connection().exec_driver_sql("SELECT 1")

    try:
        await state.db(ping)
    except Exception as exc:  # the database is what is checked: any failure is "not healthy"
        log.warning("health check failed: %s", exc)
        return web.json_response({"ok": False, "database": "unreachable"}, status=503)
    return web.json_response({"ok": True, "database": "ok"})


def static_dir() -> Path:
    return Path(str(resources.files("bot.channels.web") / "static"))


def build_app(service: Service, settings: WebSettings, clock: Clock) -> web.Application:
    from bot.channels.web import api, auth, county

    app = web.Application(middlewares=[security.security_headers, auth.session_middleware], client_max_size=MAX_BODY)
    state = WebState(service, settings, clock)
    service.engine.invite_link = state.invite_link
    app[STATE] = state
    app.router.add_get("/healthz", healthz)
    app.router.add_static("/static/", static_dir(), show_index=False, follow_symlinks=False)
    auth.routes(app)
    api.routes(app)
    county.routes(app)
    return app


def web_service(config: Config, clock: Clock | None = None) -> Service:
    return build_service(config, clock=clock)


async def serve(app: web.Application, settings: WebSettings) -> web.AppRunner:
    runner = web.AppRunner(app, access_log=None, shutdown_timeout=5)
    await runner.setup()
    await web.TCPSite(runner, settings.host, settings.port).start()
    return runner


def run_web(config: Config, settings: WebSettings, say: Any = print) -> int:
    """`nianbao web`: serve until interrupted; print the address and, while no operator exists, a set-up link."""
    clock = config.clock()
    service = web_service(config, clock)
    app = build_app(service, settings, clock)
    state = app[STATE]

    async def main() -> None:
        runner = await serve(app, settings)
        say(f"年报助手网页版已启动：{settings.public}/")
        link = state.setup_link()
        if link:
            say(f"首次使用：请在24小时内用浏览器打开以下一次性链接，设置管理员账号：\n{link}")
        try:
            await asyncio.Event().wait()
        finally:
            await runner.cleanup()

    try:
        asyncio.run(main())
    except KeyboardInterrupt:
        return 0
    return 0
