"""Whether each chat channel can be reached from this host, for GET /healthz (bot/channels/web/app.py).

A check answers "ok" or why not. Telegram's asks the Bot API (getMe) with the bot's token, at most once
every 30 s: a monitor polling /healthz often must not turn into a stream of calls to Telegram.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable

import aiohttp

from bot.core.config import Config

Check = Callable[[], Awaitable[str]]
REMEMBER = 30.0  # seconds a Telegram answer is reused


def telegram_check(config: Config) -> Check:
    base = config.api_base_url or "https://api.telegram.org/bot"  # PTB's convention: the token follows, or fills {token}
    url = (base.replace("{token}", config.token) if "{token}" in base else base + config.token) + "/getMe"
    last: list[tuple[float, str]] = []

    async def check() -> str:
        if last and time.monotonic() - last[0][0] < REMEMBER:
            return last[0][1]
        try:
            async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=5)) as session, \
                    session.get(url, proxy=config.proxy or None) as response:
                result = "ok" if response.status == 200 else f"HTTP {response.status}"
        except (TimeoutError, aiohttp.ClientError, OSError) as exc:
            result = f"unreachable: {type(exc).__name__}"
        last[:] = [(time.monotonic(), result)]
        return result

    return check


def channel_checks(config: Config) -> dict[str, Check]:
    """The checks of the channels this configuration runs besides the web page itself."""
    checks: dict[str, Check] = {}
    if config.token:
        checks["telegram"] = telegram_check(config)
    return checks
