"""A Telegram outage delays messages, it does not lose them: what certainly did not reach the Bot API
(connection refused, 502/503) is sent again later, exactly once; what may have reached it is not."""

from __future__ import annotations

import asyncio
import contextlib
from datetime import date, timedelta

import pytest
from conftest import free_port
from fakebotapi import FakeBotAPI
from telegram import Bot
from telegram.error import NetworkError
from test_reminders import at, deliveries, setup, telegram_outbox  # noqa: F401 - `setup` is the fixture used below

from bot.channels.aiohttp_request import AiohttpRequest
from bot.reminders.sender import ReminderSender

pytestmark = pytest.mark.both_databases  # tests/conftest.py: SQLite and PostgreSQL


async def send(base_url: str, reminders) -> tuple[int, ReminderSender]:  # type: ignore[no-untyped-def]
    """One round of sending, then a second one within the backoff."""
    bot = Bot("123:ABC", base_url=base_url, request=AiohttpRequest(connection_pool_size=8))
    sender = telegram_outbox(reminders, bot)
    with contextlib.suppress(NetworkError):  # Telegram unreachable: the request objects are ready all the same
        await bot.initialize()
    try:
        sent = await sender.send_pending()
        again = await sender.send_pending()  # within the backoff: nothing is attempted
    finally:
        await bot.shutdown()
    return sent + again, sender


def test_refused_connections_and_502_are_retried_and_sent_once(setup):  # noqa: F811
    service, clerk, reminders, clock = setup
    reminders.refresh_plans()
    clock.t = at(date(2024, 12, 27))
    reminders.release_due()

    # Telegram unreachable: the message goes back to the queue, not to "unknown"
    sent, sender = asyncio.run(send(f"http://127.0.0.1:{free_port()}/bot", reminders))
    (row,) = deliveries(service)
    assert sent == 0 and row.state == "pending" and row.attempts == 1 and sender.outage_retries == 1
    assert row.not_before.replace(tzinfo=clock.t.tzinfo) > clock.t  # held back by the backoff

    with FakeBotAPI(token="123:ABC") as api:
        clock.t += timedelta(seconds=10)
        api.fail_next("sendMessage", 1, error_code=502, description="Bad Gateway")
        sent, _ = asyncio.run(send(api.base_url, reminders))
        (row,) = deliveries(service)
        assert sent == 0 and row.state == "pending" and row.attempts == 2
        assert api.messages_to(42) == []

        clock.t += timedelta(seconds=10)
        sent, _ = asyncio.run(send(api.base_url, reminders))
        (row,) = deliveries(service)
        assert sent == 1 and row.state == "sent" and row.attempts == 3
        assert len(api.messages_to(42)) == 1


def test_a_500_may_have_been_processed_and_is_not_sent_again(setup):  # noqa: F811
    service, clerk, reminders, clock = setup
    reminders.refresh_plans()
    clock.t = at(date(2024, 12, 27))
    reminders.release_due()
    with FakeBotAPI(token="123:ABC") as api:
        api.fail_next("sendMessage", 1, error_code=500, description="Internal Server Error")
        sent, _ = asyncio.run(send(api.base_url, reminders))
        clock.t += timedelta(minutes=10)
        sent_later, _ = asyncio.run(send(api.base_url, reminders))
    (row,) = deliveries(service)
    assert sent == sent_later == 0 and row.state == "unknown"


def test_an_interactive_reply_waits_out_a_429(tmp_path):
    from tgharness import BotThread, TgClerk, config_for

    with FakeBotAPI(token="123:ABC") as api, BotThread(config_for(api, tmp_path)):
        api.fail_next("sendMessage", 1, error_code=429, retry_after=1)
        clerk = TgClerk(api, 950)
        clerk.say("/start")
        assert "请输入本单位的正式名称" in clerk.last_text()  # the reply came after the wait, not dropped
        assert api.calls["sendMessage"] >= 2
