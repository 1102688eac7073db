"""Tests for the fake Bot API, driven by the real python-telegram-bot 22.

If PTB can poll it, parse its answers and map its errors, end-to-end tests of
our bot can trust it instead of api.telegram.org.
"""

from __future__ import annotations

import asyncio
import json
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from typing import Any

import pytest
from fakebotapi import MAX_DOWNLOAD_BYTES, FakeBotAPI
from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.constants import ParseMode
from telegram.error import BadRequest, EndPointNotFound, Forbidden, InvalidToken, RetryAfter
from telegram.ext import (
    Application,
    ApplicationBuilder,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    filters,
)

TOKEN = "123:ABC"
USER = 42
REPORT_BYTES = b"PK\x03\x04 fake docx bytes \xe5\xb9\xb4\xe6\x8a\xa5"


async def on_start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    keyboard = InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton("开始填报", callback_data="fill"),
                InlineKeyboardButton("帮助", callback_data="help"),
            ]
        ]
    )
    payload = " ".join(context.args)
    await update.message.reply_text(f"欢迎！参数：{payload}", reply_markup=keyboard)


async def on_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    query = update.callback_query
    await query.answer(f"已选择 {query.data}")
    back = InlineKeyboardMarkup([[InlineKeyboardButton("返回", callback_data="back")]])
    await query.edit_message_text(f"你选择了：{query.data}", reply_markup=back)


