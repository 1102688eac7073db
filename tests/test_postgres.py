"""The interview and the reminder planning on a real PostgreSQL server (tests/pgserver.py), not only SQLite.

Skipped, saying why, where no PostgreSQL server can be had; CI installs Debian's postgresql, so it runs there.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import date

import pytest
from driver import Clerk, narratives, onboard
from pgserver import database, server

from bot.app import docx_bytes
from bot.clock import FixedClock
from bot.interview.engine import Engine
from bot.reminders.schedule import Reminders
from bot.reminders.workcalendar import WorkCalendar
from bot.service import Service
from storage.repository import Repository

IN_CI = os.environ.get("CI", "").lower() in ("true", "1", "yes")


@pytest.fixture(scope="module")
def pg() -> Iterator[str]:
    with server() as url:
        if url is None:
            if IN_CI:
                pytest.fail("CI must have a PostgreSQL server (.ci/run installs Debian's postgresql)")
            pytest.skip("needs PostgreSQL: Debian's postgresql package, or NIANBAO_TEST_POSTGRES_URL")
        yield url


def test_an_all_zero_township_and_its_reminders_on_postgresql(pg, tmp_path):
    pytest.importorskip("psycopg", reason="needs psycopg (the postgresql extra)")
    with database(pg) as url:
        clock = FixedClock(date(2026, 11, 23))
        repo = Repository(url, data_dir=tmp_path, now=clock.now)
        service = Service(repo, Engine(clock=clock, render_docx=docx_bytes))
        clerk = Clerk(service, name="李" * 129)  # longer than the old VARCHAR(128)
        onboard(clerk)
        clerk.tap("全部为0")
        clerk.tap("没有，全部为0")
        clerk.tap("没有，全部为0")
        narratives(clerk)
        assert "0个错误" in clerk.texts()
        with repo.transaction() as store:
            user = store.user("test", "clerk1")
            answers = store.answers(store.conversation(user).report_id)
            assert answers["table2.LIC"] == 0 and answers["table3.NEW.NP"] == 0
        assert Reminders(repo, WorkCalendar(), clock.now).refresh_plans() > 0  # keys PostgreSQL accepts
        repo.dispose()
