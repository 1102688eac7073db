"""Ask before replacing, and /undo from the audit log (issue 12, item 4): stored values read back."""

from __future__ import annotations

import pytest
from driver import Clerk, make_service, onboard
from sqlmodel import select

from bot.storage.models import AuditLog, ReportRecord


@pytest.fixture
def service(tmp_path):
    return make_service(tmp_path)


def stored(service) -> dict:
    with service.repo.transaction() as store:
        record = store.session.exec(select(ReportRecord).order_by(ReportRecord.id.desc())).first()
        return store.answers(record.id)


def fill_table2(clerk: Clerk) -> None:
    clerk.tap("有，逐项填写")
    clerk.say("2 0 5")
    clerk.say("12 3 1")
    clerk.say("1.5")


def test_all_zero_over_a_filled_table_lists_what_it_replaces_and_asks(service):
    clerk = Clerk(service)
    onboard(clerk)
    fill_table2(clerk)
    assert stored(service)["table2.NORM.made"] == 2
    clerk.say("/menu")
    clerk.tap("✔ 2. 表二 主动公开")
    clerk.tap("全部为0")
    text = clerk.texts()
    assert "会替换已保存的" in text and "行政规范性文件" in text and "2 → 0" in text
    assert stored(service)["table2.NORM.made"] == 2  # nothing changed yet
    clerk.tap("取消")
    assert "已取消" in clerk.texts()
    assert stored(service)["table2.NORM.made"] == 2 and stored(service)["table2.LIC"] == 12
    clerk.tap("全部为0")
    clerk.tap("确认替换")
    assert "已全部填为0" in clerk.texts()
    answers = stored(service)
    assert answers["table2.NORM.made"] == 0 and answers["table2.LIC"] == 0 and answers["meta.table2_mode"] == "zero"


def test_all_zero_on_an_empty_table_does_not_ask(service):
    clerk = Clerk(service)
    onboard(clerk)
    clerk.tap("全部为0")
    assert "会替换" not in clerk.texts()
    assert stored(service)["table2.NORM.valid"] == 0


def test_undo_takes_back_the_last_change_across_a_restart(tmp_path):
    clerk = Clerk(make_service(tmp_path))
    onboard(clerk)
    fill_table2(clerk)
    clerk.say("/menu")
    clerk.tap("✔ 2. 表二 主动公开")
    clerk.tap("全部为0")
    clerk.tap("确认替换")
    assert stored(clerk.service)["table2.LIC"] == 0
    clerk.service = make_service(tmp_path)  # a restart: a new process on the same database
    clerk.say("/undo")
    assert "已撤销" in clerk.texts()
    answers = stored(clerk.service)
    assert answers["table2.NORM.made"] == 2 and answers["table2.LIC"] == 12 and answers["table2.FEE"] == "1.5"
    assert answers["meta.table2_mode"] == "fill"
    clerk.say("/undo")  # one further back: the fee answer
    answers = stored(clerk.service)
    assert "table2.FEE" not in answers and answers["table2.LIC"] == 12
    with clerk.service.repo.transaction() as store:
        actions = {row.action for row in store.session.exec(select(AuditLog)).all()}
    assert "undo" in actions  # the undo is itself in the audit log


def test_undo_is_per_person_and_keeps_what_others_changed_since(service):
    clerk = Clerk(service)
    onboard(clerk)
    fill_table2(clerk)
    clerk.say("/undo")
    assert "table2.FEE" not in stored(service)
    other = Clerk(service, "clerk2", name="李四")
    other.say("/undo")
    assert "没有可以撤销" in other.texts() or "还没有报告" in other.texts()
    assert stored(service)["table2.LIC"] == 12


def test_undo_with_nothing_to_undo(service):
    clerk = Clerk(service)
    clerk.say("/start")
    clerk.say("/undo")
    assert "没有可以撤销" in clerk.texts() or "还没有报告" in clerk.texts()


def test_an_upload_over_typed_answers_lists_them_and_asks_then_undo_restores(service):
    import json

    from factories import zero_report

    clerk = Clerk(service)
    onboard(clerk)
    fill_table2(clerk)
    doc = zero_report(2026, "次营镇人民政府").to_dict()
    clerk.upload("report.json", json.dumps(doc, ensure_ascii=False).encode())
    text = clerk.texts()
    assert "上传的JSON文件会替换已保存的" in text and "行政许可" in text
    assert stored(service)["table2.LIC"] == 12
    clerk.tap("确认替换")
    assert "已从JSON填入" in clerk.texts()
    assert stored(service)["table2.LIC"] == 0 and stored(service)["text.problems"]
    clerk.say("/undo")
    answers = stored(service)
    assert answers["table2.LIC"] == 12 and "text.problems" not in answers
    clerk.upload("report.json", json.dumps(doc, ensure_ascii=False).encode())
    clerk.say("/status")  # anything else sent drops the waiting replacement
    assert stored(service)["table2.LIC"] == 12


def applications(service) -> list[tuple[str, str, str]]:
    with service.repo.transaction() as store:
        record = store.session.exec(select(ReportRecord).order_by(ReportRecord.id.desc())).first()
        return [(a.applicant, a.arrival, a.result) for a in store.applications(record.id)]


def test_undo_takes_back_an_application_entered_one_by_one_and_it_stays_out(service):
    """Table 三 is rebuilt from the applications at every step: an undo that restored the cells but kept
    the application would see it come back with the next one."""
    clerk = Clerk(service)
    onboard(clerk)
    clerk.tap("全部为0")
    clerk.tap("有，逐件录入")
    for who in ("自然人", "商业企业"):
        clerk.tap(who)
        clerk.tap("本年新收")
        clerk.tap("予以公开")
    clerk.say("/undo")
    assert "删除商业企业·本年新收·予以公开" in clerk.texts()
    assert applications(service) == [("NP", "NEW", "OPEN")]
    assert (stored(service)["table3.NEW.BIZ"], stored(service)["table3.NEW.SUM"]) == (0, 1)
    clerk.tap("有，逐件录入")  # asked table 三 again after the undo: on with the applications entered
    assert "已录入1件" in clerk.texts()
    clerk.tap("撤销上一件")  # the button of the applications step: out goes the first one too
    assert "已撤销上一件（自然人·本年新收·予以公开）" in clerk.texts()
    assert applications(service) == []
    clerk.say("/undo")  # takes back that button's removal
    assert "恢复自然人·本年新收·予以公开" in clerk.texts()
    assert applications(service) == [("NP", "NEW", "OPEN")]
    clerk.tap("有，逐件录入")
    clerk.tap("录完了")  # table 三 from the applications as they now are
    answers = stored(service)
    assert (answers["table3.NEW.NP"], answers["table3.NEW.BIZ"], answers["table3.NEW.SUM"], answers["table3.OPEN.SUM"]) == (1, 0, 1, 1)
    clerk.say("/history")
    assert "表三申请" in clerk.texts() and "自然人·本年新收·予以公开" in clerk.texts()
