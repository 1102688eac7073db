"""/link: one person on several channels (Telegram, DingTalk, the web page) with one set of roles.

`/link` on one channel gives a one-time code; sending it (`/link CODE`, or the code alone) on another
links the two accounts: the same units and roles, the same place in the interview. Notifications go to
the channel used last; `/link 全部` sends them on every linked channel, `/link 最近` goes back.
"""

from __future__ import annotations

import re
from datetime import datetime

from bot.interview.types import Input, Outcome, Reply
from bot.storage.models import User
from bot.storage.repository import Store

CODE = re.compile(r"^NB-[A-Z0-9]{4}-[A-Z0-9]{4}$")
NAMES = {"telegram": "Telegram", "dingtalk": "钉钉", "web": "网页版", "terminal": "终端"}


def is_link(inp: Input) -> bool:
    """A /link command, or a code typed alone."""
    return (inp.kind == "command" and inp.text == "link") or (inp.kind == "text" and bool(CODE.match(inp.text.strip().upper())))


def link(store: Store, identity: User, person: User, inp: Input, now: datetime) -> Outcome:
    arg = (inp.args if inp.kind == "command" else inp.text).strip()
    if arg in ("全部", "all"):
        store.set_notify_all(person, True)
        return say("好的，提醒和审核消息将发到您关联的所有渠道。发送 /link 最近 可改为只发到最近使用的渠道。")
    if arg in ("最近", "last"):
        store.set_notify_all(person, False)
        return say("好的，提醒和审核消息将只发到您最近使用的渠道。")
    if not arg:
        code = store.new_link_code(identity, now)
        return say(f"您的关联码：{code}（10分钟内有效，只能使用一次）。\n请在另一个渠道（钉钉、Telegram或网页版）中发送：/link {code}\n"
                   "关联后两边是同一个人：同样的单位和角色，从同一处继续填写。")
    result, other = store.use_link_code(arg.upper(), identity, now)
    if result == "unknown" or other is None:
        return say("关联码无效或已过期，请在另一个渠道重新发送 /link 获取新的关联码。")
    if result == "same":
        return say("这两个账号已经关联。")
    if result == "both":
        return say("两个账号都已加入单位，无法关联。请先在其中一个账号中用 /leave 退出单位后再试。")
    here, there = NAMES.get(identity.channel, identity.channel), NAMES.get(other.channel, other.channel)
    return say(f"已关联：您在{here}和{there}是同一个人，单位、角色和填写进度都相同。提醒和审核消息将发到您最近使用的渠道；"
               "发送 /link 全部 可在所有渠道都接收。发送 /start 继续填写。")


def say(text: str) -> Outcome:
    return Outcome(replies=[Reply(text=text)])
