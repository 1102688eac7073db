"""DingTalk end to end: the real bot process and the real Stream SDK against a fake DingTalk on 127.0.0.1."""

from __future__ import annotations

import io
import json
import subprocess
import sys

import docx
import pytest
from conftest import ROOT
from driver import narratives, onboard
from factories import zero_report
from fakedingtalk import DingTalkProcess, DtClerk, FakeDingTalk

from bot.checks.validate import validate
from bot.core.config import EX_CONFIG
from bot.importer import import_bytes


@pytest.fixture
def fake():
    with FakeDingTalk() as server:
        yield server


def test_all_zero_township_from_invite_to_the_docx_as_a_file(fake, tmp_path):
    with DingTalkProcess(fake, tmp_path) as bot:
        owner = DtClerk(fake, "owner01", "李四")
        onboard(owner)
        owner.say("/invite 填报人")
        token = owner.last_text().split("/start ")[1].split()[0]
        clerk = DtClerk(fake, "clerk01", "张三")
        clerk.say(f"/start {token}")  # joining by the same invite token, typed
        assert "次营镇人民政府" in clerk.last_text()
        assert "【第 2/9 部分 · 表二 主动公开 · 次营镇人民政府 2026年度】" in clerk.last_text()  # where the unit's report stands
        clerk.tap("全部为0")
        clerk.tap("没有，全部为0")
        clerk.tap("没有，全部为0")
        narratives(clerk)
        assert "0个错误" in clerk.last_text()
        clerk.tap("生成Word文档")
        doc = clerk.last_document()
        assert doc is not None and doc.filename == "次营镇人民政府2026年政府信息公开工作年度报告（草稿）.docx"
        report = import_bytes(doc.data, doc.filename).report
        assert report.year == 2026 and report.unit["name"] == "次营镇人民政府"
        assert all(v == 0 for v in report.cells.values())
        assert not [f for f in validate(report) if f.level == "error"]
        # a pressed card lost its buttons and shows the choice
        assert any(any(c.get("text") == "✔ 全部为0" for c in card["contents"]) for _, card in fake.updates)
        assert all(not [c for c in card["contents"] if c["type"] == "action"] for _, card in fake.updates)
    # the SDK was told no address of this machine, and no process of the bot reached or looked up
    # anything beyond 127.0.0.1 (the SDK's route probe towards 8.8.8.8 included)
    assert fake.opened and all(body["localIp"] == "" for body in fake.opened)
    assert bot.outside() == []


def test_a_card_pressed_twice_or_out_of_date_is_stale_and_a_group_gets_a_pointer(fake, tmp_path):
    with DingTalkProcess(fake, tmp_path):
        clerk = DtClerk(fake, "clerk02")
        onboard(clerk)
        card_id, action = clerk.find_button("全部为0")
        clerk.press(card_id, action)
        assert "表三" in clerk.last_text()
        clerk.press(card_id, action)  # the same button again: the engine knows it is stale
        assert clerk.last_text() == "这个按钮已过期，请使用最新一条消息中的按钮。"
        clerk.press(card_id, "nb_zz")  # not a button this bot made: ignored, acknowledged all the same
        assert clerk.last_text() == ""
        clerk.say("/menu")
        assert "请选择要填写或修改的部分" in clerk.last_text()
        group = clerk.message("text", text={"content": "/start"}, conversationType="2", conversationId="cid-group")
        fake.wait_ack(fake.push("/v1.0/im/bot/messages/get", group))
        assert [s.text for s in fake.to("cid-group")] == ["年报助手只在单聊中使用，请点击我的头像，发起单聊后发送 /start。"]


def test_files_through_their_download_code_and_replies_that_wait_out_throttling(fake, tmp_path):
    doc = zero_report(2026, "测试镇人民政府").to_dict()
    with DingTalkProcess(fake, tmp_path):
        clerk = DtClerk(fake, "clerk03")
        clerk.say("/start")
        fake.fail_next("/v1.0/robot/oToMessages/batchSend", 2, 403, {"code": "Forbidden.AccessDenied.QpsLimitForApi", "message": "限流"})
        clerk.upload("年报.json", json.dumps(doc, ensure_ascii=False).encode())
        assert "已从JSON填入" in clerk.last_text()  # sent after the throttling, not dropped
        fake.fail_next("/media/upload", 1, 503, {"message": "unavailable"})
        clerk.say("/docx")
        sent = clerk.last_document()
        assert sent is not None and sent.filename == "测试镇人民政府2026年政府信息公开工作年度报告（草稿）.docx"
        assert docx.Document(io.BytesIO(sent.data)).paragraphs
        clerk.upload("报告.exe", b"MZ\x90\x00 garbage")
        assert "不支持" in clerk.last_text()
        clerk.upload("photo.jpg", b"\xff\xd8\xff garbage")  # a photo is read (OCR): this one is broken
        assert "损坏" in clerk.last_text() and "没有任何改动" in clerk.last_text()
        fake.wait_ack(fake.push("/v1.0/im/bot/messages/get", clerk.message("file", content={"downloadCode": "expired", "fileName": "a.docx"})))
        assert [s.text for s in fake.to("clerk03")][-1] == "文件没有下载成功，请再发送一次。已保存的内容不受影响。"


def test_a_rejected_client_secret_is_a_setting_to_fix(fake, tmp_path):
    bot = DingTalkProcess(fake, tmp_path, DINGTALK_CLIENT_SECRET="wrong")
    done = subprocess.run([sys.executable, "-m", "bot", "run"], env=bot.env, cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert done.returncode == EX_CONFIG and "钉钉拒绝了" in done.stderr and "wrong" not in done.stderr
    assert fake.connections == 0
