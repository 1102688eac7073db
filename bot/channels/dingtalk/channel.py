"""The interview in DingTalk: robot messages and card callbacks in, texts, cards and files out.

Only translation happens here (like bot/channels/telegram/channel.py). A person's inputs are handled one at a
time and in order; different people's concurrently. A reply the person waits for is sent again after
DingTalk's throttling or when it certainly did not reach DingTalk; anything that may have gone out is not.
"""

from __future__ import annotations

import asyncio
import dataclasses
import json
import logging
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from typing import Any

from bot.channels.dingtalk.api import DingTalkError, OpenApi
from bot.channels.dingtalk.cards import card, card_id, pressed
from bot.channels.outgoing import chunks, merge
from bot.importer import READABLE_WORDS
from bot.interview.pagework import finish
from bot.interview.types import Button, Input, Outcome, Reply

log = logging.getLogger(__name__)
MAX_FILE = 10 * 1024 * 1024
CHUNK = 3000  # characters of one text message
MAX_REPLY_WAIT = 60.0
CARDS_KEPT = 5000  # cards whose buttons are known, to show the choice under a pressed one
GROUP_POINTER = "年报助手只在单聊中使用，请点击我的头像，发起单聊后发送 /start。"
CHANNEL = "dingtalk"

Handler = Callable[[str, str, Input, str, str], Awaitable[Outcome]]


async def patiently(call: Callable[[], Awaitable[Any]], attempts: int = 4) -> Any:
    for attempt in range(attempts):
        try:
            return await call()
        except DingTalkError as exc:
            if attempt == attempts - 1 or not (exc.retry_after or exc.not_sent):
                raise
            await asyncio.sleep(min(exc.retry_after, MAX_REPLY_WAIT) if exc.retry_after else 0.5 * 2**attempt)
    raise AssertionError("unreachable")


class DingTalkChannel:
    def __init__(self, handle: Handler, api: OpenApi):
        self.handle = handle
        self.api = api
        self._locks: dict[str, asyncio.Lock] = {}
        self._waiting: dict[str, int] = {}
        self._cards: OrderedDict[str, tuple[str, list[list[Button]]]] = OrderedDict()

    async def _serially(self, person: str, job: Callable[[], Awaitable[None]]) -> None:
        """One person's inputs one at a time and in order (the SDK hands each message to a task of its own)."""
        lock = self._locks.setdefault(person, asyncio.Lock())
        self._waiting[person] = self._waiting.get(person, 0) + 1
        try:
            async with lock:
                await job()
        finally:
            self._waiting[person] -= 1
            if self._waiting[person] == 0:
                del self._waiting[person]
                self._locks.pop(person, None)

    # ---- in ------------------------------------------------------------------------------------

    async def on_message(self, data: dict[str, Any]) -> None:
        """A robot message (topic /v1.0/im/bot/messages/get): a 单聊 is the interview, a group gets a pointer."""
        if str(data.get("conversationType", "1")) == "2":
            await patiently(lambda: self.api.send_group_text(str(data.get("conversationId", "")), GROUP_POINTER))
            return
        person = str(data.get("senderStaffId") or data.get("senderId") or "")
        if not person:
            return
        await self._serially(person, lambda: self._message(person, data))

    async def _message(self, person: str, data: dict[str, Any]) -> None:
        kind = data.get("msgtype")
        seq = int(data.get("createAt") or 0)
        if kind == "text":
            inp = Input.parse_text(str((data.get("text") or {}).get("content", "")).strip())
        elif kind == "file":
            content = data.get("content") or {}
            name = str(content.get("fileName", ""))
            try:
                payload = await patiently(lambda: self.api.download(str(content.get("downloadCode", "")), MAX_FILE))
            except DingTalkError as exc:
                log.warning("could not fetch a file from DingTalk: %s", exc)
                await patiently(lambda: self.api.send_text(person, "文件没有下载成功，请再发送一次。已保存的内容不受影响。"))
                return
            inp = Input(kind="file", size=MAX_FILE + 1, filename=name) if payload is None else Input(kind="file", data=payload, filename=name)
        else:
            await patiently(lambda: self.api.send_text(person, f"请发送文字，或发送{READABLE_WORDS}格式的文件。"))
            return
        outcome = await self.handle(CHANNEL, person, dataclasses.replace(inp, seq=seq), str(data.get("senderNick") or ""), person)
        await self.deliver(person, outcome)

    async def on_card(self, data: dict[str, Any]) -> None:
        """A card button pressed (topic /v1.0/card/instances/callback)."""
        person = str(data.get("userId") or "")
        content = data.get("content") or "{}"
        action = pressed(json.loads(content) if isinstance(content, str) else content)
        if not person or action is None:
            return
        await self._serially(person, lambda: self._pressed(person, str(data.get("outTrackId", "")), action))

    async def _pressed(self, person: str, card_biz_id: str, action: str) -> None:
        outcome = await self.handle(CHANNEL, person, Input(kind="button", text=action), "", person)
        if not outcome.stale and card_biz_id in self._cards:
            text, rows = self._cards.pop(card_biz_id)
            label = next((b.label for row in rows for b in row if b.data == action), "")
            try:  # show the choice and take the buttons away, so it cannot be pressed twice
                await self.api.update_card(card_biz_id, card(text, rows, chosen=label or "已选择"))
            except DingTalkError as exc:
                log.info("could not mark the card's choice: %s", exc)
        if outcome.ack and (outcome.stale or not outcome.replies):
            outcome.replies.insert(0, Reply(text=outcome.ack))
        await self.deliver(person, outcome)

    # ---- out -----------------------------------------------------------------------------------

    async def deliver(self, person: str, outcome: Outcome) -> None:
        for reply in merge(outcome.replies, CHUNK):
            await self.send(person, reply)
            if reply.later is not None:  # pictures and PDF by LibreOffice in a thread: others are answered meanwhile
                for made in await asyncio.to_thread(finish, reply.later):
                    await self.send(person, made)

    async def send(self, person: str, reply: Reply) -> None:
        for attachment in reply.attachments():  # the .docx, its PDF, page pictures: each sent as a file
            await patiently(lambda: self.api.send_file(person, attachment.filename, attachment.data))  # noqa: B023 - awaited at once
        parts = chunks(reply.text, CHUNK) if reply.text else []
        for i, part in enumerate(parts):
            if i == len(parts) - 1 and reply.buttons:
                await self.send_card(person, part, reply.buttons)
            else:
                await patiently(lambda: self.api.send_text(person, part))  # noqa: B023 - awaited at once
        if not parts and reply.buttons:
            await self.send_card(person, "请选择：", reply.buttons)

    async def send_card(self, person: str, text: str, rows: list[list[Button]]) -> None:
        biz = card_id()
        await patiently(lambda: self.api.send_card(person, biz, card(text, rows)))
        self._cards[biz] = (text, rows)
        while len(self._cards) > CARDS_KEPT:
            self._cards.popitem(last=False)
