"""Each unit and report keeps its place (issue 12, item 3): /units goes back to the report in progress,
with its year; a new year's report only on request, pre-filled from the year before; headers name both."""

from __future__ import annotations

import pytest
from driver import Clerk, make_service, narratives, onboard
from sqlmodel import select

from bot.storage.models import Conversation, ReportRecord, User


@pytest.fixture
def service(tmp_path):
    return make_service(tmp_path)


def reports(service) -> list[tuple[str, int, str]]:
    with service.repo.transaction() as store:
        rows = store.session.exec(select(ReportRecord).order_by(ReportRecord.id)).all()
        return [(store.unit(r.unit_id).name, r.year, r.status) for r in rows]


def conversation_report(service, external_id: str) -> tuple[str, int]:
    with service.repo.transaction() as store:
        user = store.session.exec(select(User).where(User.external_id == external_id)).one()
        conv = store.session.get(Conversation, user.id)
        record = store.report_record(conv.report_id)
        return store.unit(record.unit_id).name, record.year


def onboard_2022(clerk: Clerk) -> None:
    onboard(clerk, year="2022年度")
    assert "2022年度" in clerk.texts()


def test_switching_back_keeps_the_2022_report_and_makes_no_empty_one(service):
    clerk = Clerk(service)
    onboard_2022(clerk)
    clerk.tap("全部为0")
    assert "次营镇人民政府 2022年度" in clerk.texts()  # every part header names the unit and the year
    clerk.say("/newunit")
    clerk.say("北留镇人民政府")
    assert reports(service) == [("次营镇人民政府", 2022, "draft"), ("北留镇人民政府", 2026, "draft")]
    clerk.say("/units")
    assert "2022年度" in clerk.texts()
    clerk.tap("切换到 次营镇人民政府")
    text = clerk.texts()
    assert "次营镇人民政府”2022年度报告" in text and "【第 3/9 部分" in text and "次营镇人民政府 2022年度】" in text
    assert reports(service) == [("次营镇人民政府", 2022, "draft"), ("北留镇人民政府", 2026, "draft")]
    assert conversation_report(service, "clerk1") == ("次营镇人民政府", 2022)


def test_a_reviewer_invited_afterwards_sees_the_report_in_progress(service):
    clerk = Clerk(service)
    onboard(clerk, year="2025年度")
    clerk.tap("全部为0")
    clerk.tap("没有，全部为0")
    clerk.say("/newunit")
    clerk.say("北留镇人民政府")
    clerk.say("/units")
    clerk.tap("切换到 次营镇人民政府")
    clerk.say("/invite 审核人")
    token = clerk.texts().split("/start ")[1].split()[0]
    reviewer = Clerk(service, "rev1", name="王审核")
    reviewer.say(f"/start {token}")
    assert conversation_report(service, "rev1") == ("次营镇人民政府", 2025)
    assert [r for r in reports(service) if r[0] == "次营镇人民政府"] == [("次营镇人民政府", 2025, "draft")]


def test_newyear_only_on_request_and_prefilled_from_last_year(service):
    clerk = Clerk(service)
    onboard(clerk, year="2025年度")
    clerk.tap("全部为0")
    clerk.tap("没有，全部为0")
    with service.repo.transaction() as store:  # one application still open at the end of 2025
        record = store.session.exec(select(ReportRecord)).one()
        store.set_answers(record.id, {"table3.FWD.NP": 1, "table3.FWD.SUM": 1, "unit.phone": "0356-4221234"}, None)
    clerk.say("/newyear")
    text = clerk.texts()
    assert "已新建“次营镇人民政府”2026年度报告" in text and "上年结转”1件" in text
    assert "次营镇人民政府 2026年度】" in text
    with service.repo.transaction() as store:
        new = store.report_for(store.session.exec(select(ReportRecord)).first().unit_id, 2026, create=False)
        answers = store.answers(new.id)
    assert answers["table3.CARRY.NP"] == 1 and answers["table3.CARRY.SUM"] == 1
    assert answers["unit.phone"] == "0356-4221234" and answers["unit.name"] == "次营镇人民政府"
    clerk.say("/newyear")
    assert "不能新建2027年度" in clerk.texts()
    assert sorted(r[1] for r in reports(service)) == [2025, 2026]


def test_a_finished_report_is_found_again_after_a_restart(tmp_path):
    clerk = Clerk(make_service(tmp_path))
    onboard(clerk, year="2025年度")
    clerk.tap("全部为0")
    clerk.tap("没有，全部为0")
    clerk.tap("没有，全部为0")
    narratives(clerk)
    clerk.say("/newunit")
    clerk.say("北留镇人民政府")
    clerk.service = make_service(tmp_path)
    clerk.say("/units")
    clerk.tap("切换到 次营镇人民政府")
    assert "检查与生成 · 次营镇人民政府 2025年度" in clerk.texts()
