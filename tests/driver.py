"""Driving the interview through the real service and a real database (SQLite file, or PostgreSQL: tests/pgserver.py), as a channel would."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

from pgserver import current_url

from bot.channels.wiring import docx_bytes
from bot.core.clock import FixedClock
from bot.interview.engine import Engine
from bot.interview.service import Service
from bot.interview.types import Input, Outcome
from bot.storage.repository import Repository


def make_service(data_dir: Path, today: date = date(2026, 11, 23), admin_ids: frozenset[str] = frozenset()) -> Service:
    """The service on a clock standing at 09:00 of `today` (Asia/Shanghai)."""
    clock = FixedClock(today)
    return Service(Repository(current_url() or None, data_dir=data_dir, now=clock.now), Engine(clock=clock, render_docx=docx_bytes, admin_ids=admin_ids))


class Clerk:
    """One person talking to the bot; counts every message and tap they make.

    With channel="telegram" the person has a chat id (their id), so the bot's own messages (review news,
    nudges) are queued for them.
    """

    def __init__(self, service: Service, external_id: str = "clerk1", channel: str = "test", name: str = "测试"):
        self.service = service
        self.id = external_id
        self.channel = channel
        self.name = name
        self.last: Outcome = Outcome()
        self.actions = 0

    def _send(self, inp: Input) -> Outcome:
        self.actions += 1
        chat = self.id if self.channel == "telegram" else ""
        self.last = self.service.handle(self.channel, self.id, inp, self.name, chat)
        return self.last

    def say(self, text: str) -> Outcome:
        return self._send(Input.parse_text(text))

    def upload(self, name: str, data: bytes) -> Outcome:
        return self._send(Input(kind="file", filename=name, data=data))

    def button_data(self, label: str) -> str:
        for reply in reversed(self.last.replies):
            for row in reply.buttons:
                for b in row:
                    if b.label == label:
                        return b.data
        raise AssertionError(f"no button {label!r} in {self.texts()!r} {[[b.label for b in r] for x in self.last.replies for r in x.buttons]}")

    def tap(self, label: str) -> Outcome:
        return self._send(Input(kind="button", text=self.button_data(label)))

    def press_data(self, data: str) -> Outcome:
        return self._send(Input(kind="button", text=data))

    def texts(self) -> str:
        return "\n".join(r.text for r in self.last.replies)

    def document(self) -> tuple[str, bytes] | None:
        return next((r.document for r in self.last.replies if r.document), None)


FACTS = {
    "active": "县政府网站公开66条，“次营在线”微信公众号公开382条",
    "manage": "严格执行“三审三校”和保密审查制度",
    "platform": "便民服务中心设公开栏，县政府网站设专栏",
    "supervise": "明确专人负责，组织培训2次，纳入年度考核",
    "problems": "一是部分政府信息公开属性认定不够规范；二是信息公开人员业务能力有待提升",
    "measures": "健全公开属性源头认定机制，加强人员培训，完善信息公开联络机制",
}


def has_button(clerk: Any, label: str) -> bool:
    """Whether the clerk's last reply (engine-level, Telegram or web) offers a button with this label."""
    return label in button_labels(clerk)


def button_labels(clerk: Any) -> list[str]:
    """The labels of the buttons the clerk sees last."""
    if hasattr(clerk, "user_id"):  # Telegram: the messages sent since the clerk's last input
        calls = [c for c in clerk.api.sent[clerk.mark:] if c.chat_id == clerk.user_id and c.buttons]
        return [text for c in calls for text, _ in c.buttons]
    if hasattr(clerk, "driver"):  # the web page in a browser: the last message with buttons
        return list(clerk.driver.execute_script(
            "var m = Array.from(document.querySelectorAll('#messages .msg')).filter(x => x.querySelector('button'));"
            "return m.length ? Array.from(m[m.length - 1].querySelectorAll('button')).map(b => b.innerText.trim()) : [];"
        ))
    if hasattr(clerk, "fake"):  # DingTalk: the cards sent since the clerk's last input
        return [text for s in clerk.fake.sent[clerk.mark:] if s.user == clerk.user for text, _ in s.buttons]
    if hasattr(clerk, "messages"):  # the web page: the last message with buttons
        shown = [m for m in clerk.messages() if m.get("buttons")]
        return [b["label"] for line in (shown[-1]["buttons"] if shown else []) for b in line]
    return [b.label for reply in clerk.last.replies for row in reply.buttons for b in row]


def onboard(clerk: Any, name: str = "次营镇人民政府", region: str = "山西省 晋城市 阳城县", year: str = "2026年度") -> None:
    """From /start to the first table: a name that states its level is not asked its level, the default
    year (2026 on the tests' clock) is not asked, and 全国通用 is not asked outside 山东."""
    clerk.say("/start")
    clerk.say(name)
    if has_button(clerk, "乡镇（街道）"):
        clerk.tap("乡镇（街道）")
    if not has_button(clerk, f"改年度（现为{year}）"):
        clerk.tap(next(label for label in button_labels(clerk) if label.startswith("改年度")))
        if has_button(clerk, year):
            clerk.tap(year)
        else:
            clerk.say(year.removesuffix("年度"))
    clerk.say(region)
    if has_button(clerk, "全国通用"):
        clerk.tap("全国通用")


def narratives(clerk: Any) -> None:
    """From the first question of 一 to the finish step, answering as a township clerk does.

    Any clerk with say() and tap() will do: the engine-level Clerk here, or the Telegram one.
    """
    for key in ("active", "manage", "platform", "supervise"):
        clerk.say(FACTS[key])
    clerk.tap("采用草稿")
    clerk.tap("跳过")
    clerk.say(FACTS["problems"])
    clerk.say(FACTS["measures"])
    clerk.tap("采用草稿")
    clerk.tap("没有收取")
    clerk.tap("无")
    clerk.tap("采用草稿")
    clerk.say("阳城县人民政府门户网站（www.yczf.gov.cn）")
    clerk.say("阳城县次营镇府前街1号")
    clerk.say("0356-4221234")
    if has_button(clerk, "采用草稿"):  # an empty 前言 is written from these three answers without asking
        clerk.tap("采用草稿")
