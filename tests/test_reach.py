"""Messages and dates reach the people they concern: a county's deadline reaches a unit that named the
county at onboarding, and a person who blocked the bot and writes again is reached again."""

from __future__ import annotations

from datetime import date

import pytest
from driver import Clerk, make_service, onboard

from bot.reminders.schedule import deadline_for

pytestmark = pytest.mark.both_databases  # tests/conftest.py: SQLite and PostgreSQL


def report_of(store, external_id: str = "clerk1"):  # type: ignore[no-untyped-def]
    record = store.report_record(store.conversation(store.user("test", external_id)).report_id)
    return record, store.unit(record.unit_id)


def test_a_county_deadline_reaches_a_lone_unit_that_named_the_county(tmp_path):
    service = make_service(tmp_path, admin_ids=frozenset({"9000"}))
    admin = Clerk(service, "9000", channel="telegram", name="管理员")
    admin.say("/county 阳城县 山西省 晋城市")
    clerk = Clerk(service)
    onboard(clerk, region="山西省 晋城市 阳城县")  # a lone clerk: no invitation, the county only named
    other = Clerk(service, "clerk2")
    onboard(other, name="某镇人民政府", region="河南省 洛阳市 阳城县")  # a county of the same name elsewhere
    admin.say("/deadline 阳城县 2027-01-20")
    assert "已设定阳城县2026年度报告的截止日期：2027-01-20" in admin.texts()
    with service.repo.transaction() as store:
        record, unit = report_of(store)
        assert unit.county_id is None and unit.county == "阳城县"
        assert deadline_for(store, record, unit) == (date(2027, 1, 20), "县里规定的截止日")
        record, unit = report_of(store, "clerk2")
        assert deadline_for(store, record, unit) == (date(2027, 1, 31), "法定截止日")


def test_a_person_who_blocked_the_bot_and_writes_again_is_reached_again(tmp_path):
    service = make_service(tmp_path)
    clerk = Clerk(service, "42", channel="telegram")
    onboard(clerk)
    with service.repo.transaction() as store:
        user = store.user("telegram", "42")
        user.blocked = True  # Telegram answered 403 to a reminder
        store.save(user)
    clerk.say("/status")
    with service.repo.transaction() as store:
        assert store.user("telegram", "42").blocked is False
