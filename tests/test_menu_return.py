"""Editing a part from /menu returns to where the clerk was (issue 25, item 3), in the engine so that every
channel has it: the part chosen in /menu is answered, and when its last question is done the conversation
goes back to the question the clerk left (or to 检查与生成 when the report is complete) instead of running on
into the parts after it. Through `Service.handle` (the engine-level Clerk), the terminal and the web page."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from driver import FACTS, Clerk, button_labels, make_service, narratives, onboard
from sqlmodel import select
from webharness import Server, build_world

from bot.channels.terminal import Terminal
from bot.interview.service import Service
from bot.interview.state import Detour, dump, load
from bot.storage.models import Conversation, User

BACK = "回到刚才的问题"


@pytest.fixture
def service(tmp_path: Path) -> Service:
    return make_service(tmp_path)


def conversation(service: Service, external_id: str = "clerk1") -> tuple[str, str]:
    """(step, stored state JSON) of the person's conversation."""
    with service.repo.transaction() as store:
        user = store.session.exec(select(User).where(User.external_id == external_id)).one()
        conv = store.session.get(Conversation, user.id)
        assert conv is not None
        return conv.step, conv.state or ""


def step_of(service: Service) -> str:
    return conversation(service)[0]


def choose(clerk: Clerk, title: str) -> None:
    """/menu, then the part whose button names `title` (with or without its ✔)."""
    clerk.say("/menu")
    clerk.tap(next(label for label in button_labels(clerk) if title in label))


def at_table4(service: Service) -> Clerk:
    clerk = Clerk(service)
    onboard(clerk)
    clerk.tap("全部为0")  # 表二
    clerk.tap("没有，全部为0")  # 表三
    assert step_of(service) == "t4_mode"
    return clerk


def overview(clerk: Clerk) -> None:
    for key in ("active", "manage", "platform", "supervise"):
        clerk.say(FACTS[key])
    clerk.tap("采用草稿")


def test_an_earlier_part_edited_from_the_menu_returns_to_the_question_left(service: Service) -> None:
    clerk = at_table4(service)
    choose(clerk, "表二")
    assert step_of(service) == "t2_mode"
    clerk.tap("有，逐项填写")
    clerk.say("0 0 5")
    clerk.say("0 0 12")
    assert step_of(service) == "t2_fee"  # still inside 表二: nothing said yet
    clerk.say("3")
    texts = clerk.texts()
    assert "已保存：行政事业性收费3万元。" in texts and "已改完「表二 主动公开」，回到刚才的问题：" in texts
    assert texts.index("已改完") < texts.index("表四：本年度有没有")  # the line, then the question left
    assert step_of(service) == "t4_mode"
    assert "detour" not in json.loads(conversation(service)[1])  # used once, then forgotten


def test_a_later_part_edited_from_the_menu_returns_instead_of_running_on(service: Service) -> None:
    clerk = at_table4(service)
    choose(clerk, "一、总体情况")
    overview(clerk)
    assert "已改完「一、总体情况」，回到刚才的问题：" in clerk.texts()
    assert step_of(service) == "t4_mode"  # not 五's first question
    clerk.tap("没有，全部为0")  # the interview goes on from there as before
    assert step_of(service) == "ov_active"


def test_a_complete_report_returns_to_check_and_generate(service: Service) -> None:
    clerk = Clerk(service)
    onboard(clerk)
    clerk.tap("三张表都为0（表二、表三、表四）")
    narratives(clerk)
    assert step_of(service) == "finish"
    choose(clerk, "五、问题及改进")
    clerk.tap("跳过")
    clerk.say(FACTS["problems"])
    clerk.say(FACTS["measures"])
    clerk.tap("采用草稿")
    assert "已改完「五、问题及改进」，报告已填完，回到检查与生成：" in clerk.texts()
    assert step_of(service) == "finish"


