"""Nothing invented (issue 12, item 5), nested quotes (item 9), and a new draft over an edited text asks
first (item 4): through the engine and a real SQLite file, stored texts read back."""

from __future__ import annotations

from driver import FACTS, Clerk, make_service, onboard
from factories import zero_report
from sqlmodel import select

from bot.checks.validate import validate
from bot.interview import drafts
from bot.storage.models import ReportRecord


def stored(service) -> dict:
    with service.repo.transaction() as store:
        record = store.session.exec(select(ReportRecord)).one()
        return store.answers(record.id)


def to_overview(clerk: Clerk) -> None:
    onboard(clerk)
    clerk.tap("全部为0")
    clerk.tap("没有，全部为0")
    clerk.tap("没有，全部为0")


def test_skipped_facts_leave_placeholders_not_claims_and_block_the_document(tmp_path):
    service = make_service(tmp_path)
    clerk = Clerk(service)
    to_overview(clerk)
    for key in ("active", "manage", "platform"):
        clerk.say(FACTS[key])
    clerk.tap("跳过")  # 监督保障
    assert "【待补充：监督保障】" in clerk.texts()
    clerk.tap("采用草稿")
    overview = stored(service)["text.overview"]
    assert "【待补充：监督保障】" in overview
    assert "纳入年度工作考核" not in overview and "责任追究" not in overview
    clerk.tap("跳过")  # 上年度问题整改
    clerk.tap("跳过")  # problems
    clerk.tap("跳过")  # measures
    clerk.tap("采用草稿")
    problems = stored(service)["text.problems"]
    assert "【待补充：存在的主要问题】" in problems and "【待补充：改进措施】" in problems
    clerk.say("/docx")
    text = clerk.texts()
    assert "【待补充：监督保障】" in text and "改正后才能生成文档" in text and clerk.document() is None
    # filled in: the placeholder goes, and so does the error
    clerk.say("/menu")
    clerk.tap("5. 一、总体情况")
    for key in ("active", "manage", "platform", "supervise"):
        clerk.say(FACTS[key])
    assert "这一部分已有文字" in clerk.texts()
    clerk.tap("采用草稿")
    assert "会替换已保存的1项内容" in clerk.texts() and "【待补充" in stored(service)["text.overview"]
    clerk.tap("确认替换")
    overview = stored(service)["text.overview"]
    assert "【待补充" not in overview and FACTS["supervise"] in overview


def test_the_checker_reports_a_placeholder_and_an_empty_five_as_errors():
    report = zero_report()
    report.text["overview"] += "\n（五）监督保障\n【待补充：监督保障】"
    report.text["problems"] = "（一）存在的主要问题\n\n（二）改进措施\n"
    errors = [f for f in validate(report) if f.level == "error"]
    assert any("【待补充：监督保障】" in f.message for f in errors)
    assert any("只有标题" in f.message and f.cells == ["text.problems"] for f in errors)


def test_nested_quotes_in_a_draft_become_single_quotes():
    report = zero_report(2026)
    text = drafts.draft("overview.j2", report, {"fact.active": "开展“危及“三安全一稳定”的信息”排查"})
    assert "“危及‘三安全一稳定’的信息”" in text and "““" not in text and "””" not in text


def test_an_edited_text_is_not_replaced_by_a_new_draft_without_asking(tmp_path):
    service = make_service(tmp_path)
    clerk = Clerk(service)
    to_overview(clerk)
    for key in ("active", "manage", "platform", "supervise"):
        clerk.say(FACTS[key])
    clerk.tap("重新编写")
    clerk.say("我镇自己写的总体情况，" + "内容" * 2000)
    clerk.tap("完成")
    mine = stored(service)["text.overview"]
    assert len(mine) == len("我镇自己写的总体情况，") + 4000
    clerk.say("/menu")
    clerk.tap("✔ 5. 一、总体情况")
    for key in ("active", "manage", "platform", "supervise"):
        clerk.say(FACTS[key])
    clerk.tap("采用草稿")
    assert "会替换" in clerk.texts()
    clerk.tap("取消")
    assert stored(service)["text.overview"] == mine
    clerk.tap("在草稿后补充")
    clerk.tap("取消")
    assert stored(service)["text.overview"] == mine
    clerk.tap("保留现有文字")
    assert stored(service)["text.overview"] == mine
