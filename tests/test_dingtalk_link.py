"""One person on the web page and in DingTalk (/link): one set of roles, and a reviewer's comment made on
the web reaches them in DingTalk, the channel they used last."""

from __future__ import annotations

import re
import time

from driver import Clerk
from fakedingtalk import DingTalkProcess, DtClerk, FakeDingTalk
from roles import add_unit, build_county, fill_complete
from sqlmodel import select

from bot.storage.models import Delivery


def test_a_comment_on_the_web_reaches_the_person_in_dingtalk(tmp_path):
    with FakeDingTalk() as fake, DingTalkProcess(fake, tmp_path):
        county = build_county(tmp_path)  # the same database as the bot process
        _, clerk_token, reviewer_token = add_unit(county.coordinator, "测试镇人民政府")
        web_clerk = Clerk(county.service, "w-clerk", channel="web", name="钱填报")
        web_clerk.say(f"/start {clerk_token}")
        web_reviewer = Clerk(county.service, "w-rev", channel="web", name="吴审核")
        web_reviewer.say(f"/start {reviewer_token}")
        fill_complete(web_clerk, name="测试镇人民政府")
        web_clerk.say("/submit")

        web_clerk.say("/link")
        code = re.search(r"NB-[A-Z0-9]{4}-[A-Z0-9]{4}", web_clerk.texts()).group(0)  # type: ignore[union-attr]
        ding = DtClerk(fake, "dt-clerk", "钱填报")
        ding.say(code)  # typed alone on the other channel
        assert "已关联" in ding.last_text() and "网页版" in ding.last_text()
        ding.say(code)
        assert "关联码无效或已过期" in ding.last_text()  # once only
        ding.say("/status")
        assert "测试镇人民政府" in ding.last_text() and "待审核" in ding.last_text()  # the web account's unit and report

        web_reviewer.say("/review")
        web_reviewer.tap("添加意见")
        web_reviewer.tap("表二 主动公开")
        web_reviewer.say("行政许可 应为3件，请核对台账")
        web_reviewer.tap("退回修改")
        deadline = time.monotonic() + 30
        while not [s for s in fake.to("dt-clerk") if s.kind == "card" and "应为3件" in s.text]:
            assert time.monotonic() < deadline, "the comment did not reach DingTalk"
            time.sleep(0.1)
        (news,) = [s for s in fake.to("dt-clerk") if s.kind == "card" and "退回修改" in s.text]
        assert [label for label, _ in news.buttons] == ["查看"]
        with county.service.repo.transaction() as store:
            returned = store.session.exec(select(Delivery).where(Delivery.kind == "review", Delivery.text.contains("应为3件"))).all()  # type: ignore[attr-defined]
            assert [(d.channel, d.chat_id) for d in returned] == [("dingtalk", "dt-clerk")]  # not also to the web page
            reviewer = store.user("web", "w-rev")
            assert any("待审核" in d.text or "提交" in d.text for d in store.inbox(reviewer, county.service.engine.clock.now()))
