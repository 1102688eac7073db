"""Reminder fan-out: 10,000 due reminders through the fake Bot API, with 429s and a SIGKILL midway.

The database is filled with N clerks, each with one due reminder (pending delivery). The real bot
process (`python -m bot run`) sends them; the fake API answers bursts of sends with 429 (retry after
1 s); after 40 % the bot is killed with SIGKILL and started again. Prints delivered, duplicates
(must be 0), lost (must be 0), what the database says, and the sustained rate against the limit.

Run: .venv/bin/python bench/reminder_fanout.py [--reminders 10000]
"""

from __future__ import annotations

import argparse
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
from sqlalchemy import insert, select  # noqa: E402
from tgharness import START, TOKEN, BotProcess  # noqa: E402

from storage.models import Delivery, Member, Reminder, ReportRecord, Unit, User  # noqa: E402
from storage.repository import Repository  # noqa: E402

FIRST_CHAT = 100_000
LIMIT = 25.0


def fill(data_dir: Path, n: int) -> None:
    """N users, units, final reports (so no plans are made) and one released reminder with a pending delivery each."""
    repo = Repository(data_dir=data_dir)
    now = START.replace(tzinfo=ZoneInfo("Asia/Shanghai")).astimezone(UTC)  # the bot's clock starts here (tgharness)
    with repo.engine.begin() as conn:
        conn.execute(insert(User.__table__), [
            {"id": i + 1, "channel": "telegram", "external_id": str(FIRST_CHAT + i), "display_name": "", "chat_id": str(FIRST_CHAT + i),
             "reminders_on": True, "blocked": False, "created_at": now} for i in range(n)])
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
            {"id": i + 1, "reminder_id": i + 1, "user_id": i + 1, "chat_id": str(FIRST_CHAT + i),
             "text": f"【年报提醒】测试{i}镇人民政府2026年度报告：还有20个工作日截止。", "state": "pending",
             "not_before": now, "attempts": 0} for i in range(n)])
    repo.dispose()


def received(api: FakeBotAPI) -> Counter[int]:
    return Counter(c.chat_id for c in api.sent if c.method == "sendMessage" and c.chat_id >= FIRST_CHAT)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--reminders", type=int, default=10_000)
    args = parser.parse_args()
    n = args.reminders
    with tempfile.TemporaryDirectory() as tmp, FakeBotAPI(token=TOKEN, long_poll_cap=0.5) as api:
        data = Path(tmp)
        fill(data, n)
        stop = threading.Event()

        def throttle() -> None:
            """Every 3 seconds Telegram answers the next 5 sends with 429 (retry after 1 s), until the last 50."""
            while not stop.wait(3):
                if n - sum(received(api).values()) > 50:
                    api.fail_next("sendMessage", 5, error_code=429, retry_after=1)

        threading.Thread(target=throttle, daemon=True).start()
        bot = BotProcess(api, data).start()
        active = 0.0
        start = time.monotonic()
        while sum(received(api).values()) < n * 0.4 and time.monotonic() - start < 900:
            time.sleep(0.2)
        active += time.monotonic() - start
        bot.kill()
        killed_at = sum(received(api).values())
        bot = BotProcess(api, data).start()
        start = time.monotonic()
        repo = Repository(data_dir=data)
        deadline = time.monotonic() + 1800
        while time.monotonic() < deadline:
            with repo.engine.connect() as conn:
                left = conn.execute(select(Delivery.id).where(Delivery.state.in_(["pending", "sending"])).limit(1)).first()  # type: ignore[attr-defined]
            if left is None:
                break
            time.sleep(0.5)
        active += time.monotonic() - start
        bot.stop()
        stop.set()
        with repo.engine.connect() as conn:
            states = Counter(s for (s,) in conn.execute(select(Delivery.state)))
        repo.dispose()
        counts = received(api)
    delivered = len(counts)
    duplicates = sum(c - 1 for c in counts.values() if c > 1)
    lost = n - delivered
    print(f"reminders due          {n}")
    print(f"killed (SIGKILL) after {killed_at} delivered, then restarted")
    print(f"delivered              {delivered}")
    print(f"duplicates             {duplicates}   (must be 0)")
    print(f"lost                   {lost}   (must be 0)")
    print(f"database states        {dict(states)}")
    print(f"429 answers            {api.calls['sendMessage'] - sum(counts.values())} (retried after 1 s)")
    print(f"sustained rate         {sum(counts.values()) / active:.1f} messages/s over {active:.0f} s of sending (limit {LIMIT:.0f}/s)")


if __name__ == "__main__":
    main()
