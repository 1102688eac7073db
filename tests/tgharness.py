"""The real bot (PTB Application, long polling) against the fake Bot API, and clerks who talk to it."""

from __future__ import annotations

import asyncio
import contextlib
import os
import sqlite3
import subprocess
import sys
import threading
import time
from datetime import datetime
from pathlib import Path
from typing import Any

from conftest import ROOT, free_port
from fakebotapi import FakeBotAPI, SentCall
from pgserver import current_url
from telegram import Update

from bot.channels.product import runtime_for
from bot.channels.telegram.channel import build_application, replay_kept
from bot.channels.telegram.sender import TelegramSender
from bot.channels.wiring import build_service
from bot.core.config import Config

TOKEN = "123:ABC"
START = datetime(2026, 11, 23, 9, 0)  # the bot's clock starts here in every end-to-end test, whatever today is


def config_for(api: FakeBotAPI, data_dir: Path) -> Config:
    return Config(token=TOKEN, api_base_url=api.base_url, api_file_url=api.base_file_url, data_dir=data_dir, clock_start=START,
                  database_url=current_url())


# The data folders of the bots running now: a clerk's input has been handled once Telegram was told it
# arrived and it has left the bot's inbox (bot/storage/inbox.py), which happens when its handling ends.
RUNNING: list[Config] = []


def handled(update_id: int) -> bool:
    for config in RUNNING:
        if config.database_url:
            import psycopg

            with psycopg.connect(config.database_url.replace("postgresql+psycopg://", "postgresql://")) as pg:
                if pg.execute("SELECT 1 FROM inbox_update WHERE channel = 'telegram' AND update_id = %s", (update_id,)).fetchone():
                    return False
            continue
        with contextlib.closing(sqlite3.connect(f"file:{config.data_dir / 'nianbao.sqlite3'}?mode=ro", uri=True, timeout=5)) as db:
            if db.execute("SELECT 1 FROM inbox_update WHERE channel = 'telegram' AND update_id = ?", (update_id,)).fetchone():
                return False
    return True


class BotThread:
    """The PTB application polling in a thread of its own, with its own event loop."""

    def __init__(self, config: Config, **options: object):
        self.config = config
        self.options = options
        self.ready = threading.Event()
        self.stopping: asyncio.Event | None = None
        self.loop: asyncio.AbstractEventLoop | None = None
        self.thread = threading.Thread(target=lambda: asyncio.run(self._main()), daemon=True)
        self.error: BaseException | None = None

    async def _main(self) -> None:
        """The adapter and, as the product runs them beside it, the runtime's jobs: notifications sent
        through this bot every `reminder_interval` seconds, the kept updates replayed at start."""
        try:
            options = dict(self.options)
            interval = float(options.pop("reminder_interval", 5.0))  # type: ignore[arg-type]
            app = build_application(self.config, **options)  # type: ignore[arg-type]
            self.loop = asyncio.get_running_loop()
            self.stopping = asyncio.Event()
            async with app:
                await app.start()
                await self.serve(app)
                clock = options.get("clock") or self.config.clock()
                runtime = runtime_for(self.config, build_service(self.config, clock=clock).repo, clock.now, "", interval)  # type: ignore[union-attr]
                runtime.add_sender(TelegramSender(app.bot))
                runtime.at_start("replay", lambda: replay_kept(app))
                await runtime.start()
                self.ready.set()
                await self.stopping.wait()
                await runtime.stop()
                await app.updater.stop()  # type: ignore[union-attr]
                await app.stop()
                await app.bot_data["shutdown_workers"](app)
        except BaseException as exc:
            self.error = exc
            self.ready.set()

    async def serve(self, app: Any) -> None:
        """How updates reach the application: long polling (a subclass may serve a webhook instead)."""
        await app.updater.start_polling(poll_interval=0, timeout=1, allowed_updates=Update.ALL_TYPES)

    def __enter__(self) -> BotThread:
        RUNNING.append(self.config)
        self.thread.start()
        assert self.ready.wait(20), "the bot did not start"
        if self.error:
            raise self.error
        return self

    def __exit__(self, *exc: object) -> None:
        RUNNING.remove(self.config)
        if self.loop and self.stopping:
            self.loop.call_soon_threadsafe(self.stopping.set)
        self.thread.join(20)


class BotProcess:
    """`python -m bot run` as a separate process, so that it can be killed with SIGKILL."""

    def __init__(self, api: FakeBotAPI, data_dir: Path):
        self.env = dict(
            os.environ,
            PYTHONPATH=str(ROOT),
            TELEGRAM_BOT_TOKEN=TOKEN,
            TELEGRAM_API_BASE_URL=api.base_url,
            TELEGRAM_API_FILE_URL=api.base_file_url,
            NIANBAO_DATA_DIR=str(data_dir),
            NIANBAO_CLOCK=START.isoformat(),
            NIANBAO_WEB_PORT=str(free_port()),  # `nianbao run` serves the web page beside Telegram
            DATABASE_URL=current_url(),
        )
        self.api = api
        self.proc: subprocess.Popen[bytes] | None = None
        self.log = data_dir / "bot.log"  # a file, not a pipe: a full pipe would block the bot

    def start(self) -> BotProcess:
        """Started once it polls Telegram."""
        return self._launch("getUpdates", "the bot process did not start polling", 30)

    def start_webhook(self, url: str, port: int, secret: str) -> BotProcess:
        """Serving Telegram's webhook on `port` (the fake API as the reverse proxy), started once it has told
        the fake API its webhook."""
        self.env.update(DATABASE_URL=url, TELEGRAM_WEBHOOK_URL="http://127.0.0.1:1/tg", TELEGRAM_WEBHOOK_SECRET=secret,
                        TELEGRAM_WEBHOOK_PORT=str(port))
        return self._launch("setWebhook", "the bot process did not set its webhook", 60)

    def _launch(self, call: str, failure: str, seconds: float) -> BotProcess:
        before = self.api.calls[call]
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "bot", "run"], env=self.env, cwd=str(ROOT),
            stdout=subprocess.DEVNULL, stderr=self.log.open("ab"),
        )
        deadline = time.monotonic() + seconds
        while self.api.calls[call] <= before:
            assert self.proc.poll() is None, self.log.read_text(errors="replace")
            assert time.monotonic() < deadline, failure
            time.sleep(0.05)
        return self

    def kill(self) -> None:
        assert self.proc is not None
        self.proc.kill()  # SIGKILL: no cleanup, no flush
        self.proc.wait(10)

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                self.proc.kill()