def test_a_second_menu_choice_keeps_the_first_question_left(service: Service) -> None:
    clerk = at_table4(service)
    choose(clerk, "一、总体情况")
    clerk.say(FACTS["active"])  # half-way through 一, another part is chosen
    choose(clerk, "表三")
    clerk.tap("没有，全部为0")
    assert "已改完「表三 依申请公开」，回到刚才的问题：" in clerk.texts()
    assert step_of(service) == "t4_mode"


def test_choosing_the_part_one_is_at_or_check_and_generate_runs_on_as_before(service: Service) -> None:
    clerk = at_table4(service)
    choose(clerk, "表四")  # the part one is at: from its first question, on into the next parts
    clerk.tap("没有，全部为0")
    assert BACK not in clerk.texts() and step_of(service) == "ov_active"
    choose(clerk, "检查与生成")
    assert "detour" not in json.loads(conversation(service)[1])


def test_back_out_of_the_chosen_part_forgets_the_way_back(service: Service) -> None:
    clerk = at_table4(service)
    choose(clerk, "一、总体情况")
    clerk.say("/back")  # from 一's first question: the question left, by the history
    assert step_of(service) == "t4_mode"
    assert "detour" not in json.loads(conversation(service)[1])
    clerk.tap("没有，全部为0")
    assert step_of(service) == "ov_active"


def test_the_way_back_is_kept_in_the_stored_state_across_a_restart(service: Service, tmp_path: Path) -> None:
    clerk = at_table4(service)
    choose(clerk, "一、总体情况")
    stored = json.loads(conversation(service)[1])
    assert stored["version"] == 2 and stored["detour"]["part"] == "overview" and stored["detour"]["step"] == "t4_mode"
    restarted = make_service(tmp_path)  # a new process on the same database
    again = Clerk(restarted)
    for key in ("active", "manage", "platform", "supervise"):
        again.say(FACTS[key])
    again.tap("采用草稿")
    assert BACK in again.texts() and step_of(restarted) == "t4_mode"


def test_state_without_or_with_a_damaged_way_back_loads() -> None:
    assert load(json.dumps({"version": 2, "history": ["t2_mode"]})).detour is None  # stored before it existed
    assert load(json.dumps({"version": 2, "detour": {"part": "overview"}})).detour is None
    assert load(json.dumps({"history": ["unit_name"], "sub": {"item": 1}})).detour is None  # version 1
    kept = load(dump(load(json.dumps({"version": 2, "detour": {"part": "overview", "step": "t4_mode", "report": 3}}))))
    assert kept.detour == Detour(part="overview", step="t4_mode", report=3)


def test_in_the_terminal(tmp_path: Path) -> None:
    service = make_service(tmp_path)
    lines = ["/start", "次营镇人民政府", "山西省 晋城市 阳城县", "全部为0", "没有，全部为0",
             "/menu", "✔ 2. 表二 主动公开", "有，逐项填写", "0 0 5", "0 0 12", "3"]
    out = io.StringIO()
    Terminal(service, tmp_path, user="clerk", stdin=io.StringIO("\n".join(lines) + "\n"), stdout=out).run()
    shown = out.getvalue()
    assert "已改完「表二 主动公开」，回到刚才的问题：" in shown
    assert shown.rindex("表四：本年度有没有") > shown.index("已改完")


def test_on_the_web_page(server: Server) -> None:
    world = build_world(server)
    clerk = world.clerk
    clerk.tap("全部为0")  # 表二
    clerk.tap("没有，全部为0")  # 表三: now at 表四
    clerk.say("/menu")
    clerk.tap(next(b["label"] for m in reversed(clerk.messages()) for line in m.get("buttons") or [] for b in line
                   if "表三" in b["label"]))
    replies = clerk.tap("没有，全部为0")
    texts = "\n".join(m["text"] for m in replies)
    assert "已改完「表三 依申请公开」，回到刚才的问题：" in texts and "表四：本年度有没有" in texts
