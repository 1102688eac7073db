"""Conversations stored by the release before typed sub-flow state resume after the upgrade.

`fixtures/conversations-v1.sqlite3` was made by that release (`fixtures/make_conversations_v1.py`):
people stopped inside 表三's application entry and row entry, mid-way through rewriting a section over
several messages, at the fee follow-up, at a plain question, and a reviewer typing a comment. Each
resumes at the same question and completes it.
"""

from __future__ import annotations

import json
import shutil
from datetime import date
from pathlib import Path

import pytest
from driver import Clerk, make_service, narratives

from bot.interview.state import VERSION, dump, load

FIXTURE = Path(__file__).resolve().parent / "fixtures" / "conversations-v1.sqlite3"


@pytest.fixture
def service(tmp_path):
    shutil.copy(FIXTURE, tmp_path / "nianbao.sqlite3")
    service = make_service(tmp_path, today=date(2026, 11, 23))
    yield service
    service.repo.dispose()


def person(service, external_id: str) -> Clerk:
    return Clerk(service, external_id)


def resume(clerk: Clerk, expected: str) -> None:
    clerk.say("/start")
    assert expected in clerk.texts(), clerk.texts()


def answers_of(service, unit_name: str) -> dict:
    with service.repo.transaction() as store:
        for record_id in range(1, 20):
            record = store.report_record(record_id)
            if record is None:
                break
            unit = store.unit(record.unit_id)
            if unit is not None and unit.name == unit_name:
                return store.answers(record_id)
    raise AssertionError(unit_name)


def finish_from_table4(clerk: Clerk) -> None:
    clerk.tap("没有，全部为0")
    narratives(clerk)
    assert "0个错误" in clerk.texts(), clerk.texts()


def test_application_entry_resumes_at_the_result_of_the_second_application(service):
    clerk = person(service, "apps")
    resume(clerk, "第2件：办理结果是")
    clerk.tap("予以公开")
    assert "已保存：商业企业·本年新收·予以公开" in clerk.texts()
    clerk.tap("录完了")
    assert "已录入2件" in clerk.texts() and "表三检查通过" in clerk.texts()
    answers = answers_of(service, "次营镇人民政府")
    assert answers["table3.OPEN.NP"] == 1 and answers["table3.OPEN.BIZ"] == 1 and answers["table3.TOTAL.SUM"] == 2
    finish_from_table4(clerk)


def test_row_entry_resumes_at_the_third_row(service):
    clerk = person(service, "rows")
    resume(clerk, "表三第3/")
    assert "予以公开" in clerk.texts()
    clerk.say("1 0 0 0 0 0")
    assert "表三第4/" in clerk.texts()
    clerk.tap("其余各行全为0")
    assert "表三检查通过" in clerk.texts(), clerk.texts()
    assert answers_of(service, "北留镇人民政府")["table3.NEW.NP"] == 1
    finish_from_table4(clerk)


def test_rewrite_over_several_messages_keeps_collecting(service):
    clerk = person(service, "rewrite")
    resume(clerk, "请继续发送文字")
    clerk.say("第三段：依申请公开0件。")
    assert "已保存（共" in clerk.texts()
    clerk.tap("完成")
    text = answers_of(service, "润城镇人民政府")["text.overview"]
    assert text.startswith("第一段") and "第二段" in text and text.endswith("第三段：依申请公开0件。")
    assert "第 6/9 部分" in clerk.texts()


def test_fee_follow_up_resumes_at_the_number_of_applications(service):
    clerk = person(service, "fee")
    clerk.say("/start")
    assert "本年度是否收取了政府信息公开信息处理费" in clerk.texts()
    clerk.say("2")
    assert "合计收取多少元" in clerk.texts()
    clerk.say("50")
    assert "已记录：收取信息处理费2件，合计50元" in clerk.texts()
    assert answers_of(service, "町店镇人民政府")["info_fee"] == {"cases": 2, "amount_yuan": 50.0}


def test_plain_question_resumes(service):
    clerk = person(service, "plain")
    resume(clerk, "行政规范性文件")
    clerk.say("1 0 3")
    assert "已保存：行政规范性文件 1 0 3" in clerk.texts()
    assert answers_of(service, "芹池镇人民政府")["table2.NORM.valid"] == 3


def test_reviewer_typing_a_comment_finishes_it(service):
    reviewer = person(service, "reviewer")
    reviewer.say("予以公开 自然人 应为2件")
    assert "已添加意见（表三「予以公开」自然人）：应为2件" in reviewer.texts(), reviewer.texts()
    clerk = person(service, "apps")
    clerk.say("/status")
    assert "应为2件" in clerk.texts()


def test_a_resumed_conversation_is_stored_again_as_version_2(service):
    clerk = person(service, "rewrite")
    clerk.say("/start")
    with service.repo.transaction() as store:
        conv = store.conversation(store.user("test", "rewrite"))
        raw = json.loads(conv.state)
        assert raw["version"] == VERSION == 2
        assert raw["sub"] == {"type": "draft", "proposal": raw["sub"]["proposal"], "collect": "rewrite_more"}
        assert load(conv.state) == load(dump(load(conv.state)))
        assert raw["history"][-1] == "ov_supervise"
