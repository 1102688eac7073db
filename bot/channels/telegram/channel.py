"""The interview in Telegram (python-telegram-bot 22): updates in, messages, buttons and documents out.

This module only translates. The interview runs in a worker thread (database work is blocking); a
person's updates are handled one at a time and in order, different people's concurrently.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import functools
import gc
import logging
import urllib.parse
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any

from telegram import BotCommand, InlineKeyboardButton, InlineKeyboardMarkup, InputMediaPhoto, Update
from telegram.constants import MessageLimit
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TelegramError
from telegram.ext import Application, ApplicationBuilder, BaseUpdateProcessor, ContextTypes, ExtBot, TypeHandler
from telegram.request import BaseRequest, HTTPXRequest

from bot.channels.aiohttp_request import AiohttpRequest
from bot.channels.outgoing import chunks, merge
from bot.channels.telegram.inbox import AnsweredQueue, DurableQueue, InboxBot
from bot.channels.wiring import build_service
from bot.channels.workers import WorkerPool
from bot.core.clock import Clock
from bot.core.config import Config
from bot.importer import READABLE_WORDS
from bot.interview.commands import MENU
from bot.interview.pagework import finish
from bot.interview.service import Service
from bot.interview.types import Attachment, Input, Outcome, Reply
from bot.storage.repository import Repository

log = logging.getLogger(__name__)
MAX_REPLY_WAIT = 60.0  # seconds: longer than that, the person has better things to do than wait
MAX_FILE = 10 * 1024 * 1024
CHUNK = 4000
CAPTION = 1000  # Telegram allows 1024 characters under a file or picture
ALBUM = 10  # pictures in one album, Telegram's most


class PerUserProcessor(BaseUpdateProcessor):
    """Concurrent across people, strictly in order for each person (one lock per user)."""

    def __init__(self, max_concurrent_updates: int = 256):
        super().__init__(max_concurrent_updates)
        self._locks: dict[int, asyncio.Lock] = {}
        self._waiting: dict[int, int] = {}

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        user = update.effective_user if isinstance(update, Update) else None
        if user is None:
            await coroutine
            return
        key = user.id
        lock = self._locks.setdefault(key, asyncio.Lock())
        self._waiting[key] = self._waiting.get(key, 0) + 1
        try:
            async with lock:
                await coroutine
        finally:
            self._waiting[key] -= 1
            if self._waiting[key] == 0:
                del self._waiting[key]
                self._locks.pop(key, None)

    async def initialize(self) -> None:
        return None

    async def shutdown(self) -> None:
        return None


def keyboard(reply: Reply) -> InlineKeyboardMarkup | None:
    if not reply.buttons:
        return None
    return InlineKeyboardMarkup([[InlineKeyboardButton(b.label, callback_data=b.data) for b in row] for row in reply.buttons])


Handler = Callable[[str, str, Input, str, str], Awaitable[Outcome]]


class TelegramChannel:
    def __init__(self, handle: Handler):
        self.handle = handle

    async def to_input(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> Input | None:
        message = update.effective_message
        if update.callback_query is not None:
            return Input(kind="button", text=update.callback_query.data or "")
        if message is None:
            return None
        if message.document is not None:
            doc = message.document
            if doc.file_size and doc.file_size > MAX_FILE:
                return Input(kind="file", size=doc.file_size, filename=doc.file_name or "")
            telegram_file = await context.bot.get_file(doc.file_id)
            data = bytes(await telegram_file.download_as_bytearray())
            return Input(kind="file", data=data, filename=doc.file_name or "")
        if message.photo:  # a photo of a printed report: its largest size, read by the OCR reader
            size = message.photo[-1]
            if size.file_size and size.file_size > MAX_FILE:
                return Input(kind="file", size=size.file_size, filename="照片.jpg")
            telegram_file = await context.bot.get_file(size.file_id)
            return Input(kind="file", data=bytes(await telegram_file.download_as_bytearray()), filename="照片.jpg")
        ref = f"{message.chat_id}:{message.message_id}"
        if update.edited_message is not None:  # a text changed after it was sent: an edit, never a new answer
            return Input(kind="edit", text=message.text, ref=ref) if message.text is not None else None
        if message.text is not None:
            inp = Input.parse_text(message.text)
            return dataclasses.replace(inp, ref=ref) if inp.kind == "text" else inp
        return Input(kind="text", text="")

    async def on_update(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        user = update.effective_user
        chat = update.effective_chat
        if user is None or chat is None:
            return
        if chat.type != "private":
            # A report is the unit's business: never shown in a group, and the bot's own messages (reviews,
            # nudges) must keep going to the person, not to the group they last wrote in.
            if update.effective_message is not None and (update.effective_message.text or "").startswith("/"):
                await context.bot.send_message(chat.id, "年报助手只在私聊中使用，请点我的头像，在私聊窗口中发送 /start。")
            return
        message = update.effective_message
        if update.callback_query is None and message is not None and message.text is None and message.document is None and not message.photo:
            await context.bot.send_message(chat.id, f"请发送文字，或发送{READABLE_WORDS}格式的文件。")
            return
        inp = await self.to_input(update, context)
        if inp is None:
            return
        inp = dataclasses.replace(inp, seq=update.update_id)
        outcome = await self.handle("telegram", str(user.id), inp, user.full_name or "", str(chat.id))
        await self.deliver(update, context, chat.id, outcome)

    async def deliver(self, update: Update, context: ContextTypes.DEFAULT_TYPE, chat_id: int, outcome: Outcome) -> None:
        """Replies in order; a pressed button's answer and the edit of its message go out alongside."""

        async def replies() -> None:
            for reply in merge(outcome.replies, CHUNK):
                await self.send(context, chat_id, reply)
                if reply.later is not None:  # LibreOffice in a thread: other people's updates go on meanwhile
                    for made in await asyncio.to_thread(finish, reply.later):
                        await self.send(context, chat_id, made)

        query = update.callback_query
        jobs: list[Coroutine[Any, Any, object]] = [replies()]
        if query is not None:
            jobs.append(query.answer(outcome.ack or None, show_alert=False))
            if not outcome.stale and query.message is not None:
                jobs.append(self._mark_chosen(query))
        results = await asyncio.gather(*jobs, return_exceptions=True)
        for result in results:
            if isinstance(result, BaseException):
                raise result

    async def _mark_chosen(self, query: Any) -> None:
        """Show the choice under the old prompt and take its buttons away, so it cannot be pressed twice."""
        markup = query.message.reply_markup
        label = ""
        if markup is not None:
            for row in markup.inline_keyboard:
                for button in row:
                    if button.callback_data == query.data:
                        label = button.text
        text = (query.message.text or "")[: MessageLimit.MAX_TEXT_LENGTH - 40]
        with contextlib.suppress(BadRequest):  # unchanged or too old to edit: the choice was still taken
            await query.edit_message_text(f"{text}\n\n✔ {label}" if label else text, reply_markup=None)

    async def send(self, context: ContextTypes.DEFAULT_TYPE, chat_id: int, reply: Reply) -> None:
        """Pictures as albums, then documents, then the text; the text rides as a caption where it fits,
        the buttons on the last message that can carry them (an album cannot)."""
        text = reply.text
        fits = bool(text) and len(text) <= CAPTION
        images, documents = reply.images(), reply.documents()
        under_album = fits and (documents or not reply.buttons)
        for start in range(0, len(images), ALBUM):
            await self._album(context, chat_id, images[start : start + ALBUM], text if under_album and start == 0 else None)
        if images and under_album:
            text = ""
        for n, doc in enumerate(documents):
            caption = text if fits and n == 0 and text else None
            markup = keyboard(reply) if n == len(documents) - 1 and (caption is not None or not text) else None
            send = functools.partial(
                context.bot.send_document, chat_id, document=doc.data, filename=doc.filename.replace('"', "”"), caption=caption, reply_markup=markup
            )
            await patiently(send)
            if caption is not None:
                text = ""
        parts = chunks(text, CHUNK) if text else []
        for i, part in enumerate(parts):
            markup = keyboard(reply) if i == len(parts) - 1 else None
            await patiently(functools.partial(context.bot.send_message, chat_id, part, reply_markup=markup))

    async def _album(self, context: ContextTypes.DEFAULT_TYPE, chat_id: int, images: list[Attachment], caption: str | None) -> None:
        """Up to ten pictures in one album (one picture is a photo: an album needs two)."""
        if len(images) == 1:
            await patiently(lambda: context.bot.send_photo(chat_id, images[0].data, caption=caption, filename=images[0].filename))
            return
        media = [InputMediaPhoto(a.data, caption=caption if n == 0 else None, filename=a.filename) for n, a in enumerate(images)]
        await patiently(lambda: context.bot.send_media_group(chat_id, media))


