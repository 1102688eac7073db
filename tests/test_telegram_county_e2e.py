"""End to end through the fake Bot API: an operator creates a county, its coordinator adds two units and
invites; two clerks and a reviewer join by deep link; one report goes clerk → returned with a comment →
fixed → approved → final; the dashboard shows both units; /collect returns a zip that reads back."""

from __future__ import annotations

import dataclasses
import io
import re
import zipfile

import docx
import pytest
from factories import zero_report
from fakebotapi import FakeBotAPI
from openpyxl import load_workbook
from tgharness import BotThread, TgClerk, config_for, service_for

from bot.importer import import_bytes

pytestmark = pytest.mark.both_databases  # tests/conftest.py: SQLite and PostgreSQL

ADMIN, COORDINATOR, CLERK, REVIEWER, OTHER_CLERK = 7000, 7001, 7101, 7102, 7201
DEEP_LINK = re.compile(r"https://t\.me/nianbao_test_bot\?start=([A-Za-z0-9_-]+)")


@pytest.fixture
def api():
    with FakeBotAPI(token="123:ABC") as fake:
        yield fake


def link(text: str, label: str = "") -> str:
    """The deep link's payload: what Telegram sends as '/start PAYLOAD' when the link is opened."""
    line = next(line for line in text.splitlines() if label in line and DEEP_LINK.search(line)) if label else text
    return DEEP_LINK.search(line).group(1)  # type: ignore[union-attr]


def wait_text(api: FakeBotAPI, chat: int, needle: str, since: int = 0):  # type: ignore[no-untyped-def]
    return api.wait_for(lambda c: c.chat_id == chat and needle in (c.text or c.caption or ""), timeout=20, since=since)


