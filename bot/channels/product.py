"""The product's process: the web page, the chat channels configured, and the runtime that owns the
periodic work (bot/channels/runtime.py), on one event loop.

`nianbao web` runs it with no chat channel: the web page, its inbox, e-mail when NIANBAO_SMTP_HOST is
set, and the reminder plans — the install a county runs on its intranet is complete by itself.
`nianbao run` adds Telegram (on this loop; its interview runs in worker processes) when a token is set,
and DingTalk (its Stream connection in a child process that ends with this one) when its id and secret
are. Either way the reminders are planned, released and sent from here.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
import multiprocessing
import os
import signal
import sys
from collections.abc import Callable
from typing import Any

from bot.channels.health import channel_checks
from bot.channels.runtime import INTERVAL, Runtime
from bot.channels.web.state import STATE, WebSettings
from bot.channels.wiring import build_service
from bot.channels.workers import WorkerPool, die_with_parent
from bot.core.config import EX_CONFIG, Config
from bot.reminders.schedule import Reminders
from bot.reminders.webinbox import WebInboxSender
from bot.reminders.workcalendar import CalendarFileError, WorkCalendar

log = logging.getLogger(__name__)


def runtime_for(config: Config, repo: Any, now: Callable[..., Any], link: str, interval: float | None = None) -> Runtime:
    """The runtime with the senders every install has: the web inbox, and e-mail when configured.
    Raises CalendarFileError for a wrong holiday file."""
    from bot.channels.email import EmailSender

    reminders = Reminders(repo, WorkCalendar.load(config.holidays_file), now)
    runtime = Runtime(reminders, [WebInboxSender()], interval=interval or INTERVAL)
    if config.smtp is not None:
        runtime.add_sender(EmailSender(config.smtp, link=link))
    return runtime


def run_product(config: Config, web: WebSettings, *, chat: bool, say: Callable[[str], Any] = print) -> int:
    """Serve until SIGTERM or SIGINT. `chat`: also the chat channels that are configured."""
    from bot.channels.dingtalk.settings import DingTalkSettings
    from bot.channels.web.app import build_app, serve

    clock = config.clock()
    service = build_service(config, clock=clock)
    dingtalk = DingTalkSettings.load() if chat else None
    telegram = chat and bool(config.token)
    # The interview in NIANBAO_WORKERS processes beside the web server (0: in this process's threads).
    pool = WorkerPool(config, web.public + "/join/", config.workers) if config.workers > 0 else None
    app = build_app(service, web, clock, channel_checks(config) if telegram else {}, pool)
    state = app[STATE]
    try:
        runtime = runtime_for(config, service.repo, clock.now, web.public + "/")
    except CalendarFileError as exc:
        print(f"节假日文件 {config.holidays_file} 有误：{exc}", file=sys.stderr)
        return EX_CONFIG

    async def main() -> int:
        stopping = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, stopping.set)
        runner = await serve(app, web)
        # Start-up's objects (modules, the format, SQLAlchemy's mappers) live as long as the process: out of the
        # collector's sight, a full collection scans only what serving made (as Telegram's worker does).
        gc.freeze()
        children: list[Any] = []
        closers: list[Callable[[], Any]] = [runner.cleanup]
        closers.append(lambda: asyncio.to_thread(state.chat.close))  # closed in reverse: just before the server
        if pool is not None:
            warming = asyncio.create_task(pool.warm())  # requests meanwhile wait for their worker
            closers.append(lambda: asyncio.to_thread(pool.shutdown))
            closers.append(lambda: _cancelled(warming))
        try:
            if telegram:
                status = await _start_telegram(config, clock, runtime, closers)
                if status is not None:
                    return status
            if dingtalk is not None:
                status = await _start_dingtalk(dingtalk, runtime, closers, children)
                if status is not None:
                    return status
            await runtime.start()
            say(f"年报助手网页版已启动：{web.public}/")
            link = state.setup_link()
            if link:
                say(f"首次使用：请在24小时内用浏览器打开以下一次性链接，设置管理员账号：\n{link}")
            while not stopping.is_set():  # a channel's child process that ends ends the product: its supervisor restarts it whole
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stopping.wait(), 1.0)
                ended = [c for c in children if not c.is_alive()]
                if ended:
                    log.error("the %s process ended (exit status %s); stopping", ended[0].name, ended[0].exitcode)
                    return ended[0].exitcode or 1
            return 0
        finally:
            await runtime.stop()
            for close in reversed(closers):
                with contextlib.suppress(Exception):
                    await close()
            for child in children:
                child.terminate()
                child.join(10)
            service.repo.dispose()

    return asyncio.run(main())


async def _cancelled(task: asyncio.Task[Any]) -> None:
    task.cancel()
    with contextlib.suppress(BaseException):
        await task


async def _start_telegram(config: Config, clock: Any, runtime: Runtime, closers: list[Callable[[], Any]]) -> int | None:
    """Telegram on this loop; its sender and its replay join the runtime. An exit status when it cannot start."""
    import aiohttp
    from telegram.error import InvalidToken, TelegramError

    from bot.channels.telegram import channel as telegram
    from bot.channels.telegram.sender import TelegramSender

    tg = telegram.build_application(config, clock=clock)
    try:
        await telegram.start(tg, config)
    except InvalidToken:
        log.error("Telegram拒绝了TELEGRAM_BOT_TOKEN，请检查令牌（可在@BotFather重新获取）。")
        return EX_CONFIG
    except (ValueError, aiohttp.InvalidURL) as exc:
        log.error("TELEGRAM_API_BASE_URL 或 TELEGRAM_PROXY 无效：%s", exc)
        return EX_CONFIG
    except TelegramError as exc:
        log.error("无法连接Telegram：%s", exc)
        return 1
    closers.append(lambda: telegram.stop(tg))
    runtime.add_sender(TelegramSender(tg.bot))
    runtime.at_start("replay", lambda: telegram.replay_kept(tg))
    return None


async def _start_dingtalk(settings: Any, runtime: Runtime, closers: list[Callable[[], Any]], children: list[Any]) -> int | None:
    """DingTalk's stream in a child process; its sender here. An exit status when its credentials are refused."""
    from bot.channels.dingtalk.api import OpenApi
    from bot.channels.dingtalk.run import check_credentials
    from bot.channels.dingtalk.sender import DingTalkSender

    api = OpenApi(settings)
    closers.append(api.close)
    if not await check_credentials(api):
        return EX_CONFIG
    runtime.add_sender(DingTalkSender(api))
    child = multiprocessing.get_context("spawn").Process(target=_dingtalk_child, args=(os.getpid(),), name="nianbao-dingtalk", daemon=True)
    child.start()
    children.append(child)
    return None


def _dingtalk_child(parent: int) -> None:
    from bot.channels.dingtalk.run import run_dingtalk
    from bot.channels.dingtalk.settings import DingTalkSettings
    from bot.core.logredact import configure_logging

    die_with_parent(parent)
    config, dingtalk = Config.load(), DingTalkSettings.load()
    assert dingtalk is not None
    configure_logging(config.secrets())
    sys.exit(run_dingtalk(config, dingtalk))
