"""The channel-neutral outbox: each person is reached on their channel, each channel's sender works on
its own, and several sender processes on one database never send a message twice (SQLite and PostgreSQL)."""

from __future__ import annotations

import asyncio
import os
import threading
import time
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from pgserver import database, server
from sqlmodel import select

from bot.reminders.channel import ChannelSender, RateLimiter
from bot.reminders.schedule import Reminders
from bot.reminders.sender import ReminderSender
from bot.reminders.webinbox import WebInboxSender
from bot.reminders.workcalendar import WorkCalendar
from bot.storage.models import Delivery
from bot.storage.repository import Repository

NOW = datetime(2026, 11, 23, 1, 0, tzinfo=UTC)


class Recording(ChannelSender):
    """A channel that takes every message, a few milliseconds each, and remembers them (shared across senders)."""

    def __init__(self, channel: str, log: list[tuple[str, str]], lock: threading.Lock, delay: float = 0.0):
        super().__init__(RateLimiter(per_second=10_000, per_chat_interval=0.0), concurrency=2)
        self.channel, self.log, self.lock, self.delay = channel, log, lock, delay

    async def send(self, address: str, text: str, kind: str) -> tuple[str, float]:
        await asyncio.sleep(self.delay)
        with self.lock:
            self.log.append((self.channel, address))
        return "sent", 0.0


def people(repo: Repository, n: int, channel: str) -> None:
    with repo.transaction() as store:
        users = [store.user(channel, f"{channel}{i}", chat_id=f"{channel}{i}" if channel != "web" else "") for i in range(n)]
        store.notify(users, "【年报提醒】请尽快完成。", "reminder")


def states(repo: Repository) -> Counter[str]:
    with repo.transaction() as store:
        return Counter(d.state for d in store.session.exec(select(Delivery)).all())


def test_each_person_is_reached_on_their_channel(tmp_path):
    repo = Repository(data_dir=tmp_path, now=lambda: NOW)
    with repo.transaction() as store:
        web = store.user("web", "a1b2c3", "王五")
        ding = store.user("dingtalk", "staff7", "赵六", chat_id="staff7")
        tele = store.user("telegram", "42", "张三", chat_id="42")
        terminal = store.user("terminal", "root")
        assert store.notify([web, ding, tele, terminal], "【审核通过】", "review") == 3
        rows = {d.user_id: (d.channel, d.chat_id) for d in store.session.exec(select(Delivery)).all()}
        assert rows == {web.id: ("web", "a1b2c3"), ding.id: ("dingtalk", "staff7"), tele.id: ("telegram", "42")}
    log: list[tuple[str, str]] = []
    lock = threading.Lock()
    reminders = Reminders(repo, WorkCalendar(), lambda: NOW)
    sender = ReminderSender(reminders, senders=[Recording("dingtalk", log, lock), WebInboxSender()])
    assert asyncio.run(sender.send_pending()) == 2  # Telegram has no sender here: its message waits
    assert log == [("dingtalk", "staff7")]
    with repo.transaction() as store:
        (note,) = store.inbox(store.user("web", "a1b2c3"), NOW)
        assert note.text == "【审核通过】" and note.state == "sent"
        assert store.inbox(store.user("web", "a1b2c3"), NOW - timedelta(hours=1)) == []  # not yet due then
    assert states(repo) == Counter({"sent": 2, "pending": 1})


def test_an_outage_of_one_channel_does_not_hold_back_another(tmp_path):
    repo = Repository(data_dir=tmp_path, now=lambda: NOW)
    people(repo, 3, "telegram")
    people(repo, 3, "dingtalk")
    log: list[tuple[str, str]] = []
    lock = threading.Lock()
    telegram, dingtalk = Recording("telegram", log, lock), Recording("dingtalk", log, lock)
    telegram.unreachable("connection refused")  # Telegram paused for its backoff
    reminders = Reminders(repo, WorkCalendar(), lambda: NOW)
    assert asyncio.run(ReminderSender(reminders, senders=[telegram, dingtalk]).send_pending()) == 3
    assert sorted(c for c, _ in log) == ["dingtalk"] * 3
    assert states(repo) == Counter({"sent": 3, "pending": 3})


