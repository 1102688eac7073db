"""Reminder fan-out through the channel-neutral outbox: Telegram and DingTalk recipients mixed, with
throttling on both and a SIGKILL midway.

The database is filled with N people, half on Telegram and half on DingTalk (`--dingtalk-share`), each
with one pending reminder. The real `python -m bot run` sends them: the Telegram process (fake Bot API)
and its DingTalk child process (fake DingTalk, the real Stream SDK), each channel within its own limit.
Every 3 seconds each fake answers the next 5 sends with 429 (retry after 1 s); after 40 % the bot is
killed with SIGKILL (its DingTalk child dies with it) and started again. Prints, per channel: delivered,
duplicates (must be 0), lost (must be 0 beyond the at-most-once instant), and the sustained rate against
the configured one.

With --no-throttle the fakes never answer 429: each channel's rate is then measured against its limit.

Run: .venv/bin/python bench/reminder_fanout.py [--reminders 10000] [--dingtalk-share 0.5] [--no-throttle]
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import threading
import time
from collections import Counter
from datetime import UTC, date
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

from fakebotapi import FakeBotAPI  # noqa: E402
from fakedingtalk import FakeDingTalk  # noqa: E402
from sqlalchemy import insert, select  # noqa: E402
from tgharness import START, TOKEN, BotProcess  # noqa: E402

from storage.models import Delivery, Member, Reminder, ReportRecord, Unit, User  # noqa: E402
from storage.repository import Repository  # noqa: E402

FIRST_CHAT = 100_000
LIMITS = {"telegram": 25.0, "dingtalk": 20.0}


def address(i: int, channel: str) -> str:
    return str(FIRST_CHAT + i) if channel == "telegram" else f"staff{FIRST_CHAT + i}"


def fill(data_dir: Path, channels: list[str]) -> None:
    """N users, units, final reports (so no plans are made) and one released reminder with a pending delivery each."""
    repo = Repository(data_dir=data_dir)
    now = START.replace(tzinfo=ZoneInfo("Asia/Shanghai")).astimezone(UTC)  # the bot's clock starts here (tgharness)
    n = len(channels)
    with repo.engine.begin() as conn:
        conn.execute(insert(User.__table__), [
            {"id": i + 1, "channel": c, "external_id": address(i, c), "display_name": "", "chat_id": address(i, c),
             "reminders_on": True, "blocked": False, "created_at": now, "last_seq": 0, "notify_all": False} for i, c in enumerate(channels)])
        conn.execute(insert(Unit.__table__), [
            {"id": i + 1, "name": f"测试{i}镇人民政府", "level": "township", "province": "", "city": "", "county": "", "created_at": now}
            for i in range(n)])
        conn.execute(insert(Member.__table__), [
            {"user_id": i + 1, "unit_id": i + 1, "role": "owner", "created_at": now} for i in range(n)])
        conn.execute(insert(ReportRecord.__table__), [
            {"id": i + 1, "unit_id": i + 1, "year": 2026, "profile": "national", "status": "final", "source": "interview",
             "created_at": now, "updated_at": now} for i in range(n)])
        conn.execute(insert(Reminder.__table__), [
            {"id": i + 1, "report_id": i + 1, "kind": "before-30", "due_at": now, "target": date(2027, 1, 29),
             "state": "released", "reason": ""} for i in range(n)])
        conn.execute(insert(Delivery.__table__), [
            {"id": i + 1, "reminder_id": i + 1, "user_id": i + 1, "channel": c, "chat_id": address(i, c),
             "text": f"【年报提醒】测试{i}镇人民政府2026年度报告：还有20个工作日截止。", "state": "pending",
             "not_before": now, "attempts": 0} for i, c in enumerate(channels)])
    repo.dispose()


def received(api: FakeBotAPI, ding: FakeDingTalk) -> dict[str, Counter[str]]:
    with ding.lock:
        cards = Counter(s.user for s in ding.sent if s.kind == "card" and s.user.startswith("staff"))
    return {"telegram": Counter(str(c.chat_id) for c in api.sent if c.method == "sendMessage" and c.chat_id >= FIRST_CHAT),
            "dingtalk": cards}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--reminders", type=int, default=10_000)
    parser.add_argument("--dingtalk-share", type=float, default=0.5)
    parser.add_argument("--no-throttle", action="store_true", help="no 429 answers: measures each channel against its own limit")
    args = parser.parse_args()
    n = args.reminders
    channels = ["dingtalk" if (i * args.dingtalk_share) % 1 + args.dingtalk_share >= 1 else "telegram" for i in range(n)]
    want = Counter(channels)
    with tempfile.TemporaryDirectory() as tmp, FakeBotAPI(token=TOKEN, long_poll_cap=0.5) as api, FakeDingTalk() as ding:
        data = Path(tmp)
        fill(data, channels)
        os.environ.update(DINGTALK_CLIENT_ID=ding.client_id, DINGTALK_CLIENT_SECRET=ding.client_secret, DINGTALK_API_BASE=ding.base,
                          DINGTALK_OAPI_BASE=ding.base, DINGTALK_RATE=str(LIMITS["dingtalk"]))
        stop = threading.Event()
        samples: list[tuple[float, int, int]] = []

        def sample() -> None:
            """Every 0.2 s the counts; every 3 s each channel answers its next 5 sends with 429 (retry after 1 s)."""
            tick = 0
            while not stop.wait(0.2):
                got = received(api, ding)
                samples.append((time.monotonic(), sum(got["telegram"].values()), sum(got["dingtalk"].values())))
                tick += 1
                if tick % 15 == 0 and not args.no_throttle:
                    if want["telegram"] - len(got["telegram"]) > 50:
                        api.fail_next("sendMessage", 5, error_code=429, retry_after=1)
                    if want["dingtalk"] - len(got["dingtalk"]) > 50:
                        ding.fail_next("/v1.0/im/v1.0/robot/interactiveCards/send", 5, 429, {"code": "Throttling"}, {"Retry-After": "1"})

        threading.Thread(target=sample, daemon=True).start()
        bot = BotProcess(api, data).start()
        while sum(sum(c.values()) for c in received(api, ding).values()) < n * 0.4:
            time.sleep(0.2)
        bot.kill()
        killed_at, down_from = {k: sum(c.values()) for k, c in received(api, ding).items()}, time.monotonic()
        connections = ding.connections
        bot = BotProcess(api, data).start()
        while ding.connections <= connections:
            time.sleep(0.05)
        downtime = time.monotonic() - down_from
        repo = Repository(data_dir=data)
        deadline = time.monotonic() + 3600
        while time.monotonic() < deadline:
            with repo.engine.connect() as conn:
                left = conn.execute(select(Delivery.id).where(Delivery.state.in_(["pending", "sending"])).limit(1)).first()  # type: ignore[attr-defined]
            if left is None:
                break
            time.sleep(0.5)
        bot.stop()
        stop.set()
        with repo.engine.connect() as conn:
            states = Counter((c, s) for c, s in conn.execute(select(Delivery.channel, Delivery.state)))
        repo.dispose()
        got = received(api, ding)
        calls = {"telegram": api.calls["sendMessage"], "dingtalk": ding.calls.get("/v1.0/im/v1.0/robot/interactiveCards/send", 0)}
    print(f"reminders due          {n} ({want['telegram']} Telegram, {want['dingtalk']} DingTalk)")
    print(f"killed (SIGKILL) after {killed_at} delivered, then restarted ({downtime:.1f} s down)")
    for column, channel in ((1, "telegram"), (2, "dingtalk")):
        counts = got[channel]
        duplicates = sum(c - 1 for c in counts.values() if c > 1)
        unknown = states[(channel, "unknown")]
        moving = [t for t, *c in samples if 0 < c[column - 1] < sum(counts.values())]
        # this channel's own gap: from the kill until it delivered again (the other process may start later)
        back = next((t for t, *c in samples if t > down_from and c[column - 1] > killed_at[channel]), down_from + downtime)
        active = (max(moving) - min(moving) - (back - down_from)) if moving else 0.0
        rate = sum(counts.values()) / active if active > 0 else 0.0
        print(f"{channel:9} delivered {len(counts)}, duplicates {duplicates} (must be 0), "
              f"lost {want[channel] - len(counts)} (of which 'unknown', the at-most-once instant: {unknown}), "
              f"429 answers {calls[channel] - sum(counts.values())}")
        share = 100 * rate / LIMITS[channel]
        print(f"{'':9} sustained {rate:.1f} messages/s over {active:.0f} s of sending = {share:.0f} % of its limit {LIMITS[channel]:.0f}/s")
    print(f"database states        {dict(states)}")


if __name__ == "__main__":
    main()
