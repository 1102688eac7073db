"""Digits are data: wherever a number is asked, a typed number is the answer, never a button.

In the terminal, buttons are letters (a, b, c…) shown on every prompt that has them, and a letter that
is not on the screen is refused; through the fake Bot API, buttons are inline keyboards. Every outcome
is read back from the database.
"""

from __future__ import annotations

import io
from decimal import Decimal

import pytest
from driver import Clerk, make_service, onboard
from fakebotapi import FakeBotAPI
from sqlmodel import select
from tgharness import BotThread, TgClerk, config_for, service_for

from bot.channels.terminal import Terminal
from bot.interview.parse import AnswerError, yuan
from bot.storage.models import ReportRecord


@pytest.fixture
def service(tmp_path):
    return make_service(tmp_path)


def answers(service) -> dict:
    with service.repo.transaction() as store:
        record = store.session.exec(select(ReportRecord)).one()
        return store.answers(record.id)


class Screen:
    """The terminal channel in this process, on the real service: lines typed, the screen read."""

    def __init__(self, service, tmp_path):
        self.out = io.StringIO()
        self.term = Terminal(service, tmp_path / "documents", user="clerk", stdin=io.StringIO(""), stdout=self.out)

    def type(self, line: str) -> str:
        start = len(self.out.getvalue())
        self.term.feed(line + "\n")
        return self.out.getvalue()[start:]

    def letter(self, label: str) -> str:
        """The letter the screen shows for a button."""
        for i, button in enumerate(self.term.choices):
            if button.label == label:
                return chr(ord("a") + i)
        raise AssertionError(f"no choice {label!r} among {[b.label for b in self.term.choices]}")

    def choose(self, label: str) -> str:
        return self.type(self.letter(label))


def to_fee_question(screen: Screen) -> None:
    screen.type("/start")
    screen.type("次营镇人民政府")
    screen.type("山西省 晋城市 阳城县")
    screen.type("/menu")
    screen.choose("7. 六、其他事项")


def test_terminal_buttons_are_letters_and_a_number_is_the_answer(service, tmp_path):
    screen = Screen(service, tmp_path)
    to_fee_question(screen)
    shown = screen.choose("收取了")
    assert "收取了几件申请的信息处理费？请发一个数（单位：件）" in shown
    assert screen.term.choices == []  # the question has no buttons: nothing on the screen to choose
    shown = screen.type("1")  # was: the first button, "没有收取"
    assert "已记录：收取了1件申请的信息处理费" in shown and "合计收取多少元？请发一个数（单位：元）" in shown
    assert answers(service)["fee.cases"] == 1
    shown = screen.type("1")  # was: the help; 1 is one 元
    assert "已记录：收取信息处理费1件，合计1元" in shown
    assert answers(service)["info_fee"] == {"cases": 1, "amount_yuan": 1.0}


def test_terminal_refuses_a_letter_not_on_the_screen(service, tmp_path):
    screen = Screen(service, tmp_path)
    shown = screen.type("/start")
    assert "[a] 说明" in shown and "（输入字母选择）" in shown  # the syntax is shown with the choices
    shown = screen.type("q")
    assert "没有选项“q”。当前可选：a" in shown
    screen.type("次营镇人民政府")
    screen.type("山西省 晋城市 阳城县")
    every_prompt = screen.type("/menu")
    assert "[a] " in every_prompt and "（输入字母选择）" in every_prompt
    screen.choose("3. 表三 依申请公开")
    screen.choose("有，按行填写")
    shown = screen.type("2")  # was: the second button, “其余各行全为0”, which overwrote every row
    assert "需要6个数" in shown and "其余各行" not in shown.split("\n")[0]
    values = answers(service)
    assert all(values.get(f"table3.{row}.NP") is None for row in ("NEW", "OPEN", "FWD"))  # nothing overwritten
    shown = screen.type("2 0 0 0 0 0")
    assert "已填入“本年新收”：2 0 0 0 0 0，总计2" in shown
    assert answers(service)["table3.NEW.NP"] == 2 and answers(service)["table3.NEW.SUM"] == 2


def test_terminal_paths_of_existing_files_are_uploads_not_commands(service, tmp_path):
    screen = Screen(service, tmp_path)
    screen.type("/start")
    for name in ("去年的报告.wps", "去年的报告.doc"):
        path = tmp_path / name
        path.write_bytes(b"not a real office file")
        shown = screen.type(str(path))
        assert "这个命令" not in shown and ("无法读取" in shown or "没有读出" in shown), shown
    other = tmp_path / "表格.xls"
    other.write_bytes(b"x")
    shown = screen.type(str(other))
    assert "不支持“表格.xls”这种文件" in shown
    assert "找不到文件" in screen.type(str(tmp_path / "没有的.docx"))
    assert "找不到文件" in screen.type(str(tmp_path / "没有的文件"))  # a path, even without a known ending
    assert "没有 /frobnicate 这个命令" in screen.type("/frobnicate")


@pytest.mark.parametrize("text, value", [("1", "1"), ("300", "300"), ("三百元", "300"), ("300元", "300"), ("1.5万元", "15000"),
                                         ("０.5", "0.5"), ("三百五", "350"), ("一百一", "110")])
def test_fee_amount_in_yuan_as_clerks_write_it(text, value):
    assert yuan(text) == Decimal(value)


@pytest.mark.parametrize("text", ["万", "万元", "-1", "abc", "元"])
def test_fee_amount_refusals_say_yuan(text):
    with pytest.raises(AnswerError) as refused:
        yuan(text)
    assert "单位万元" not in str(refused.value) and ("单位是元" in str(refused.value) or "负数" in str(refused.value))


def test_engine_fee_flow_with_digits_chinese_numerals_and_back(service):
    clerk = Clerk(service)
    onboard(clerk)
    clerk.say("/menu")
    clerk.tap("7. 六、其他事项")
    clerk.tap("收取了")
    clerk.say("2")  # was: asked again forever
    assert answers(service)["fee.cases"] == 2 and "合计收取多少元" in clerk.texts()
    clerk.say("/back")  # was: part 五
    assert "收取了几件申请的信息处理费" in clerk.texts() and "五、" not in clerk.texts()
    clerk.say("3")
    clerk.say("abc")
    assert "单位是元" in clerk.texts() and "万元" not in clerk.texts()
    clerk.say("三百元")  # was: refused
    assert "已记录：收取信息处理费3件，合计300元" in clerk.texts()
    assert answers(service)["info_fee"] == {"cases": 3, "amount_yuan": 300.0}
    clerk.say("/back")  # from 六's next question, back to the fee question itself
    assert "本年度是否收取了政府信息公开信息处理费" in clerk.texts()


def test_telegram_digits_are_answers_and_buttons_are_inline(tmp_path):
    with FakeBotAPI(token="123:ABC") as api, BotThread(config_for(api, tmp_path)):
        clerk = TgClerk(api, 601)
        onboard(clerk)
        clerk.say("/menu")
        clerk.tap("7. 六、其他事项")
        clerk.tap("收取了")
        clerk.say("1")
        clerk.say("1")
        assert "已记录：收取信息处理费1件，合计1元" in clerk.last_text()
        assert answers(service_for(tmp_path))["info_fee"] == {"cases": 1, "amount_yuan": 1.0}
        clerk.say("/menu")
        clerk.tap("3. 表三 依申请公开")
        clerk.tap("有，按行填写")
        clerk.say("2")  # a number, not the “其余各行全为0” button
        assert "需要6个数" in clerk.last_text()
        assert answers(service_for(tmp_path)).get("table3.OPEN.NP") is None