def test_county_review_and_collection_through_telegram(api, tmp_path):
    config = dataclasses.replace(config_for(api, tmp_path), admin_ids=frozenset({str(ADMIN)}))
    with BotThread(config, reminder_interval=0.2):
        admin = TgClerk(api, ADMIN, "管理员")
        admin.say("/county 阳城县 山西省 晋城市")
        coordinator = TgClerk(api, COORDINATOR, "王协调")
        coordinator.say(f"/start {link(admin.last_text())}")
        assert "您已成为阳城县的协调人" in coordinator.last_text()
        coordinator.say("/addunit 次营镇人民政府")
        first = coordinator.last_text()
        coordinator.say("/addunit 北留镇人民政府")
        second = coordinator.last_text()

        clerk = TgClerk(api, CLERK, "李填报")
        clerk.say(f"/start {link(first, '填报人')}")
        assert "您已加入“次营镇人民政府”（填报人）" in clerk.last_text()
        reviewer = TgClerk(api, REVIEWER, "赵审核")
        reviewer.say(f"/start {link(first, '审核人')}")
        assert "担任审核人" in reviewer.last_text()
        other = TgClerk(api, OTHER_CLERK, "孙填报")
        other.say(f"/start {link(second, '填报人')}")
        assert "北留镇人民政府" in other.last_text()
        stranger = TgClerk(api, 7999, "陌生人")
        stranger.say(f"/start {link(first, '填报人')}")  # the clerk's link again: used
        assert "已被使用过" in stranger.last_text()

        # the clerk fills the report in one upload and submits it
        report = zero_report(2026, "次营镇人民政府")
        clerk.upload("次营镇.json", report.to_json().encode("utf-8"))
        assert "0个错误" in clerk.last_text()
        mark = len(api.sent)
        clerk.tap("提交审核")
        assert "已提交审核" in clerk.last_text()

        # the reviewer is told, opens it, comments on a cell and returns it
        news = wait_text(api, REVIEWER, "【待审核】", since=mark)
        assert news.buttons == [("查看", "resume")]
        reviewer.tap("查看")
        assert "待审核" in reviewer.last_text()
        reviewer.tap("添加意见")
        reviewer.tap("表二 主动公开")
        reviewer.say("行政许可 应为3件，请核对台账")
        mark = len(api.sent)
        reviewer.tap("退回修改")
        assert "已退回修改" in reviewer.last_text()

        returned = wait_text(api, CLERK, "【退回修改】", since=mark)
        assert "表二「行政许可」本年处理决定数量" in returned.text and "应为3件" in returned.text
        clerk.say("/menu")
        clerk.tap("✔ 2. 表二 主动公开（有审核意见）")
        clerk.tap("有，逐项填写")
        clerk.say("0 0 0")
        assert "审核意见（表二「行政许可」本年处理决定数量）：应为3件" in clerk.last_text()
        clerk.say("3 0 0")
        mark = len(api.sent)
        clerk.say("/submit")
        assert "已提交审核" in clerk.last_text()

        wait_text(api, REVIEWER, "【待审核】", since=mark)
        reviewer.say("/review")
        mark = len(api.sent)
        reviewer.tap("审核通过")
        final_doc = reviewer.last_document()
        assert final_doc is not None and final_doc.filename == "次营镇人民政府2026年政府信息公开工作年度报告.docx"
        assert docx.Document(io.BytesIO(final_doc.data)).core_properties.content_status == "定稿"
        wait_text(api, CLERK, "【审核通过】", since=mark)

        # the coordinator's view
        coordinator.say("/dashboard")
        dashboard = coordinator.last_text()
        assert "共2个单位：已定稿1，待审核0，填报中0（其中已退回0），未开始1。" in dashboard
        assert re.search(r"#\d+ 次营镇人民政府｜已定稿｜9/9｜0｜\d\d-\d\d｜剩69天", dashboard), dashboard
        assert re.search(r"#\d+ 北留镇人民政府｜未开始｜0/9｜—｜—｜剩69天", dashboard), dashboard
        coordinator.say("/collect")
        package = coordinator.last_document()
        assert package is not None and package.filename.startswith("阳城县2026年度") and package.filename.endswith(".zip")
        archive = zipfile.ZipFile(io.BytesIO(package.data))
        assert sorted(archive.namelist()) == ["次营镇人民政府2026年政府信息公开工作年度报告.docx", "汇总表.xlsx"]
        collected = archive.read("次营镇人民政府2026年政府信息公开工作年度报告.docx")
        assert collected == final_doc.data
        back = import_bytes(collected, "次营镇.docx").report
        assert back.cells["table2.LIC"] == 3 and back.unit["name"] == "次营镇人民政府"
        rows = list(load_workbook(io.BytesIO(archive.read("汇总表.xlsx"))).active.iter_rows(values_only=True))
        header = rows[1]
        units = {r[1]: dict(zip(header, r, strict=True)) for r in rows[2:]}
        assert units["次营镇人民政府"]["状态"] == "已定稿" and units["次营镇人民政府"]["行政许可"] == 3
        assert units["北留镇人民政府"]["状态"] == "未开始" and units["北留镇人民政府"]["行政许可"] is None
        assert units["合计（已定稿1个单位）"]["行政许可"] == 3
        assert not api.errors


def test_a_group_chat_gets_no_report_and_does_not_become_the_persons_chat(api, tmp_path):
    with BotThread(config_for(api, tmp_path)):
        clerk = TgClerk(api, 7301, "李填报")
        clerk.say("/start")
        clerk.say("次营镇人民政府")
        before = len(api.sent)
        api.send_text(7301, "/preview", chat_id=-1001)
        reply = api.wait_for(lambda c: c.chat_id == -1001, timeout=10, since=before)
        assert "只在私聊中使用" in reply.text and "次营镇" not in reply.text
        api.send_text(7301, "随便说说", chat_id=-1001)  # plain talk in the group: silence
        clerk.say("/status")  # the person's own chat still works
        assert "次营镇人民政府" in clerk.last_text()
        assert [c for c in api.sent[before:] if c.chat_id == -1001] == [reply]
    service = service_for(tmp_path)
    with service.repo.transaction() as store:
        assert store.user("telegram", "7301").chat_id == "7301"