async def patiently(call: Callable[[], Awaitable[Any]], attempts: int = 4) -> Any:
    """A reply the person is waiting for: after a 429 wait as long as Telegram asks (at most a minute)
    and send it again; after an error that certainly did not reach Telegram, retry shortly. Anything
    that may have gone out is not repeated."""
    for attempt in range(attempts):
        try:
            return await call()
        except RetryAfter as exc:
            if attempt == attempts - 1:
                raise
            wait = exc.retry_after.total_seconds() if hasattr(exc.retry_after, "total_seconds") else float(exc.retry_after)
            await asyncio.sleep(min(wait, MAX_REPLY_WAIT))
        except NetworkError as exc:
            if attempt == attempts - 1 or not getattr(exc, "not_sent", False):
                raise
            await asyncio.sleep(0.5 * 2**attempt)
    raise AssertionError("unreachable")


async def _on_error(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
    log.error("update failed: %s", context.error, exc_info=context.error)
    if isinstance(context.error, Forbidden):
        return
    if isinstance(update, Update) and update.effective_chat is not None:
        with contextlib.suppress(TelegramError):
            await context.bot.send_message(update.effective_chat.id, "抱歉，处理这条消息时出错了。已保存的内容不受影响，请稍后再试或发送 /start 继续。")


def make_request(config: Config, pool: int) -> BaseRequest:
    """aiohttp (five times less CPU per call than PTB's httpx default, see bench/bot_load.py);
    PTB's httpx client only for a SOCKS proxy, which aiohttp cannot use."""
    if config.proxy.lower().startswith("socks"):
        return HTTPXRequest(connection_pool_size=pool, proxy=config.proxy, pool_timeout=10.0)
    return AiohttpRequest(connection_pool_size=pool, proxy=config.proxy or None)


def build_application(
    config: Config,
    service: Service | None = None,
    *,
    clock: Clock | None = None,
) -> Application:
    """The PTB application for a configuration (API URLs and proxy for self-hosted servers or relays): the
    Telegram adapter, which receives updates and answers them. It owns no periodic work: the product's
    runtime (bot/channels/runtime.py) sends notifications through `app.bot` and runs `replay_kept(app)`
    once at start (the updates a killed run had kept)."""
    clock = clock or config.clock()
    repo = Repository(config.database_url or None, data_dir=config.data_dir, now=clock.now, auto_upgrade=config.auto_upgrade)
    updates: AnsweredQueue | DurableQueue = AnsweredQueue(repo) if config.webhook_url else DurableQueue(repo)
    urls = {k: v for k, v in (("base_url", config.api_base_url), ("base_file_url", config.api_file_url)) if v}
    bot_options: dict[str, Any] = dict(token=config.token, request=make_request(config, 16), get_updates_request=make_request(config, 1), **urls)
    bot = ExtBot(**bot_options) if isinstance(updates, AnsweredQueue) else InboxBot(updates, **bot_options)
    builder = ApplicationBuilder().bot(bot).update_queue(updates).concurrent_updates(PerUserProcessor(256))

    workers: list[WorkerPool] = []

    async def in_thread(*args: Any) -> Outcome:
        assert service is not None
        return await asyncio.to_thread(service.handle, *args)

    async def in_worker(*args: Any) -> Outcome:
        if not workers:  # post_init runs only under run_polling; an embedding caller starts it here
            workers.append(WorkerPool(config, f"https://t.me/{app.bot.username}?start=", config.workers))
        return await workers[0].handle(*args)

    async def post_init(app: Application) -> None:
        try:
            await app.bot.set_my_commands([BotCommand(c, d) for c, d in MENU])
        except TelegramError as exc:
            log.warning("could not set the command list: %s", exc)
        if service is None and config.workers > 0:
            workers.append(WorkerPool(config, f"https://t.me/{app.bot.username}?start=", config.workers))
            await workers[0].warm()
        # Start-up's objects (modules, the format, PTB, SQLAlchemy's mappers) live as long as the process:
        # moved out of the collector's sight, a full collection scans only what serving made. Under load
        # those collections stopped the process for 100-300 ms each (bench/bot_load.py).
        gc.freeze()

    async def post_shutdown(app: Application) -> None:
        await updates.flush()
        for pool in workers:
            pool.shutdown()

    app = builder.post_init(post_init).post_shutdown(post_shutdown).build()
    if service is None and config.workers == 0:
        service = build_service(config, invite_link=lambda token: f"https://t.me/{app.bot.username}?start={token}", clock=clock)
    channel = TelegramChannel(in_thread if service is not None else in_worker)
    app.bot_data["shutdown_workers"] = post_shutdown  # for callers that drive the application themselves

    async def on_update(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        try:
            await channel.on_update(update, context)
        finally:  # handled, or failed with the error handler's apology: either way not to be replayed
            await updates.handled(update)

    async def replay() -> int:
        return await updates.replay(app.bot)

    app.add_handler(TypeHandler(Update, on_update))
    app.add_error_handler(_on_error)
    app.bot_data["replay"] = replay
    return app


async def replay_kept(app: Application) -> int:
    """Handle the updates a killed run confirmed to Telegram but did not answer (its inbox); how many."""
    replay: Callable[[], Awaitable[int]] = app.bot_data["replay"]
    return await replay()


async def start(app: Application, config: Config) -> None:
    """Start the adapter inside the running event loop: long polling, or the webhook when configured.
    Raises InvalidToken for a rejected token, TelegramError when Telegram cannot be reached."""
    await app.initialize()
    if app.post_init:
        await app.post_init(app)
    await app.start()
    assert app.updater is not None
    if config.webhook_url:
        await app.updater.start_webhook(**webhook_options(config))
    else:
        await app.updater.start_polling(allowed_updates=Update.ALL_TYPES)


async def stop(app: Application) -> None:
    """Stop receiving, finish what is being handled, end the interview workers."""
    if app.updater is not None and app.updater.running:
        await app.updater.stop()
    if app.running:
        await app.stop()
    await app.shutdown()
    if app.post_shutdown:  # as PTB's own run_polling does: after shutdown
        await app.post_shutdown(app)




def webhook_options(config: Config) -> dict[str, Any]:
    """PTB's webhook server for the configuration: it listens behind the reverse proxy on the path of the
    public URL, tells Telegram that URL (setWebhook) and refuses, with 403, any request without the secret
    token header. An update is answered 200 only once it has been handled (the application's AnsweredQueue)."""
    return {
        "listen": config.webhook_listen,
        "port": config.webhook_port,
        "url_path": urllib.parse.urlsplit(config.webhook_url).path.lstrip("/"),
        "webhook_url": config.webhook_url,
        "secret_token": config.webhook_secret,
        "allowed_updates": Update.ALL_TYPES,
    }
