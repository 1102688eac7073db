"""DingTalk end to end: the real bot process and the real Stream SDK against a fake DingTalk on 127.0.0.1."""

from __future__ import annotations

import pytest
from driver import narratives, onboard
from fakedingtalk import DingTalkProcess, DtClerk, FakeDingTalk

from bot.importer import import_bytes
from bot.validate import validate


@pytest.fixture
def fake():
    with FakeDingTalk() as server:
        yield server


def test_all_zero_township_from_invite_to_the_docx_as_a_file(fake, tmp_path):
    with DingTalkProcess(fake, tmp_path):
        owner = DtClerk(fake, "owner01", "李四")
        onboard(owner)
        owner.say("/invite 填报人")
        token = owner.last_text().split("/start ")[1].split()[0]
        clerk = DtClerk(fake, "clerk01", "张三")
        clerk.say(f"/start {token}")  # joining by the same invite token, typed
        assert "次营镇人民政府" in clerk.last_text()
        assert "【第 2/9 部分 · 表二 主动公开】" in clerk.last_text()  # where the unit's report stands
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
    # the SDK was told no address of this machine: nothing was probed
    assert fake.opened and all(body["localIp"] == "" for body in fake.opened)
