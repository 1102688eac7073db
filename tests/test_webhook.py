"""Telegram's webhook (TELEGRAM_WEBHOOK_URL): the fake Bot API posts each update to the bot's webhook server
with the secret token header, as Telegram does; a request without the right secret is refused and never
handled. The bot's own code path: build_application + webhook_options (bot/channels/telegram.py)."""

from __future__ import annotations

import asyncio
import dataclasses
import json
import threading
import time
import urllib.error
import urllib.request

import pytest
from conftest import free_port
from fakebotapi import FakeBotAPI
from tgharness import RUNNING, TgClerk, config_for

from bot.channels.telegram import build_application, webhook_options
from bot.config import Config

pytestmark = pytest.mark.both_databases  # tests/conftest.py: SQLite and PostgreSQL

SECRET = "s3cret-token_for-the-webhook"


class WebhookBot:
    """The PTB application serving its webhook in a thread with its own event loop."""

    def __init__(self, config: Config):
        self.config = config
        self.ready = threading.Event()
        self.stopping: asyncio.Event | None = None
        self.loop: asyncio.AbstractEventLoop | None = None
        self.error: BaseException | None = None
        self.thread = threading.Thread(target=lambda: asyncio.run(self._main()), daemon=True)

    async def _main(self) -> None:
        try:
            app = build_application(self.config)
            self.loop, self.stopping = asyncio.get_running_loop(), asyncio.Event()
            async with app:
                await app.start()
                await app.updater.start_webhook(**webhook_options(self.config))  # type: ignore[union-attr]
                self.ready.set()
                await self.stopping.wait()
                await app.updater.stop()  # type: ignore[union-attr]
                await app.stop()
                await app.bot_data["shutdown_workers"](app)
        except BaseException as exc:
            self.error = exc
            self.ready.set()

    def __enter__(self) -> WebhookBot:
        RUNNING.append(self.config)
        self.thread.start()
        assert self.ready.wait(30), "the webhook server did not start"
        if self.error:
            raise self.error
        return self

    def __exit__(self, *exc: object) -> None:
        RUNNING.remove(self.config)
        if self.loop and self.stopping:
            self.loop.call_soon_threadsafe(self.stopping.set)
        self.thread.join(20)


def post(url: str, update: dict, secret: str | None) -> int:
    headers = {"Content-Type": "application/json"} | ({"X-Telegram-Bot-Api-Secret-Token": secret} if secret is not None else {})
    request = urllib.request.Request(url, data=json.dumps(update).encode(), method="POST", headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status
    except urllib.error.HTTPError as exc:
        return exc.code


def test_updates_arrive_by_webhook_with_the_secret_and_forged_ones_are_refused(tmp_path):
    port = free_port()
    with FakeBotAPI() as api:
        url = f"http://127.0.0.1:{port}/telegram/hook"
        config = dataclasses.replace(config_for(api, tmp_path), webhook_url=url, webhook_secret=SECRET, webhook_port=port)
        assert config.url_problems() == []
        with WebhookBot(config):
            clerk = TgClerk(api, 4242, name="赵六")
            replies = clerk.say("/start")
            assert replies and "年报" in clerk.last_text()
            assert api.webhook_posts[api.last_update_id] == 1  # delivered once, answered 200
            assert api.calls["getUpdates"] == 0  # no polling while the webhook is set

            forged = {"update_id": 999_001, "message": {"message_id": 1, "date": int(time.time()), "text": "/start",
                                                        "chat": {"id": 5151, "type": "private"},
                                                        "from": {"id": 5151, "is_bot": False, "first_name": "冒充"}}}
            assert post(url, forged, "wrong-secret-wrong-secret") == 403
            assert post(url, forged, None) == 403
            clerk.say("/help")  # handled after the forged ones were posted: they would have been by now
            assert not [c for c in api.sent if c.chat_id == 5151]


def test_a_webhook_needs_a_secret_and_an_address():
    config = Config(token="1:A", webhook_url="https://bot.example.gov.cn/tg", webhook_secret="short")
    assert any("TELEGRAM_WEBHOOK_SECRET" in p for p in config.url_problems())
    config = Config(token="1:A", webhook_url="ftp://x", webhook_secret=SECRET)
    assert any("TELEGRAM_WEBHOOK_URL" in p for p in config.url_problems())
    loaded = Config.load({"TELEGRAM_WEBHOOK_URL": "https://bot.example.gov.cn/tg/hook", "TELEGRAM_WEBHOOK_SECRET": SECRET,
                          "TELEGRAM_WEBHOOK_PORT": "9000"})
    options = webhook_options(loaded)
    assert (options["url_path"], options["port"], options["listen"], options["secret_token"]) == ("tg/hook", 9000, "127.0.0.1", SECRET)