class TgClerk:
    """A Telegram user: sends messages, taps buttons, uploads files; counts every action."""

    def __init__(self, api: FakeBotAPI, user_id: int, name: str = "张三"):
        self.api = api
        self.user_id = user_id
        self.name = name
        self.actions = 0
        self.mark = 0

    def _wait(self, before: int, timeout: float = 20.0) -> list[SentCall]:
        """Everything the bot sent to this chat after `before`: once the input was handled when the bot
        runs in this test's process, else once the bot has gone quiet."""
        if RUNNING:
            update_id = self.api.last_update_id
            deadline = time.monotonic() + timeout
            while not (self.api.confirmed(update_id) and handled(update_id)):
                assert time.monotonic() < deadline, f"update {update_id} not handled within {timeout}s"
                time.sleep(0.01)
            self.mark = before
            return [c for c in self.api.sent[before:] if c.chat_id == self.user_id]
        self.api.wait_for(lambda c: c.chat_id == self.user_id, timeout=timeout, since=before)
        quiet_since = time.monotonic()
        seen = len(self.api.sent)
        deadline = time.monotonic() + timeout
        while time.monotonic() - quiet_since < 0.2 and time.monotonic() < deadline:
            time.sleep(0.03)
            if len(self.api.sent) != seen:
                seen = len(self.api.sent)
                quiet_since = time.monotonic()
        new = [c for c in self.api.sent[before:] if c.chat_id == self.user_id]
        self.mark = before
        return new

    def say(self, text: str) -> list[SentCall]:
        before = len(self.api.sent)
        self.actions += 1
        self.api.send_text(self.user_id, text, first_name=self.name)
        return self._wait(before)

    def edit(self, message_id: int, text: str) -> list[SentCall]:
        """Change the text of a message this user sent (Telegram's edited_message)."""
        before = len(self.api.sent)
        self.actions += 1
        self.api.edit_text(self.user_id, message_id, text, first_name=self.name)
        return self._wait(before)

    def sent_ids(self) -> list[int]:
        """The ids of the messages this user sent, oldest first."""
        return self.api.user_message_ids(self.user_id)

    def send_only(self, text: str) -> None:
        self.actions += 1
        self.api.send_text(self.user_id, text, first_name=self.name)

    def upload(self, filename: str, data: bytes) -> list[SentCall]:
        before = len(self.api.sent)
        self.actions += 1
        self.api.send_document(self.user_id, filename, data, first_name=self.name)
        return self._wait(before)

    def find_button(self, label: str) -> tuple[int, str]:
        for call in reversed(self.api.messages_to(self.user_id)):
            for text, data in call.buttons:
                if text == label and data:
                    return call.message_id, data  # type: ignore[return-value]
        raise AssertionError(f"no button {label!r}; last: {self.last_text()!r}")

    def tap(self, label: str) -> list[SentCall]:
        message_id, data = self.find_button(label)
        before = len(self.api.sent)
        self.actions += 1
        self.api.press_button(self.user_id, message_id, data, first_name=self.name)
        return self._wait(before)

    def last_text(self) -> str:
        msgs = [c for c in self.api.sent[self.mark:] if c.chat_id == self.user_id and c.method in ("sendMessage", "sendDocument")]
        return "\n".join((c.text or c.caption or "") for c in msgs)

    def last_document(self, suffix: str = "") -> SentCall | None:
        """The last file sent for the last action (with `suffix`: the last of that kind); the PDF the bot
        sends beside a .docx counts only when asked for by its suffix."""
        docs = [c for c in self.api.sent[self.mark:] if c.chat_id == self.user_id and c.method == "sendDocument"]
        docs = [c for c in docs if (c.filename or "").endswith(suffix)] if suffix else [c for c in docs if not (c.filename or "").endswith(".pdf")]
        return docs[-1] if docs else None

    def last_pictures(self) -> list[SentCall]:
        """The pictures (albums and single photos) sent for the last action, in order."""
        return [c for c in self.api.sent[self.mark:] if c.chat_id == self.user_id and c.method in ("sendMediaGroup", "sendPhoto")]


def service_for(data_dir: Path):  # type: ignore[no-untyped-def]
    """A second handle on the bot's database, for assertions."""
    return build_service(Config(data_dir=data_dir, clock_start=START, database_url=current_url()))
