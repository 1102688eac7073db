"""`nianbao web` and `nianbao user reset NAME`: the web page's start-up and the operator's reset link."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from typing import Any

from bot.core.config import EX_CONFIG, Config
from bot.core.logredact import configure_logging


def settings(args: argparse.Namespace, config: Config | None = None) -> Any:
    """The web page's address: the configuration's (bot/core/config.py), or --host / --port."""
    from bot.channels.web.state import WebSettings

    return WebSettings.from_config(config or Config.load(), getattr(args, "host", None), getattr(args, "port", None))


def run(args: argparse.Namespace, open_service: Callable[[Config], Any]) -> int:
    from bot.channels.product import run_product

    config = Config.load()
    configure_logging(config.secrets())  # the product's process logs for every channel: every secret masked
    for problem in config.problems:
        print(problem, file=sys.stderr)
    if config.problems or open_service(config) is None:  # the database is checked (and made private) before serving
        return EX_CONFIG
    web = settings(args, config)
    if not web.public.startswith(("http://", "https://")):
        print("NIANBAO_WEB_BASE_URL 应以 http:// 或 https:// 开头。", file=sys.stderr)
        return EX_CONFIG
    try:
        return run_product(config, web, chat=getattr(args, "chat", False), say=lambda text: print(text, flush=True))
    except OSError as exc:
        print(f"无法在 {web.host}:{web.port} 上监听：{exc.strerror}（端口被占用？用 --port 换一个）", file=sys.stderr)
        return EX_CONFIG


def reset(args: argparse.Namespace) -> int:
    from bot.storage import web_accounts as wa
    from bot.storage.repository import Repository

    config = Config.load()
    clock = config.clock()
    repo = Repository(config.database_url or None, data_dir=config.data_dir, now=clock.now, auto_upgrade=config.auto_upgrade)
    try:
        with repo.transaction() as store:
            account = wa.account_by_login(store, args.name)
            if account is None:
                print(f"没有登录名为“{args.name}”的网页账号。", file=sys.stderr)
                return 1
            token = wa.issue_token(store, "reset", clock.now(), account_id=account.id, days=1)
    finally:
        repo.dispose()
    print(f"“{args.name}”的一次性密码重置链接（24小时内有效，只能使用一次）：")
    print(f"{settings(args, config).public}/reset/{token}")
    return 0