@pytest.fixture(params=["sqlite", "postgresql"])
def url(request, tmp_path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'nianbao.sqlite3'}"
        return
    pytest.importorskip("psycopg", reason="needs psycopg (the postgresql extra)")
    with server() as base:
        if base is None:
            if os.environ.get("CI", "").lower() in ("true", "1", "yes"):
                pytest.fail("CI must have a PostgreSQL server")
            pytest.skip("needs PostgreSQL: Debian's postgresql package, or NIANBAO_TEST_POSTGRES_URL")
        with database(base) as pg:
            yield pg


def test_several_sender_processes_share_the_work_and_never_send_twice(url, tmp_path):
    n = 300
    Repository(url, data_dir=tmp_path, now=lambda: NOW).dispose()
    repo = Repository(url, data_dir=tmp_path, now=lambda: NOW)
    people(repo, n, "dingtalk")
    log: list[tuple[str, str]] = []
    lock = threading.Lock()
    start = threading.Barrier(3)
    per_sender: list[int] = []

    def one_process() -> None:
        own = Repository(url, data_dir=tmp_path, now=lambda: NOW)  # a connection pool of its own, as a process has
        sender = ReminderSender(Reminders(own, WorkCalendar(), lambda: NOW), senders=[Recording("dingtalk", log, lock, delay=0.003)])

        async def drain() -> int:
            total = 0
            while (batch := await sender.send_pending(batch=25)) or total == 0:
                total += batch
                if not batch:
                    await asyncio.sleep(0.01)
                if time.monotonic() - began > 60:
                    break
            return total

        start.wait()
        began = time.monotonic()
        per_sender.append(asyncio.run(drain()))
        own.dispose()

    threads = [threading.Thread(target=one_process) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    counts = Counter(address for _, address in log)
    assert len(counts) == n and max(counts.values()) == 1  # every one once, none twice
    assert states(repo) == Counter({"sent": n})
    assert sum(per_sender) == n and all(share > 0 for share in per_sender), per_sender  # the leases spread the work
    repo.dispose()


def test_a_web_person_finds_their_notifications_in_the_page(tmp_path):
    from driver import make_service
    from webharness import Server, build_world

    server = Server(make_service(tmp_path))
    try:
        world = build_world(server)
        text = "\n".join(m["text"] for m in world.coordinator.say("/nudge"))
        assert "已提醒2个落后单位" in text, text
        shown = [m for m in world.clerk.messages() if "政务公开办提醒" in m["text"]]
        assert len(shown) == 1 and shown[0]["from"] == "bot" and shown[0]["note"]
        assert [m for m in world.clerk.messages() if "政务公开办提醒" in m["text"]] == shown  # once, not again at each look
        assert not [m for m in world.far_coordinator.messages() if "政务公开办提醒" in m["text"]]
    finally:
        server.stop()


def test_linked_accounts_are_reached_on_the_channel_used_last_or_on_all(tmp_path):
    import re

    from driver import make_service

    from bot.interview.types import Input

    service = make_service(tmp_path)

    def say(channel: str, who: str, text: str) -> str:
        outcome = service.handle(channel, who, Input.parse_text(text), "孙七", who if channel != "web" else "")
        return "\n".join(r.text for r in outcome.replies)

    say("web", "w1", "/start")
    say("web", "w1", "次营镇人民政府")  # the web account now has a unit and a report
    code = re.search(r"NB-[A-Z0-9]{4}-[A-Z0-9]{4}", say("dingtalk", "d1", "/link")).group(0)  # type: ignore[union-attr]
    assert "已关联" in say("web", "w1", f"/link {code}")  # asked on DingTalk, typed on the web: the web account keeps its unit

    def targets() -> list[str]:
        with service.repo.transaction() as store:
            person = store.user("web", "w1")
            assert store.user("dingtalk", "d1").id == person.id  # one person
            store.notify([person], "通知", "review")
            rows = store.session.exec(select(Delivery).order_by(Delivery.id.desc())).all()  # type: ignore[union-attr]
            count = 2 if person.notify_all else 1
            return sorted(d.channel for d in rows[:count])

    assert targets() == ["web"]  # both wrote at the same instant: the account kept wins the tie
    with service.repo.transaction() as store:  # DingTalk used a while later
        store.seen(store.identity("dingtalk", "d1"), 0, service.repo.now() + timedelta(minutes=5))  # type: ignore[arg-type]
    assert targets() == ["dingtalk"]
    assert "所有渠道" in say("dingtalk", "d1", "/link 全部")
    assert targets() == ["dingtalk", "web"]
