"""DingTalk notifications through the neutral outbox, in the real bot process: throttling, people who left,
and a SIGKILL midway — every reminder once at most, and none lost but those of the at-most-once instant."""

from __future__ import annotations

import contextlib
import sqlite3
import time
from collections import Counter
from datetime import UTC, datetime

from fakedingtalk import DingTalkProcess, FakeDingTalk

from storage.repository import Repository

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
    assert len(unknown) <= 8  # at most the sends in flight at the kill (the sender's concurrency)
    for who, state in states.items():
        assert state in ("sent", "blocked", "unknown"), (who, state)
        if state == "sent":
            assert received[who] == 1
    assert len(received) + 1 + sum(1 for who in unknown if who not in received) == n  # none lost beyond the instant
