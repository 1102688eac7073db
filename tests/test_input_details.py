"""The smaller misreadings, each reproduced: history in Chinese and without skips, /status that shows
warnings, one error count for clerk and reviewer, a profile-aware message, /preview without "空件", a
button press that says what was chosen, and argparse in Chinese."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from driver import Clerk, make_service, onboard
from factories import zero_report
from sqlmodel import select

from bot.channels.cli import commands as cli
from bot.channels.wiring import docx_bytes
from bot.checks.validate import validate
from bot.core.clock import FixedClock
from bot.interview.engine import Engine
from bot.interview.service import Service
from bot.storage.models import AuditLog, ReportRecord
from bot.storage.repository import Repository


@pytest.fixture
def service(tmp_path):
    return make_service(tmp_path)


def test_history_speaks_chinese_and_does_not_log_a_skip(tmp_path):
    clock = FixedClock(date(2026, 11, 23))
    service = Service(Repository(data_dir=tmp_path, now=clock.now), Engine(clock=clock, render_docx=docx_bytes))
    clerk = Clerk(service)
    onboard(clerk)
    clerk.say("/menu")
    clerk.tap("7. 六、其他事项")
    clerk.tap("收取了")
    clerk.say("1")
    clerk.say("300")
    clock.advance(timedelta(minutes=1))  # the history groups a minute's changes
    clerk.say("/menu")
    clerk.tap("7. 六、其他事项")
    clerk.tap("没有收取")
    clock.advance(timedelta(minutes=1))
    clerk.say("/menu")
    clerk.tap("8. 前言与联系方式")
    clerk.tap("跳过")  # the website: nothing was there, nothing is
    clerk.say("/history")
    text = clerk.texts()
    assert "信息处理费金额（元） 300 → 0" in text and "信息处理费 1件，300元 → 0件，0元" in text
    assert not re.search(r"[a-z_]+\.[a-z_]+", text), text  # no internal key such as fee.amount_yuan
    assert "公开网站" not in text  # the skip is no change
    with service.repo.transaction() as store:
        keys = [a.key for a in store.session.exec(select(AuditLog)).all()]
    assert "fee.amount_yuan" in keys  # the audit log keeps the change itself


def test_status_shows_errors_missing_and_warnings_and_the_reviewer_counts_the_same(service):
    owner = Clerk(service, "owner")
    onboard(owner)
    with service.repo.transaction() as store:  # an overview naming none of its five aspects: a warning (W-ASPECTS)
        record = store.session.exec(select(ReportRecord)).one()
        store.set_answers(record.id, {"text.overview": "本镇认真落实上级部署。"}, None)  # type: ignore[arg-type]
    owner.say("/status")
    status = owner.texts()
    line = next(s for s in status.splitlines() if s.startswith("检查："))
    assert "尚有" in line and "处未填写" in line and "尚未填写：" in status and "表二10处" in status
    assert "提醒：" in status  # warnings are shown, not cut off after ten errors
    owner.say("/invite 审核人")
    token = re.findall(r"/start ([A-Za-z0-9_-]{20,64})", owner.texts())[0]
    reviewer = Clerk(service, "reviewer", name="审核人")
    reviewer.say(f"/start {token}")
    reviewer.say("/review")
    assert line.removesuffix("。") in reviewer.texts()  # the same count, computed the same way


def test_other_high_message_follows_the_profile():
    report = zero_report(2025)
    for col in ("NP", "SUM"):
        for row in ("NEW", "OTH3", "TOTAL"):
            report.cells[f"table3.{row}.{col}"] = 5
    national = [f.message for f in validate(report) if f.rule == "W-OTHER-HIGH"]
    assert any("“六、其他需要报告的事项”中说明" in m for m in national) and not any("数据统计需要说明" in m for m in national)
    report.profile = "shandong"
    shandong = [f.message for f in validate(report) if f.rule == "W-OTHER-HIGH"]
    assert any("（五）数据统计需要说明的事项" in m for m in shandong)


def test_preview_has_no_empty_units_and_a_choice_says_what_was_chosen(service):
    clerk = Clerk(service)
    clerk.say("/start")
    clerk.say("阳城县教育局")
    clerk.tap("县级部门")
    assert clerk.last.ack == "已选择：县级部门" and "已选择：县级部门" in clerk.texts()
    clerk.say("/preview 文字")  # the tables as text (a bare /preview sends page pictures)
    assert "空件" not in clerk.texts() and "空万元" not in clerk.texts() and "（空）" in clerk.texts()
    with service.repo.transaction() as store:
        record = store.session.exec(select(ReportRecord)).one()
        assert store.answers(record.id)["unit.level"] == "county_department"


@pytest.mark.parametrize("argv, words", [([], "缺少参数：命令"), (["frob"], "无效的选项"), (["county"], "缺少参数：子命令")])
def test_argparse_speaks_chinese(capsys, argv, words):
    with pytest.raises(SystemExit):
        cli.main(argv)
    err = capsys.readouterr().err
    assert words in err and "usage" not in err and "error:" not in err and "command" not in err
