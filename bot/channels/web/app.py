"""The web server: wiring of the routes, the shared state, and `nianbao web`'s start-up.

The page is a channel like Telegram: it translates requests into the engine's inputs
(`Service.handle(channel="web", …)`) and its outcomes into pages and JSON.
"""

from __future__ import annotations

import asyncio
import logging
from importlib import resources
from pathlib import Path

from aiohttp import web

from bot.channels.health import Check
from bot.channels.web import accounts, api, auth, county, notices, profile, security
from bot.channels.web.state import STATE, WebSettings, WebState
from bot.channels.wiring import build_service
from bot.channels.workers import WorkerPool
from bot.core.clock import Clock
from bot.core.config import Config
from bot.interview.service import Service
from bot.storage import web_accounts as wa

log = logging.getLogger(__name__)
MAX_BODY = 10 * 1024 * 1024 + 64 * 1024  # a 10 MB file and its form around it
HEALTH_CHECKS = web.AppKey("health_checks", dict)


async def healthz(request: web.Request) -> web.Response:
    """{"ok", "database", "channels": {name: "ok" or why not}}; 503 when anything cannot be reached."""
    state = request.app[STATE]
    database = "ok"
    try:
        await state.db(wa.ping)
    except Exception as exc:  # the database is what is checked: any failure is "not healthy"
        log.warning("health check failed: %s", exc)
        database = "unreachable"
    else:
        try:  # reachable is not enough: every answer is a write
            await state.db(wa.write_probe, state.clock.now())
        except Exception as exc:
            log.warning("health check: the database refuses writes: %s", exc)
            database = "not writable"
    channels = {"web": "ok"}
    checks: dict[str, Check] = request.app[HEALTH_CHECKS]
    for name, result in zip(checks, await asyncio.gather(*(check() for check in checks.values())), strict=True):
        channels[name] = result
    ok = database == "ok" and all(v == "ok" for v in channels.values())
    if not ok:
        log.warning("health: database %s, channels %s", database, channels)
    return web.json_response({"ok": ok, "database": database, "channels": channels}, status=200 if ok else 503)


def static_dir() -> Path:
    return Path(str(resources.files("bot.channels.web") / "static"))


def build_app(service: Service, settings: WebSettings, clock: Clock, checks: dict[str, Check] | None = None,
              pool: WorkerPool | None = None) -> web.Application:
    """`checks`: the other channels /healthz reports on (bot/channels/health.py); `pool`: worker processes
    for the interview (the product's; without one it runs in this process)."""
    app = web.Application(middlewares=[security.security_headers, security.error_pages, auth.session_middleware], client_max_size=MAX_BODY)
    state = WebState(service, settings, clock, pool)
    service.engine.invite_link = state.invite_link
    app[STATE] = state
    app[HEALTH_CHECKS] = checks or {}
    app.router.add_get("/healthz", healthz)
    app.router.add_static("/static/", static_dir(), show_index=False, follow_symlinks=False)
    auth.routes(app)
    api.routes(app)
    county.routes(app)
    accounts.routes(app)
    notices.routes(app)
    profile.routes(app)
    return app


def web_service(config: Config, clock: Clock | None = None) -> Service:
    return build_service(config, clock=clock)


async def serve(app: web.Application, settings: WebSettings) -> web.AppRunner:
    runner = web.AppRunner(app, access_log=None, shutdown_timeout=5)
    await runner.setup()
    await web.TCPSite(runner, settings.host, settings.port).start()
    return runner
