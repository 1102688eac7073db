"""The runtime's jobs on an event loop: rounds of planning and delivery, one-shot jobs at start, a failing
round that does not stop the next one, recovery of half-sent deliveries before the first round."""

from __future__ import annotations

import asyncio
import threading
import time
from datetime import UTC, datetime

from sqlmodel import select
from test_outbox_channels import Recording, people

from bot.channels.runtime import Runtime
from bot.reminders.schedule import Reminders
from bot.reminders.webinbox import WebInboxSender
from bot.reminders.workcalendar import WorkCalendar
from bot.storage.models import Delivery
from bot.storage.repository import Repository

NOW = datetime(2027, 1, 22, 1, 30, tzinfo=UTC)


async def until(check, seconds: float = 10.0) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + seconds
    while not check():
        assert time.monotonic() < deadline, "not within the bound"
        await asyncio.sleep(0.02)


def test_rounds_deliver_on_every_channel_and_start_jobs_run_once(tmp_path):
    repo = Repository(data_dir=tmp_path, now=lambda: NOW)
    people(repo, 3, "dingtalk")
    people(repo, 2, "web")
    log: list[tuple[str, str]] = []
    started: list[str] = []

    async def replay() -> None:
        started.append("replay")

    async def main() -> dict[str, int]:
        runtime = Runtime(Reminders(repo, WorkCalendar(), lambda: NOW), [WebInboxSender()], interval=0.05)
        runtime.add_sender(Recording("dingtalk", log, threading.Lock()))
        runtime.at_start("replay", replay)
        await runtime.start()
        await until(lambda: runtime.rounds["deliver"] >= 3 and runtime.rounds["plans"] >= 3)
        await runtime.stop()
        return dict(runtime.rounds)

    rounds = asyncio.run(main())
    assert sorted(log) == [("dingtalk", f"dingtalk{i}") for i in range(3)], "each once, over several rounds"
    assert started == ["replay"]
    with repo.transaction() as store:
        assert {d.state for d in store.session.exec(select(Delivery)).all()} == {"sent"}
    assert rounds["plans"] >= 3
    repo.dispose()


def test_a_failing_round_is_logged_and_the_next_runs(tmp_path, caplog):
    repo = Repository(data_dir=tmp_path, now=lambda: NOW)
    calls: list[int] = []

    class Flaky(Reminders):
        def release_due(self):  # type: ignore[no-untyped-def]
            calls.append(1)
            if len(calls) == 1:
                raise RuntimeError("the database went away")
            return super().release_due()

    async def main() -> None:
        runtime = Runtime(Flaky(repo, WorkCalendar(), lambda: NOW), [WebInboxSender()], interval=0.05)
        await runtime.start()
        await until(lambda: len(calls) >= 3)
        await runtime.stop()

    asyncio.run(main())
    assert "the plans job failed" in caplog.text and "the database went away" in caplog.text
    repo.dispose()


def test_deliveries_left_sending_become_unknown_before_the_first_round(tmp_path):
    repo = Repository(data_dir=tmp_path, now=lambda: NOW)
    people(repo, 1, "dingtalk")
    with repo.transaction() as store:
        row = store.session.exec(select(Delivery)).one()
        row.state = "sending"  # a killed process claimed it: it may have gone out
        store.add(row)
    log: list[tuple[str, str]] = []

    async def main() -> None:
        runtime = Runtime(Reminders(repo, WorkCalendar(), lambda: NOW), [Recording("dingtalk", log, threading.Lock())], interval=0.05)
        await runtime.start()
        await until(lambda: runtime.rounds["deliver"] >= 2)
        await runtime.stop()

    asyncio.run(main())
    assert log == []
    with repo.transaction() as store:
        assert store.session.exec(select(Delivery.state)).one() == "unknown"
    repo.dispose()
