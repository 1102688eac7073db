"""GET /healthz says whether the database and each channel can be reached: JSON, 200 or 503."""

from __future__ import annotations

import pytest
from conftest import free_port
from driver import make_service
from fakebotapi import FakeBotAPI
from sqlalchemy import create_engine
from webharness import Client, Server

from bot.channels.health import channel_checks
from bot.core.config import Config

pytestmark = pytest.mark.both_databases  # tests/conftest.py: SQLite and PostgreSQL


def health(service, checks) -> tuple[int, dict]:  # type: ignore[no-untyped-def]
    server = Server(service, checks=checks)
    try:
        response = Client(server.url).get("/healthz")
        return response.status, response.json()
    finally:
        server.stop()


def test_health_reports_the_database_and_telegram(tmp_path):
    service = make_service(tmp_path)
    with FakeBotAPI() as api:
        config = Config(token=api.token, api_base_url=api.base_url)
        status, body = health(service, channel_checks(config))
        assert (status, body) == (200, {"ok": True, "database": "ok", "channels": {"web": "ok", "telegram": "ok"}})
        assert api.calls["getMe"] == 1
    status, body = health(service, channel_checks(config))  # Telegram gone (a fresh check: answers are kept 30 s)
    assert status == 503 and body["database"] == "ok" and body["channels"]["telegram"].startswith("unreachable")
    assert body["ok"] is False


def test_health_is_503_when_the_database_cannot_be_reached(tmp_path):
    service = make_service(tmp_path)
    assert health(service, {})[0] == 200  # no channel besides the web page: only the database counts
    service.repo.engine.dispose()
    service.repo.engine = create_engine(f"postgresql+psycopg://nobody@127.0.0.1:{free_port()}/gone")  # the server went away
    status, body = health(service, {})
    assert (status, body) == (503, {"ok": False, "database": "unreachable", "channels": {"web": "ok"}})
