"""Reminders: the plan on the Chinese working calendar, deadlines, and delivery that is never repeated."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, date, datetime, timedelta

import pytest
from driver import Clerk, make_service, onboard
from fakebotapi import FakeBotAPI
from sqlmodel import select
from telegram import Bot
from test_cli import nianbao

from bot.channels.telegram.sender import TelegramSender
from bot.reminders.plan import ZONE, plan
from bot.reminders.schedule import Reminders, deadline_for, set_deadline
from bot.reminders.sender import RateLimiter, ReminderSender
from bot.reminders.webinbox import WebInboxSender
from bot.reminders.workcalendar import CalendarFileError, WorkCalendar, parse_calendar_file
from bot.storage.models import Delivery, Reminder, ReportRecord, Unit


def telegram_outbox(reminders: Reminders, bot: Bot | None) -> ReminderSender:
    """The senders of a Telegram install: Telegram through `bot` and the web inbox."""
    return ReminderSender(reminders, [TelegramSender(bot, RateLimiter(per_second=25)), WebInboxSender()])

pytestmark = pytest.mark.both_databases  # tests/conftest.py: SQLite and PostgreSQL


def days(planned):
    return {p.kind: p.day for p in planned}


def test_2025_deadline_in_the_spring_festival():
    """31 Jan 2025 fell in the holiday (28 Jan – 4 Feb); Sunday 26 Jan was a worked day."""
    p = plan(date(2025, 1, 31), WorkCalendar())
    d = days(p)
    assert d["before-0"] == date(2025, 1, 27)  # the last working day before the holiday
    assert d["before-1"] == date(2025, 1, 26)  # a Sunday, but worked (调休)
    assert d["before-3"] == date(2025, 1, 24)
    assert d["before-30"] == date(2024, 12, 27)  # 28 Dec 2024 was a Saturday
    assert all(x.target == date(2025, 1, 27) for x in p)
    assert "春节假期" in p[0].reasons[0]
    late = [x.day for x in p if x.kind.startswith("late")]
    assert late[0] == date(2025, 2, 5) and date(2025, 2, 8) in late and len(late) == 10  # 8 Feb: a worked Saturday
    assert all(x.send_at.hour == 9 and x.send_at.tzinfo == ZONE for x in p)


def test_unknown_year_falls_back_to_weekends_and_says_so():
    p = plan(date(2028, 1, 31), WorkCalendar())
    assert all("节假日安排未知" in " ".join(x.reasons) for x in p)
    assert all(x.day.weekday() < 5 for x in p)


def test_operator_file_adds_a_year(tmp_path):
    path = tmp_path / "holidays.yaml"
    path.write_text("2027:\n  holidays:\n    - {from: 2027-02-06, to: 2027-02-12, name: 春节}\n  workdays: [2027-02-14]\n"
                    "2028:\n  holidays: []\n", encoding="utf-8")
    calendar = WorkCalendar.load(path)
    assert not calendar.is_working(date(2027, 2, 8)) and calendar.is_working(date(2027, 2, 14))
    assert calendar.day(date(2027, 2, 8)).reason == "春节假期"
    p = plan(date(2028, 1, 31), calendar)
    assert not any("未知" in " ".join(x.reasons) for x in p)


@pytest.mark.parametrize("text, words", [
    ("2027:\n  holidays:\n    - {from: 2027-02-12, to: 2027-02-06, name: 春节}\n", "日期范围不对"),
    ("2027:\n  holidays:\n    - {date: 2027-02-30, name: 春节}\n", "YYYY-MM-DD"),
    ("2027:\n  workdays: [2026-12-31]\n", "不在2027年"),
    ("2027:\n  holiday: []\n", "只能有"),
    ("2027:\n  holidays:\n    - {date: 2027-02-08, name: 春节}\n  workdays: [2027-02-08]\n", "同时是"),
    ("[1, 2", "不是有效的YAML"),
])
def test_operator_file_is_validated(text, words):
    with pytest.raises(CalendarFileError, match=words):
        parse_calendar_file(text)


def test_plan_command(tmp_path):
    out = nianbao("reminders", "plan", "--deadline", "2025-01-31", "--json")
    assert out.returncode == 0
    doc = json.loads(out.stdout)
    first = doc["reminders"][0]
    assert first["send_at"] == "2024-12-27T09:00:00+08:00" and "周末" in " ".join(first["reasons"])
    plain = nianbao("reminders", "plan", "--deadline", "2025-01-31", "--from", "2025-01-25")
    assert "2025-01-26 09:00 周日" in plain.stdout and "2024-12-27" not in plain.stdout
    bad = tmp_path / "h.yaml"
    bad.write_text("2027: [", encoding="utf-8")
    assert nianbao("reminders", "plan", "--deadline", "2027-01-31", "--holidays", str(bad)).returncode == 2


# ---- the database side -------------------------------------------------------------------------


class Clock:
    def __init__(self, t: datetime):
        self.t = t

    def __call__(self) -> datetime:
        return self.t


@pytest.fixture
def setup(tmp_path):
    """A township clerk (Telegram chat 42) with a 2024 report, and the reminders on a clock in Nov 2024."""
    service = make_service(tmp_path, today=date(2024, 11, 20))
    clerk = Clerk(service, "42")
    onboard(clerk, year="2024年度")
    with service.repo.transaction() as store:
        user = store.user("test", "42")
        user.chat_id = "42"
        store.save(user)
    clock = Clock(datetime(2024, 11, 20, tzinfo=UTC))
    reminders = Reminders(service.repo, WorkCalendar(), clock)
    return service, clerk, reminders, clock


def at(day: date, hour: int = 9, minute: int = 1) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=ZONE).astimezone(UTC)


def deliveries(service):
    with service.repo.transaction() as store:
        return store.session.exec(select(Delivery).order_by(Delivery.id)).all()


def test_due_reminder_becomes_one_delivery_with_progress(setup):
    service, clerk, reminders, clock = setup
    assert reminders.refresh_plans() == 16
    assert reminders.refresh_plans() == 0  # unchanged plan: nothing rewritten
    clock.t = at(date(2024, 12, 27))  # before-30: the 31 Jan 2025 deadline counts to 27 Jan → 27 Dec 2024
    released = reminders.release_due()
    assert released.deliveries == 1
    (d,) = deliveries(service)
    assert d.chat_id == "42" and "次营镇人民政府2024年度" in d.text and "已完成 1/9 部分" in d.text
    assert "假期前完成" in d.text and "1月27日前" in d.text
    assert reminders.release_due().deliveries == 0  # never released twice


def set_county_date(service, due: date = date(2025, 1, 20)) -> tuple[ReportRecord, Unit]:
    """The clerk's unit lies in 阳城县, whose coordinator set an internal date for 2024's reports."""
    with service.repo.transaction() as store:
        record = store.session.exec(select(ReportRecord)).first()
        unit = store.unit(record.unit_id)
        unit.county = "阳城县"
        store.save(unit)
        set_deadline(store, "county", "阳城县", 2024, due, store.user("test", "42"))
        return record, unit


def last_reminder_day(service) -> date:
    """The UTC day of the planned reminder on the deadline itself."""
    with service.repo.transaction() as store:
        return {r.kind: r.due_at for r in store.session.exec(select(Reminder)).all()}["before-0"].date()


def test_county_date_overrides_the_default(setup):
    service, clerk, reminders, clock = setup
    record, unit = set_county_date(service)
    with service.repo.transaction() as store:
        assert deadline_for(store, record, unit) == (date(2025, 1, 20), "县里规定的截止日")
        set_deadline(store, "unit", str(unit.id), 2024, date(2025, 1, 24), store.user("test", "42"))
        assert deadline_for(store, record, unit)[0] == date(2025, 1, 20)  # the earliest date wins
    reminders.refresh_plans()
    assert last_reminder_day(service) in (date(2025, 1, 20), date(2025, 1, 19))  # 09:00 Beijing = 01:00 UTC


def test_the_regular_refresh_replans_a_report_whose_deadline_moved_and_only_that(setup):
    """Every tick looks at the reports changed since the last one: an answer changes its report but not
    its deadline (nothing to rewrite); a county date set meanwhile moves the plan, also in a process
    whose own last plan of the report was older (the second Reminders)."""
    service, clerk, reminders, clock = setup
    other = Reminders(service.repo, WorkCalendar(), clock)
    assert reminders.refresh_plans() == 16
    assert other.refresh_plans() == 0  # the plan another process made is the wanted one
    since = service.repo.now() - timedelta(seconds=1)
    clerk.tap("有，逐项填写")
    clerk.say("1 0 1")  # the report changed: an answer
    assert reminders.refresh_plans(since) == 0
    set_county_date(service)
    assert other.refresh_plans(since) > 0  # the county's date, earlier than 31 January
    assert reminders.refresh_plans(since) == 0  # its own older plan of the report: read again, already right
    assert last_reminder_day(service) in (date(2025, 1, 20), date(2025, 1, 19))


def test_clerk_sets_own_deadline_through_the_bot(setup):
    service, clerk, reminders, clock = setup
    clerk.say("/deadline 2025-01-15")
    assert "2025-01-15（本单位设定的截止日）" in clerk.texts()
    clerk.say("/deadline 阳城县 2025-01-10")
    assert "只有该县的协调人或管理员" in clerk.texts()
    clerk.say("/deadline 15/01/2025")
    assert "YYYY-MM-DD" in clerk.texts()


def test_no_reminders_for_a_final_report_or_when_turned_off(setup):
    service, clerk, reminders, clock = setup
    reminders.refresh_plans()
    clerk.say("/remind off")
    assert "已关闭" in clerk.texts()
    clock.t = at(date(2024, 12, 27))
    assert reminders.release_due().deliveries == 0
    clerk.say("/remind on")
    with service.repo.transaction() as store:
        record = store.session.exec(select(ReportRecord)).first()
        record.status = "final"  # finished midway
        store.save(record)
    clock.t = at(date(2025, 1, 14))
    released = reminders.release_due()
    assert released.deliveries == 0 and released.skipped == 1
    assert deliveries(service) == []


def test_restart_with_reminders_overdue_sends_only_the_latest_useful_one(setup):
    service, clerk, reminders, clock = setup
    reminders.refresh_plans()
    clock.t = at(date(2025, 1, 20), 15)  # down since December: before-30, before-14 and before-7 are due
    released = reminders.release_due()
    assert released.deliveries == 1 and released.skipped == 2
    (d,) = deliveries(service)
    assert "还有6个工作日" in d.text  # after 20 Jan until 27 Jan: 21, 22, 23, 24, 26 (a worked Sunday), 27
    clock.t = at(date(2025, 1, 25), 12)  # before-3 (24 Jan 09:00) missed by more than 20 hours → skipped
    released = reminders.release_due()
    assert released.deliveries == 0 and released.skipped == 1


def run(coro):
    return asyncio.run(coro)


def test_sending_through_telegram_with_429_403_and_a_crash(setup):
    service, clerk, reminders, clock = setup
    reminders.refresh_plans()
    clock.t = at(date(2024, 12, 27))
    reminders.release_due()
    with FakeBotAPI(token="123:ABC") as api:
        api.fail_next("sendMessage", 1, error_code=429, retry_after=1)

        async def go() -> int:
            bot = Bot("123:ABC", base_url=api.base_url)
            async with bot:
                sender = telegram_outbox(reminders, bot)
                first = await sender.send_pending()  # 429: not sent, back to pending for 1 s
                clock.t += timedelta(seconds=2)
                second = await sender.send_pending()
                third = await sender.send_pending()  # nothing left
                return first * 100 + second * 10 + third

        assert run(go()) == 10
        sent = api.messages_to(42)
        assert len(sent) == 1 and sent[0].buttons == [("继续填写", "resume")]
        (d,) = deliveries(service)
        assert d.state == "sent" and d.attempts == 2
    # a delivery left half-sent by a killed process is never sent again
    with service.repo.transaction() as store:
        row = store.session.get(Delivery, d.id)
        row.state = "sending"
        store.save(row)
    assert reminders.recover() == 1
    assert deliveries(service)[0].state == "unknown" and reminders.pending(10) == []


def test_blocked_user_is_marked_and_skipped(setup):
    service, clerk, reminders, clock = setup
    reminders.refresh_plans()
    clock.t = at(date(2024, 12, 27))
    reminders.release_due()
    with FakeBotAPI(token="123:ABC") as api:
        api.block_chat(42)

        async def go() -> None:
            bot = Bot("123:ABC", base_url=api.base_url)
            async with bot:
                await telegram_outbox(reminders, bot).send_pending()

        run(go())
    assert deliveries(service)[0].state == "blocked"
    with service.repo.transaction() as store:
        assert store.user("test", "42").blocked
    clock.t = at(date(2025, 1, 14))
    assert reminders.release_due().deliveries == 0


def test_rate_limiter_spacing():
    """The slots themselves, on a clock of the test's own: no machine's load can move them."""
    now = [100.0]
    waited: list[float] = []

    async def sleep(seconds: float) -> None:
        waited.append(seconds)
        now[0] += seconds

    async def go() -> list[float]:
        limiter = RateLimiter(per_second=25, per_chat_interval=1.0, clock=lambda: now[0], sleep=sleep)
        slots = [await limiter.acquire(chat) for chat in ["a", "b", "c", "a", "d"]]
        limiter.pause(5.0)  # a channel's 429: nothing before then
        slots.append(await limiter.acquire("e"))
        return [round(s - 100.0, 6) for s in slots]

    # 25 a second: 40 ms apart; chat "a" again only a second after its first; "d" right after "a"
    assert run(go()) == [0.0, 0.04, 0.08, 1.0, 1.04, 6.04]
    assert all(w >= 0 for w in waited)


def test_a_submitted_report_reminds_its_reviewer_too(setup):
    service, clerk, reminders, clock = setup
    clerk.say("/invite 审核人")
    token = clerk.texts().split("/start ")[1].split()[0]
    reviewer = Clerk(service, "43")
    reviewer.say(f"/start {token}")
    with service.repo.transaction() as store:
        user = store.user("test", "43")
        user.chat_id = "43"
        store.save(user)
        record = store.session.exec(select(ReportRecord)).first()
        assert store.transition(record, ("draft",), "review", user, "submit")
    reminders.refresh_plans()
    clock.t = at(date(2024, 12, 27))
    assert reminders.release_due().deliveries == 2
    sent = deliveries(service)
    assert sorted(d.chat_id for d in sent) == ["42", "43"]
    assert all("已提交审核，等待审核人审核通过" in d.text for d in sent)
