"""Edited messages through the real PTB Application and the fake Bot API (issue 12, item 8): an edit of
the last answer or the one before updates it, says so and re-checks; an older one gets a clear note."""

from __future__ import annotations

import pytest
from driver import FACTS
from fakebotapi import FakeBotAPI
from sqlmodel import select
from tgharness import BotThread, TgClerk, config_for, service_for

from bot.storage.models import ReportRecord


@pytest.fixture
def api():
    with FakeBotAPI(token="123:ABC") as fake:
        yield fake


def stored(tmp_path) -> dict:
    service = service_for(tmp_path)
    with service.repo.transaction() as store:
        record = store.session.exec(select(ReportRecord)).one()
        return store.answers(record.id)


def test_edits_of_the_last_answers_update_them_and_older_ones_are_noted(api, tmp_path):
    with BotThread(config_for(api, tmp_path)):
        clerk = TgClerk(api, 601)
        clerk.say("/start")
        clerk.say("次营镇人民政府")
        clerk.say("山西省 晋城市 阳城县")
        assert "表二“主动公开政府信息情况”" in clerk.last_text()
        region_message = clerk.sent_ids()[-1]
        # the region corrected while the bot asks the next question: the region changes, nothing else
        clerk.edit(region_message, "山西省 晋城市 沁水县")
        text = clerk.last_text()
        assert "已按您修改后的消息更新了“单位信息”中的回答" in text and "表二" in text and "年份" not in text
        answers = stored(tmp_path)
        assert answers["unit.county"] == "沁水县"
        clerk.tap("三张表都为0（表二、表三、表四）")
        clerk.say(FACTS["active"])
        clerk.say(FACTS["manage"])
        assert "平台建设" in clerk.last_text()
        active_message = clerk.sent_ids()[-2]
        # the answer before the last one corrected: updated, and the bot stays at the question it asked
        clerk.edit(active_message, "县政府网站公开70条")
        text = clerk.last_text()
        assert "已按您修改后的消息更新了“一、总体情况”中的回答" in text and "平台建设" in text
        answers = stored(tmp_path)
        assert answers["fact.active"] == "县政府网站公开70条" and answers["fact.manage"] == FACTS["manage"]
        # anything older: a clear note, nothing changed
        clerk.edit(region_message, "山西省 晋城市 城区")
        assert "修改了一条较早的消息" in clerk.last_text()
        assert stored(tmp_path)["unit.county"] == "沁水县"
        clerk.say(FACTS["platform"])
        assert "监督保障" in clerk.last_text()
        assert not api.errors
