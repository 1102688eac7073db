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

With --channel email every person is reached only on the web page and has an e-mail address: `python -m
bot web` (the default install, no chat token) sends them to a real SMTP server (aiosmtpd, STARTTLS and
login) in this process, is killed with SIGKILL after 40 % and started again. Target: at least 50 e-mails a
second, 0 duplicates, none lost beyond the deliveries in flight at the kill ('unknown').

Run: .venv/bin/python bench/reminder_fanout.py [--reminders 10000] [--dingtalk-share 0.5] [--no-throttle]
     .venv/bin/python bench/reminder_fanout.py --channel email [--reminders 10000]
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

from bot.storage.models import Delivery, Member, Reminder, ReportRecord, Unit, User  # noqa: E402
from bot.storage.repository import Repository  # noqa: E402

FIRST_CHAT = 100_000
LIMITS = {"telegram": 25.0, "dingtalk": 20.0}


def address(i: int, channel: str) -> str:
    if channel == "email":
        return f"clerk{FIRST_CHAT + i}@gk.example.gov.cn"
    return str(FIRST_CHAT + i) if channel == "telegram" else f"staff{FIRST_CHAT + i}"


def fill(data_dir: Path, channels: list[str]) -> None:
    """N users, units, final reports (so no plans are made) and one released reminder with a pending delivery each."""
    repo = Repository(data_dir=data_dir)
    now = START.replace(tzinfo=ZoneInfo("Asia/Shanghai")).astimezone(UTC)  # the bot's clock starts here (tgharness)
    n = len(channels)
    with repo.engine.begin() as conn:
        conn.execute(insert(User.__table__), [
            {"id": i + 1, "channel": "web" if c == "email" else c, "external_id": address(i, c), "display_name": "",
             "chat_id": "" if c == "email" else address(i, c), "email": address(i, c) if c == "email" else "",
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


def email_main(n: int) -> None:
    """`nianbao web` alone sends n e-mails to a real SMTP server, killed with SIGKILL after 40 %."""
    import signal
    import subprocess

    from conftest import free_port
    from mailserver import PASSWORD, USER, MailServer

    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp) / "data"
        fill(data, ["email"] * n)
        with MailServer(Path(tmp)) as mail:
            env = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "DINGTALK_", "NIANBAO_", "DATABASE_URL"))}
            env.update(PYTHONPATH=str(ROOT), NIANBAO_DATA_DIR=str(data), NIANBAO_CLOCK=START.isoformat(), NIANBAO_WEB_PORT=str(free_port()),
                       NIANBAO_SMTP_HOST="127.0.0.1", NIANBAO_SMTP_PORT=str(mail.port), NIANBAO_SMTP_USER=USER,
                       NIANBAO_SMTP_PASSWORD=PASSWORD, SSL_CERT_FILE=mail.cafile)
            log = (Path(tmp) / "web.log").open("ab")

            def start() -> subprocess.Popen[bytes]:
                return subprocess.Popen([sys.executable, "-m", "bot", "web"], env=env, cwd=tmp, stdout=subprocess.DEVNULL, stderr=log)

            samples: list[tuple[float, int]] = []
            web = start()
            while mail.recorder.count() < n * 0.4:
                samples.append((time.monotonic(), mail.recorder.count()))
                assert web.poll() is None, "nianbao web ended"
                time.sleep(0.1)
            web.kill()
            web.wait()
            killed_at, down_from = mail.recorder.count(), time.monotonic()
            web = start()
            repo = Repository(data_dir=data)
            deadline = time.monotonic() + 1800
            while time.monotonic() < deadline:
                samples.append((time.monotonic(), mail.recorder.count()))
                with repo.engine.connect() as conn:
                    left = conn.execute(select(Delivery.id).where(Delivery.state.in_(["pending", "sending"])).limit(1)).first()  # type: ignore[attr-defined]
                if left is None:
                    break
                time.sleep(0.2)
            web.send_signal(signal.SIGTERM)
            web.wait(30)
            with repo.engine.connect() as conn:
                states = Counter(s for (s,) in conn.execute(select(Delivery.state)))
            repo.dispose()
            counts = mail.recorder.to()
    back = next(t for t, c in samples if t > down_from and c > killed_at)
    moving = [t for t, c in samples if c > 0]
    active = max(moving) - min(moving) - (back - down_from)
    total = sum(counts.values())
    print(f"e-mails due            {n} (web-only people with an address; nianbao web alone, STARTTLS and login to aiosmtpd)")
    print(f"killed (SIGKILL) after {killed_at} delivered, then restarted ({back - down_from:.1f} s until it sent again)")
    print(f"delivered {len(counts)}, duplicates {sum(c - 1 for c in counts.values() if c > 1)} (must be 0), "
          f"lost {n - len(counts)} (of which 'unknown', the at-most-once instant: {states['unknown']})")
    print(f"sustained {total / active:.1f} e-mails/s over {active:.0f} s of sending (target: at least 50/s)")
    print(f"database states        {dict(states)}")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--reminders", type=int, default=10_000)
    parser.add_argument("--dingtalk-share", type=float, default=0.5)
    parser.add_argument("--no-throttle", action="store_true", help="no 429 answers: measures each channel against its own limit")
    parser.add_argument("--channel", choices=("chat", "email"), default="chat", help="chat: Telegram and DingTalk; email: the web page alone, by e-mail")
    args = parser.parse_args()
    n = args.reminders
    if args.channel == "email":
        email_main(n)
        return
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