async def on_document(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    document = update.message.document
    data = await (await context.bot.get_file(document.file_id)).download_as_bytearray()
    context.bot_data.setdefault("downloads", []).append(bytes(data))
    await update.message.reply_text(f"收到 {document.file_name}：{len(data)} 字节")


async def on_report(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    await context.bot.send_document(
        update.effective_chat.id,
        document=REPORT_BYTES,
        filename="x.docx",
        caption="<b>年报</b> &amp; 附件",
        parse_mode=ParseMode.HTML,
    )


def build_app(api: FakeBotAPI) -> Application:
    app = (
        ApplicationBuilder()
        .token(api.token)
        .base_url(api.base_url)
        .base_file_url(api.base_file_url)
        .build()
    )
    app.add_handler(CommandHandler("start", on_start))
    app.add_handler(CommandHandler("report", on_report))
    app.add_handler(CallbackQueryHandler(on_button))
    app.add_handler(MessageHandler(filters.Document.ALL, on_document))
    return app


def test_real_application_conversation() -> None:
    async def scenario(api: FakeBotAPI) -> None:
        app = build_app(api)
        async with app:
            await app.start()
            await app.updater.start_polling(poll_interval=0, timeout=1)
            try:
                api.send_text(USER, "/start 2024")
                welcome = await api.wait_for_async(lambda c: c.method == "sendMessage")
                assert (welcome.chat_id, welcome.text) == (USER, "欢迎！参数：2024")
                assert api.last_buttons(USER) == [("开始填报", "fill"), ("帮助", "help")]

                query_id = api.press_button(USER, welcome.message_id, "fill")
                edit = await api.wait_for_async(lambda c: c.method == "editMessageText")
                assert (edit.message_id, edit.text) == (welcome.message_id, "你选择了：fill")
                [answer] = api.callback_answers
                assert (answer.callback_query_id, answer.text, answer.show_alert) == (
                    query_id, "已选择 fill", False
                )
                assert api.last_buttons(USER) == [("返回", "back")]

                draft = "填报草稿".encode() * 1000
                api.send_document(USER, "草稿.docx", draft)
                receipt = await api.wait_for_async(lambda c: c.text and c.text.startswith("收到"))
                assert receipt.text == f"收到 草稿.docx：{len(draft)} 字节"
                assert app.bot_data["downloads"] == [draft]

                api.send_text(USER, "/report")
                sent_doc = await api.wait_for_async(lambda c: c.method == "sendDocument")
                assert (sent_doc.filename, sent_doc.data) == ("x.docx", REPORT_BYTES)
                assert sent_doc.caption == "年报 & 附件"

                replies = await api.wait_for_reply_count_async(USER, 3)
                assert [r.method for r in replies] == ["sendMessage", "sendMessage", "sendDocument"]
                # User and bot messages share one increasing id sequence per chat.
                assert [r.message_id for r in replies] == [2, 4, 6]
            finally:
                # a long poll still waiting must not hold the shutdown: bounded, or the test fails
                await asyncio.wait_for(app.updater.stop(), timeout=10)
                await asyncio.wait_for(app.stop(), timeout=10)

    with FakeBotAPI(token=TOKEN) as api:
        asyncio.run(scenario(api))
        calls = api.calls
        assert calls["getMe"] == 1 and calls["deleteWebhook"] == 1 and calls["getUpdates"] >= 2
        assert api.errors == []


# PTB 22's own RetryAfter constructor trips its int-vs-timedelta deprecation warning.
@pytest.mark.filterwarnings("ignore:.*retry_after:telegram.warnings.PTBDeprecationWarning")
def test_rate_limit_and_blocked_user_map_to_ptb_errors() -> None:
    async def scenario(api: FakeBotAPI) -> None:
        async with Bot(api.token, base_url=api.base_url, base_file_url=api.base_file_url) as bot:
            api.fail_next("sendMessage", 2, retry_after=3)
            for _ in range(2):
                with pytest.raises(RetryAfter, match="Retry in 3 seconds"):
                    await bot.send_message(USER, "hi")
            assert (await bot.send_message(USER, "hi")).text == "hi"

            api.block_chat(7)
            with pytest.raises(Forbidden, match="bot was blocked by the user"):
                await bot.send_message(7, "hello")
            with pytest.raises(Forbidden):
                await bot.send_chat_action(7, "typing")
            api.unblock_chat(7)
            await bot.send_message(7, "hello again")

    with FakeBotAPI(token=TOKEN) as api:
        asyncio.run(scenario(api))
        assert api.calls["sendMessage"] == 5
        assert [(c.chat_id, c.text) for c in api.sent] == [(USER, "hi"), (7, "hello again")]


def test_wrong_token_and_unknown_method() -> None:
    async def scenario(api: FakeBotAPI) -> None:
        with pytest.raises(InvalidToken):
            async with Bot("999:WRONG", base_url=api.base_url):
                pass
        async with Bot(api.token, base_url=api.base_url, base_file_url=api.base_file_url) as bot:
            with pytest.raises(EndPointNotFound):
                await bot.do_api_request("sendTelepathy", api_kwargs={"chat_id": USER})

    with FakeBotAPI(token=TOKEN) as api:
        asyncio.run(scenario(api))
        assert api.calls["sendTelepathy"] == 1
    with pytest.raises(ValueError):
        api.fail_next("sendTelepathy")


def test_telegram_validation_rules() -> None:
    async def scenario(api: FakeBotAPI) -> None:
        async with Bot(api.token, base_url=api.base_url, base_file_url=api.base_file_url) as bot:
            with pytest.raises(BadRequest, match='(?i)unsupported start tag "br/"'):
                await bot.send_message(USER, "a<br/>b", parse_mode=ParseMode.HTML)
            with pytest.raises(BadRequest, match="(?i)can't find end tag"):
                await bot.send_message(USER, "<b>bold", parse_mode=ParseMode.HTML)
            with pytest.raises(BadRequest, match="(?i)message is too long"):
                await bot.send_message(USER, "字" * 4097)
            with pytest.raises(BadRequest, match="(?i)button_data_invalid"):
                too_long = InlineKeyboardButton("x", callback_data="年" * 22)  # 66 UTF-8 bytes
                await bot.send_message(USER, "x", reply_markup=InlineKeyboardMarkup([[too_long]]))

            message = await bot.send_message(USER, "<i>同样</i>", parse_mode=ParseMode.HTML)
            assert message.text == "同样"
            with pytest.raises(BadRequest, match="(?i)message is not modified"):
                await bot.edit_message_text("同样", USER, message.message_id)
            await bot.delete_message(USER, message.message_id)
            with pytest.raises(BadRequest, match="(?i)message to edit not found"):
                await bot.edit_message_text("新", USER, message.message_id)

            # httpx writes non-ASCII filenames raw and escapes quotes as %22.
            uploaded = await bot.send_document(USER, b"report", filename='年报 "终稿".docx')
            assert uploaded.document.file_name == '年报 "终稿".docx'
            resent = await bot.send_document(USER, uploaded.document.file_id, caption="再发")
            assert resent.document.file_unique_id == uploaded.document.file_unique_id

            api.send_document(USER, "big.pdf", b"\0" * (MAX_DOWNLOAD_BYTES + 1))
            [update] = await bot.get_updates(timeout=0)
            with pytest.raises(BadRequest, match="(?i)file is too big"):
                await bot.get_file(update.message.document.file_id)

            await bot.set_my_commands([("start", "开始"), ("report", "生成年报")])
            assert [(c.command, c.description) for c in await bot.get_my_commands()] == [
                ("start", "开始"),
                ("report", "生成年报"),
            ]

    with FakeBotAPI(token=TOKEN) as api:
        asyncio.run(scenario(api))
        assert [(c.method, c.filename, c.data) for c in api.sent] == [
            ("sendMessage", None, None),
            ("deleteMessage", None, None),
            ("sendDocument", '年报 "终稿".docx', b"report"),
            ("sendDocument", '年报 "终稿".docx', b"report"),
        ]
        assert api.errors == []


def _call(api: FakeBotAPI, method: str, body: bytes | None = None, content_type: str = "") -> Any:
    """Speak raw HTTP to the fake, the way other clients do."""
    request = urllib.request.Request(f"{api.base_url}{api.token}/{method}", data=body)
    if content_type:
        request.add_header("Content-Type", content_type)
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return json.load(response)
    except urllib.error.HTTPError as error:
        return json.load(error)


def test_raw_protocol_bodies_and_long_polling() -> None:
    with FakeBotAPI(token=TOKEN, long_poll_cap=0.3) as api:
        markup = {"inline_keyboard": [[{"text": "好", "callback_data": "ok"}]]}
        as_json = json.dumps({"chat_id": USER, "text": "json", "reply_markup": markup}).encode()
        answer = _call(api, "sendMessage", as_json, "application/json")
        assert answer["result"]["reply_markup"] == markup
        form = urllib.parse.urlencode(
            {"chat_id": str(USER), "text": "form", "reply_markup": json.dumps(markup)}
        )
        answer = _call(api, "SENDMESSAGE", form.encode(), "application/x-www-form-urlencoded")
        assert answer["result"]["chat"] == {"id": USER, "type": "private", "first_name": "张三"}
        assert [(c.text, c.reply_markup) for c in api.sent] == [("json", markup), ("form", markup)]

        first, second, third = (api.send_text(USER, f"m{i}") for i in range(3))
        def update_ids(method: str) -> list[int]:
            return [update["update_id"] for update in _call(api, method)["result"]]

        assert update_ids("getUpdates?limit=2") == [first, second]
        assert update_ids(f"getUpdates?offset={third}") == [third]
        assert _call(api, f"getUpdates?offset={third + 1}&timeout=30")["result"] == []

        api.long_poll_cap = 5  # long enough that only the conflict can end the first poll
        conflicted: list[dict[str, Any]] = []
        waiter = threading.Thread(
            target=lambda: conflicted.append(_call(api, "getUpdates?timeout=30"))
        )
        waiter.start()
        time.sleep(0.1)
        _call(api, "getUpdates")
        waiter.join(timeout=2)
        assert conflicted[0]["error_code"] == 409

        assert _call(api, "sendMessage", b'{"chat_id": 1}', "application/json") == {
            "ok": False, "error_code": 400, "description": "Bad Request: message text is empty"
        }

    slow = FakeBotAPI(token=TOKEN, long_poll_cap=30).start()
    polled: list[dict[str, Any]] = []
    poller = threading.Thread(target=lambda: polled.append(_call(slow, "getUpdates?timeout=30")))
    poller.start()
    time.sleep(0.2)
    slow.stop()
    poller.join(timeout=3)  # the poll asked for 30 s: an answer within the join means stop() released it
    assert polled == [{"ok": True, "result": []}]


def test_wait_for_reports_what_was_sent() -> None:
    with FakeBotAPI(token=TOKEN) as api:
        body = json.dumps({"chat_id": USER, "text": "只有这条"}).encode()
        _call(api, "sendMessage", body, "application/json")
        with pytest.raises(AssertionError, match="只有这条"):
            api.wait_for(lambda c: c.text == "别的", timeout=0.2)
        with pytest.raises(AssertionError, match="no button"):
            api.press_button(USER, api.sent[0].message_id, "ok")
