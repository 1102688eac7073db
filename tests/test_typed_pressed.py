"""Typed = pressed (issue 25, item 4), in the engine so that every channel has it: the label of a button of
the current prompt typed as text is the press; “行名 + 数字” sets a 表三 row at any question, as /help says;
a command that only reads keeps a replacement waiting for 确认替换 / 取消. Through `Service.handle` (the
engine-level Clerk) and through the terminal channel."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest
from driver import FACTS, Clerk, make_service, onboard
from sqlmodel import select

from bot.channels.terminal import Terminal
from bot.interview.service import Service
from bot.storage.models import Conversation, ReportRecord, User

ALL_ZERO = "三张表都为0（表二、表三、表四）"


@pytest.fixture
def service(tmp_path: Path) -> Service:
    return make_service(tmp_path)


def stored(service: Service) -> dict[str, Any]:
    with service.repo.transaction() as store:
        record = store.session.exec(select(ReportRecord).order_by(ReportRecord.id.desc())).first()  # type: ignore[attr-defined]
        assert record is not None
        return store.answers(record.id)  # type: ignore[arg-type]


def step_of(service: Service, external_id: str = "clerk1") -> str:
    with service.repo.transaction() as store:
        user = store.session.exec(select(User).where(User.external_id == external_id)).one()
        conv = store.session.get(Conversation, user.id)
        return conv.step if conv else ""


def at_overview(service: Service) -> Clerk:
    clerk = Clerk(service)
    onboard(clerk)
    clerk.tap(ALL_ZERO)
    assert "主动公开" in clerk.texts()
    return clerk


def test_typed_skip_is_the_skip_button_not_the_answer(service: Service) -> None:
    clerk = at_overview(service)
    clerk.say("跳过")
    assert "已跳过" in clerk.texts() and step_of(service) == "ov_manage"
    assert stored(service)["fact.active"] == ""  # skipped: the draft will say 【待补充：主动公开】, never “跳过”
    assert "跳过" not in stored(service).values()


def test_typed_keep_is_the_keep_button(service: Service) -> None:
    clerk = at_overview(service)
    clerk.say(FACTS["active"])
    clerk.say("/back")
    assert "不变请点“保留”" in clerk.texts()
    clerk.say("保留")
    assert "已保留" in clerk.texts() and stored(service)["fact.active"] == FACTS["active"]
    assert step_of(service) == "ov_manage"


def test_typed_option_label_and_a_label_that_is_no_button_now(service: Service) -> None:
    clerk = Clerk(service)
    onboard(clerk)
    clerk.say(ALL_ZERO)  # the option's label typed: the one tap for the three tables
    assert stored(service)["table4.RV.T"] == 0 and step_of(service) == "ov_active"
    clerk.say("确认替换")  # no such button on this prompt: an answer like any other text
    assert stored(service)["fact.active"] == "确认替换"


def test_row_name_and_numbers_at_a_narrative_question_sets_the_row_and_stays(service: Service) -> None:
    clerk = at_overview(service)
    clerk.say("予以公开 1 0 0 0 0 0")
    answers = stored(service)
    assert answers["table3.OPEN.NP"] == 1 and answers["table3.OPEN.SUM"] == 1 and answers["table3.TOTAL.NP"] == 1
    assert "fact.active" not in answers  # not taken as the text of 一
    assert "已修改“予以公开”" in clerk.texts() and "（一）主动公开" in clerk.texts() and step_of(service) == "ov_active"
    clerk.say("予以公开 2 0 0 0 0 0 5")  # a stated total that disagrees: refused and named, nothing stored
    assert "您写的是5" in clerk.texts() and stored(service)["table3.OPEN.NP"] == 1
    clerk.say("本年新收 3")  # a row's name with too few numbers: said, not stored as text either
    assert "需要6个数" in clerk.texts() and "fact.active" not in stored(service)
    clerk.say(FACTS["active"])  # ordinary text is the answer
    assert stored(service)["fact.active"] == FACTS["active"] and step_of(service) == "ov_manage"


def waiting_replacement(service: Service) -> Clerk:
    """表二 filled, then 全部为0 over it: the replacement waits for 确认替换 / 取消."""
    clerk = Clerk(service)
    onboard(clerk)
    clerk.tap("有，逐项填写")
    clerk.say("2 0 5")
    clerk.say("12 3 1")
    clerk.say("1.5")
    clerk.say("/menu")
    clerk.tap("✔ 2. 表二 主动公开")
    clerk.tap("全部为0")
    assert "会替换已保存的" in clerk.texts()
    return clerk


@pytest.mark.parametrize("command", ["/status", "/help", "/preview 文字", "/history", "/members", "/deadline"])
def test_a_command_that_only_reads_keeps_the_confirmation_open(service: Service, command: str) -> None:
    clerk = waiting_replacement(service)
    clerk.say(command)
    assert "没有等待确认的操作" not in clerk.texts()
    clerk.say("确认替换")  # typed (the buttons of the question are still the current ones, or asked again)
    assert "没有等待确认的操作" not in clerk.texts()
    assert stored(service)["table2.NORM.made"] == 0 and stored(service)["table2.FEE"] == "0"


def test_a_command_that_moves_drops_the_confirmation(service: Service) -> None:
    clerk = waiting_replacement(service)
    data = clerk.button_data("确认替换")
    clerk.say("/back")
    clerk.press_data(data)  # its button is stale now
    assert stored(service)["table2.NORM.made"] == 2


def test_typed_labels_in_the_terminal(tmp_path: Path) -> None:
    service = make_service(tmp_path)
    lines = ["/start", "次营镇人民政府", "山西省 晋城市 阳城县", ALL_ZERO, "跳过", "予以公开 1 0 0 0 0 0", FACTS["manage"]]
    out = io.StringIO()
    Terminal(service, tmp_path, user="clerk", stdin=io.StringIO("\n".join(lines) + "\n"), stdout=out).run()
    with service.repo.transaction() as store:
        record = store.session.exec(select(ReportRecord)).one()
        answers = store.answers(record.id)  # type: ignore[arg-type]
    assert answers["fact.active"] == "" and answers["table3.OPEN.NP"] == 1 and answers["fact.manage"] == FACTS["manage"]
    assert "已跳过" in out.getvalue() and "已修改“予以公开”" in out.getvalue()


def test_start_asks_a_waiting_replacement_once(service: Service) -> None:
    clerk = waiting_replacement(service)
    clerk.say("/start")
    assert clerk.texts().count("会替换已保存的") == 1
    clerk.tap("确认替换")
    assert stored(service)["table2.NORM.made"] == 0


def test_in_the_terminal_a_read_only_command_keeps_the_confirmation(tmp_path: Path) -> None:
    service = make_service(tmp_path)
    lines = ["/start", "次营镇人民政府", "山西省 晋城市 阳城县", "有，逐项填写", "2 0 5", "12 3 1", "1.5",
             "/menu", "✔ 2. 表二 主动公开", "全部为0", "/status", "/help", "确认替换"]
    out = io.StringIO()
    Terminal(service, tmp_path, user="clerk", stdin=io.StringIO("\n".join(lines) + "\n"), stdout=out).run()
    assert "会替换已保存的" in out.getvalue() and "没有等待确认的操作" not in out.getvalue()
    with service.repo.transaction() as store:
        answers = store.answers(store.session.exec(select(ReportRecord)).one().id)  # type: ignore[arg-type]
    assert answers["table2.NORM.made"] == 0 and answers["table2.LIC"] == 0


def test_a_read_only_command_with_buttons_shows_the_waiting_question_beside_them(service: Service) -> None:
    clerk = Clerk(service)
    onboard(clerk)
    clerk.say("/invite 填报人")  # an open invitation: /members offers to revoke it
    clerk.say("/menu")
    clerk.tap("2. 表二 主动公开")
    clerk.tap("有，逐项填写")
    for answer in ("2 0 5", "12 3 1", "1.5", "/menu"):
        clerk.say(answer)
    clerk.tap("✔ 2. 表二 主动公开")
    clerk.tap("全部为0")
    assert "会替换已保存的" in clerk.texts()
    clerk.say("/members")
    assert "会替换已保存的" in clerk.last.replies[-1].text  # shown again, after the members and their buttons
    revoke = next(b.data for r in clerk.last.replies for row in r.buttons for b in row if b.label.startswith("撤销"))
    clerk.press_data(revoke)  # the command's own buttons were not made stale by the question shown again
    assert clerk.last.stale is False and "撤销" in clerk.texts()
    clerk.say("/start")  # a later visit: the replacement still waits
    assert "会替换已保存的" in clerk.texts()
    clerk.tap("确认替换")
    assert stored(service)["table2.NORM.made"] == 0
