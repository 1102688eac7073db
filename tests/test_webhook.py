"""Telegram's webhook (TELEGRAM_WEBHOOK_URL): the fake Bot API posts each update to the bot's webhook server
with the secret token header, as Telegram does; a request without the right secret is refused and never
handled. The bot's own code path: build_application + webhook_options (bot/channels/telegram/channel.py)."""

from __future__ import annotations

import asyncio
import dataclasses
import json
import time
import urllib.error
import urllib.request
from typing import Any

import pytest
from conftest import free_port
from fakebotapi import FakeBotAPI
from telegram import Update
from tgharness import BotThread, TgClerk, config_for

from bot.channels.telegram.channel import webhook_options
from bot.channels.telegram.inbox import AnsweredQueue
from bot.core.config import Config
from bot.storage.repository import Repository

pytestmark = pytest.mark.both_databases  # tests/conftest.py: SQLite and PostgreSQL

SECRET = "s3cret-token_for-the-webhook"


class WebhookBot(BotThread):
    """The PTB application serving its webhook in a thread with its own event loop."""

    async def serve(self, app: Any) -> None:
        await app.updater.start_webhook(**webhook_options(self.config))


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

            # Answered 200 only once handled: when the POST returns, the reply has gone out already
            # (a process killed before that never answers, and Telegram delivers the update again).
            sent_before = len(api.sent)
            genuine = {"update_id": 999_100, "message": {"message_id": 2, "date": int(time.time()), "text": "/help",
                                                         "chat": {"id": 4242, "type": "private"},
                                                         "from": {"id": 4242, "is_bot": False, "first_name": "赵六"}}}
            assert post(url, genuine, SECRET) == 200
            assert [c for c in api.sent[sent_before:] if c.chat_id == 4242]
            assert post(url, genuine, SECRET) == 200  # delivered again: handled once, the question asked again


def test_the_webhook_queue_answers_once_the_update_is_handled(tmp_path):
    async def scenario() -> list[str]:
        queue = AnsweredQueue(Repository(None, data_dir=tmp_path))
        events: list[str] = []
        update = Update(update_id=7)

        async def deliver(name: str) -> None:
            await queue.put(update)
            events.append(f"{name} answered")

        first = asyncio.create_task(deliver("first"))
        queued = await asyncio.wait_for(queue.get(), 5)
        second = asyncio.create_task(deliver("again"))  # Telegram's retry while the first is handled
        await asyncio.sleep(0.05)
        events.append(f"queued {queued.update_id}, waiting {queue.qsize()}")
        await queue.handled(update)
        await asyncio.wait_for(asyncio.gather(first, second), 5)
        return events

    assert asyncio.run(scenario()) == ["queued 7, waiting 0", "first answered", "again answered"]


def test_a_webhook_needs_a_secret_and_an_address():
    config = Config(token="1:A", webhook_url="https://bot.example.gov.cn/tg", webhook_secret="short")
    assert any("TELEGRAM_WEBHOOK_SECRET" in p for p in config.url_problems())
    config = Config(token="1:A", webhook_url="ftp://x", webhook_secret=SECRET)
    assert any("TELEGRAM_WEBHOOK_URL" in p for p in config.url_problems())
    loaded = Config.load({"TELEGRAM_WEBHOOK_URL": "https://bot.example.gov.cn/tg/hook", "TELEGRAM_WEBHOOK_SECRET": SECRET,
                          "TELEGRAM_WEBHOOK_PORT": "9000"})
    options = webhook_options(loaded)
    assert (options["url_path"], options["port"], options["listen"], options["secret_token"]) == ("tg/hook", 9000, "127.0.0.1", SECRET)

