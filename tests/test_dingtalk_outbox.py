"""DingTalk notifications through the neutral outbox, in the real bot process: throttling, people who left,
and a SIGKILL midway — every reminder once at most, and none lost but those of the at-most-once instant."""

from __future__ import annotations

import contextlib
import sqlite3
import time
from collections import Counter
from datetime import UTC, datetime

from fakedingtalk import DingTalkProcess, FakeDingTalk

from bot.reminders.sender import OUTCOMES_BATCH
from bot.storage.repository import Repository

START = datetime(2026, 11, 23, 1, 0, tzinfo=UTC)  # 09:00 in Asia/Shanghai: the bot's clock starts there


def fill(data_dir, n: int) -> None:  # type: ignore[no-untyped-def]
    repo = Repository(data_dir=data_dir, now=lambda: START)
    with repo.transaction() as store:
        users = [store.user("dingtalk", f"staff{i:03}", f"第{i}人", chat_id=f"staff{i:03}") for i in range(n)]
        assert store.notify(users, "【年报提醒】还有20个工作日截止。", "reminder", not_before=START) == n
    repo.dispose()


def rows(data_dir) -> list[tuple[str, str]]:  # type: ignore[no-untyped-def]
    with contextlib.closing(sqlite3.connect(f"file:{data_dir / 'nianbao.sqlite3'}?mode=ro", uri=True, timeout=10)) as db:
        return list(db.execute("SELECT chat_id, state FROM delivery WHERE channel = 'dingtalk'"))


def cards(fake: FakeDingTalk) -> Counter[str]:
    with fake.lock:
        return Counter(s.user for s in fake.sent if s.kind == "card" and s.user.startswith("staff"))


def test_reminders_reach_dingtalk_once_across_a_kill(tmp_path):
    n = 80
    fill(tmp_path, n)
    with FakeDingTalk() as fake:
        fake.invalid_users.add("staff007")  # left the organisation
        fake.fail_next("/v1.0/im/v1.0/robot/interactiveCards/send", 3, 429, {"code": "Throttling", "message": "请求太频繁"}, {"Retry-After": "1"})
        bot = DingTalkProcess(fake, tmp_path, DINGTALK_RATE="20").start()
        deadline = time.monotonic() + 60
        while sum(cards(fake).values()) < n * 0.4:
            assert time.monotonic() < deadline, "the reminders did not start going out"
            time.sleep(0.05)
        bot.kill()  # SIGKILL, midway
        killed_at = sum(cards(fake).values())
        bot = DingTalkProcess(fake, tmp_path, DINGTALK_RATE="20").start()
        deadline = time.monotonic() + 90
        while any(state in ("pending", "sending") for _, state in rows(tmp_path)):
            assert time.monotonic() < deadline, Counter(state for _, state in rows(tmp_path))
            time.sleep(0.2)
        bot.stop()
        received = cards(fake)
    states = dict(rows(tmp_path))
    assert killed_at < n - 1 and max(received.values()) == 1  # killed midway, and nobody had one twice
    assert states["staff007"] == "blocked" and "staff007" not in received
    unknown = [who for who, state in states.items() if state == "unknown"]
    # At most what was in flight at the kill: a send under way in each of the 8 workers, and the sent messages
    # whose outcomes were not yet written (they are written OUTCOMES_BATCH at a time; the workers go on
    # sending while a batch is written). Never resent either way.
    assert len(unknown) <= OUTCOMES_BATCH + 2 * 8
    for who, state in states.items():
        assert state in ("sent", "blocked", "unknown"), (who, state)
        if state == "sent":
            assert received[who] == 1
    assert len(received) + 1 + sum(1 for who in unknown if who not in received) == n  # none lost beyond the instant


def test_each_dingtalk_answer_decides_what_becomes_of_a_notification(tmp_path):
    """503 and a refused connection: not taken, queued again after the backoff; 500: may have been
    processed, never repeated; a person DingTalk does not know: marked, like a Telegram 403."""
    import asyncio
    from datetime import timedelta

    from conftest import free_port

    from bot.channels.dingtalk.api import OpenApi
    from bot.channels.dingtalk.sender import DingTalkSender
    from bot.channels.dingtalk.settings import DingTalkSettings
    from bot.reminders.schedule import Reminders
    from bot.reminders.sender import ReminderSender
    from bot.reminders.workcalendar import WorkCalendar

    fill(tmp_path, 3)
    now = [START]
    repo = Repository(data_dir=tmp_path, now=lambda: now[0])
    reminders = Reminders(repo, WorkCalendar(), lambda: now[0])

    def send(base: str) -> tuple[int, DingTalkSender]:
        async def go() -> tuple[int, DingTalkSender]:
            api = OpenApi(DingTalkSettings("dingclient", "secret", api_base=base, oapi_base=base))
            sender = DingTalkSender(api, concurrency=1)  # one at a time: the answers below in order
            try:
                return await ReminderSender(reminders, senders=[sender]).send_pending(), sender
            finally:
                await api.close()

        return asyncio.run(go())

    sent, sender = send(f"http://127.0.0.1:{free_port()}")  # DingTalk unreachable
    assert sent == 0 and sender.outage_retries == 1 and Counter(s for _, s in rows(tmp_path)) == {"pending": 3}
    with FakeDingTalk() as fake:
        fake.invalid_users.add("staff002")
        now[0] += timedelta(seconds=10)
        fake.fail_next("/v1.0/im/v1.0/robot/interactiveCards/send", 1, 503, {"message": "Service Unavailable"})
        assert send(fake.base)[0] == 0  # the first one not taken: DingTalk sending pauses, the rest wait
        assert Counter(s for _, s in rows(tmp_path)) == {"pending": 3}
        now[0] += timedelta(seconds=10)
        fake.fail_next("/v1.0/im/v1.0/robot/interactiveCards/send", 1, 500, {"message": "Internal Error"})
        assert send(fake.base)[0] == 1
        assert dict(rows(tmp_path)) == {"staff000": "unknown", "staff001": "sent", "staff002": "blocked"}
        assert [s.user for s in fake.sent] == ["staff001"]
    with repo.transaction() as store:
        assert store.user("dingtalk", "staff002").blocked
    repo.dispose()
