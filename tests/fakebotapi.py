"""A fake Telegram Bot API server for end-to-end tests of the bot.

The real python-telegram-bot (PTB) ``Application`` polls this server over HTTP
exactly as it would poll api.telegram.org, so our handlers, PTB's
(de)serialisation and its error mapping are all exercised without ever
reaching Telegram.  It uses only the standard library and serves from a
background thread, so sync and async tests can drive it alike::

    with FakeBotAPI(token="123:ABC") as api:
        app = (ApplicationBuilder().token(api.token).base_url(api.base_url)
               .base_file_url(api.base_file_url).build())
        ...                                   # start polling
        api.send_text(42, "/start")
        reply = await api.wait_for_async(lambda c: c.method == "sendMessage")

From code running inside an event loop use the ``*_async`` waiters: the
blocking ones would freeze the loop, and with it the bot under test.

What PTB 22 sends (read from its HTTPXRequest): every method is a POST;
without files the body is ``application/x-www-form-urlencoded``, with files
it is ``multipart/form-data``; in both every value is a string, and nested
objects (reply_markup, allowed_updates, commands) are JSON-encoded strings.
Plain JSON bodies and GET query strings are accepted too, like Telegram does.
File downloads percent-encode the whole path, token included (":" -> "%3A").

PTB rewrites error descriptions before raising: it strips "Bad Request: "
and applies str.capitalize(), so "BUTTON_DATA_INVALID" surfaces as
"Button_data_invalid".  Match error messages case-insensitively.
"""

from __future__ import annotations

import asyncio
import html
import json
import mimetypes
import re
import sys
import threading
import time
import traceback
from collections import Counter, deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import PurePosixPath
from typing import Any, NamedTuple, TypeVar
from urllib.parse import parse_qs, unquote, urlsplit

BOT_ID = 1000
BOT_USER: dict[str, Any] = {
    "id": BOT_ID,
    "is_bot": True,
    "first_name": "年报助手",
    "username": "nianbao_test_bot",
}

# Limits that Telegram enforces and that a bot producing long reports can hit.
MAX_TEXT_LENGTH = 4096
MAX_CAPTION_LENGTH = 1024
MAX_CALLBACK_DATA_BYTES = 64
MAX_DOWNLOAD_BYTES = 20 * 1024 * 1024

_NEW_MESSAGE_METHODS = frozenset({"sendMessage", "sendDocument", "sendPhoto", "sendMediaGroup"})
MAX_ALBUM = 10  # sendMediaGroup takes 2–10 items
MAX_PHOTO_BYTES = 10 * 1024 * 1024
MAX_PHOTO_SIDES = 10000  # width + height
# Form and multipart bodies carry every value as a string; these are decoded back.
_JSON_FIELDS = frozenset(
    {
        "reply_markup",
        "media",
        "allowed_updates",
        "commands",
        "scope",
        "entities",
        "caption_entities",
        "link_preview_options",
        "reply_parameters",
    }
)
_INT_FIELDS = frozenset({"message_id", "offset", "limit", "cache_time"})
_BOOL_FIELDS = frozenset({"show_alert", "drop_pending_updates"})
# Tags Telegram's HTML parse mode accepts; anything else is a 400 there.
_HTML_TAGS = frozenset(
    {
        "a", "b", "blockquote", "code", "del", "em", "i", "ins", "pre", "s",
        "span", "strike", "strong", "tg-emoji", "tg-spoiler", "u",
    }
)
_HTML_TAG_RE = re.compile(r"<(/?)([A-Za-z][A-Za-z0-9-]*)(?:\s[^<>]*)?>")
_BUTTON_ACTIONS = frozenset(
    {
        "callback_data", "url", "web_app", "login_url", "switch_inline_query",
        "switch_inline_query_current_chat", "switch_inline_query_chosen_chat",
        "copy_text", "callback_game", "pay",
    }
)
_NOT_MODIFIED = (
    "Bad Request: message is not modified: specified new message content and reply "
    "markup are exactly the same as a current content and reply markup of the message"
)

_T = TypeVar("_T")


@dataclass(frozen=True)
class SentCall:
    """One bot-to-chat call that the fake accepted, shaped for test assertions.

    ``text`` and ``caption`` are what the user would see (HTML tags removed);
    the raw request parameters are kept in ``params``.
    """

    method: str
    chat_id: int
    message_id: int
    text: str | None = None
    caption: str | None = None
    reply_markup: dict[str, Any] | None = None
    filename: str | None = None
    data: bytes | None = field(default=None, repr=False)
    params: dict[str, Any] = field(default_factory=dict, repr=False)

    @property
    def buttons(self) -> list[tuple[str, str | None]]:
        """Inline buttons as (text, callback_data), row by row."""
        return _inline_buttons(self.reply_markup)


@dataclass(frozen=True)
class CallbackAnswer:
    """One answerCallbackQuery call (the toast or alert the user saw)."""

    callback_query_id: str
    text: str | None
    show_alert: bool
    url: str | None


class _Upload(NamedTuple):
    filename: str
    content_type: str
    data: bytes


@dataclass(frozen=True)
class _StoredFile:
    file_id: str
    file_unique_id: str
    file_path: str
    file_name: str
    mime_type: str
    data: bytes = field(repr=False)

    def document(self) -> dict[str, Any]:
        """The Bot API Document object for this file."""
        return {
            "file_name": self.file_name,
            "mime_type": self.mime_type,
            "file_id": self.file_id,
            "file_unique_id": self.file_unique_id,
            "file_size": len(self.data),
        }


class _ApiError(Exception):
    """A Bot API error answer; handlers raise it, the dispatcher serialises it."""

    def __init__(self, code: int, description: str, parameters: dict[str, Any] | None = None):
        super().__init__(description)
        self.code = code
        self.description = description
        self.parameters = parameters

    def body(self) -> dict[str, Any]:
        body: dict[str, Any] = {
            "ok": False,
            "error_code": self.code,
            "description": self.description,
        }
        if self.parameters:
            body["parameters"] = self.parameters
        return body


def _chat_of(update: dict[str, Any]) -> Any:
    """The chat an update belongs to (its update id when it names none)."""
    for kind in ("message", "edited_message", "callback_query"):
        body = update.get(kind)
        if isinstance(body, dict):
            message = body.get("message", body) if kind == "callback_query" else body
            chat = message.get("chat", {}).get("id") if isinstance(message, dict) else None
            return chat if chat is not None else body.get("from", {}).get("id")
    return ("update", update.get("update_id"))


class FakeBotAPI:
    """In-process stand-in for api.telegram.org, bound to 127.0.0.1 on a free port.

    The bot side talks HTTP to it; the test side uses the methods below
    (all thread-safe) to play users and to inspect what the bot sent.
    """

    def __init__(self, token: str = "123:ABC", *, long_poll_cap: float = 1.0) -> None:
        """``long_poll_cap`` bounds getUpdates' long-poll wait so tests stay fast."""
        self.token = token
        self.long_poll_cap = long_poll_cap
        self._lock = threading.RLock()
        self._changed = threading.Condition(self._lock)
        # the webhook's connections wait on their own condition: woken by updates to post, not by every
        # message the bot sends (forty connections woken by each reply delayed the replies themselves)
        self._pushable = threading.Condition(self._lock)
        self.posted_at: dict[int, float] = {}  # update id -> when its webhook POST began (monotonic)
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None
        self._stopping = False
        self._updates: list[dict[str, Any]] = []
        self._next_update_id = 1
        self._poll_generation = 0
        self._chats: dict[int, dict[str, Any]] = {}
        self._next_message_id: dict[int, int] = {}
        self._messages: dict[tuple[int, int], dict[str, Any]] = {}
        self._open_queries: set[str] = set()
        self._next_query_no = 1
        self._files: dict[str, _StoredFile] = {}
        self._next_file_no = 1
        self._sent: list[SentCall] = []
        self._by_chat: dict[int, list[SentCall]] = {}  # new messages per chat, for cheap per-chat waits
        self._chat_changed: dict[int, threading.Condition] = {}
        self._callback_answers: list[CallbackAnswer] = []
        self._calls: Counter[str] = Counter()
        self._failures: dict[str, deque[_ApiError]] = {}
        self._blocked: set[int] = set()
        self.download_gate = threading.Event()  # file downloads wait until it is set (it is, by default)
        self.download_gate.set()
        self._commands: dict[tuple[str, str], list[dict[str, Any]]] = {}
        self._errors: list[str] = []
        self._webhook: tuple[str, str] | None = None  # (url, secret token) while a webhook is set
        self._pusher: threading.Thread | None = None
        self._in_flight: set[Any] = set()  # chats with an update being posted to the webhook
        self.webhook_posts: Counter[int] = Counter()  # update id -> times POSTed to the webhook and answered 200
        # The reverse proxy in front of several bot processes: when set, the webhook's updates go to these
        # addresses in turn instead of to the URL the bot set (bench/bot_load.py --processes).
        self.proxy_targets: list[str] = []
        self.webhook_connections = 8  # Telegram's max_connections for the webhook (its default is 40)
        handlers: dict[str, Callable[[dict[str, Any], dict[str, _Upload]], Any]] = {
            "getMe": self._get_me,
            "deleteWebhook": self._delete_webhook,
            "setWebhook": self._set_webhook,
            "getUpdates": self._get_updates,
            "sendMessage": self._send_message,
            "editMessageText": self._edit_message_text,
            "editMessageReplyMarkup": self._edit_message_reply_markup,
            "deleteMessage": self._delete_message,
            "answerCallbackQuery": self._answer_callback_query,
            "sendDocument": self._send_document,
            "sendPhoto": self._send_photo,
            "sendMediaGroup": self._send_media_group,
            "sendChatAction": self._send_chat_action,
            "setMyCommands": self._set_my_commands,
            "getMyCommands": self._get_my_commands,
            "getFile": self._get_file,
        }
        # Telegram matches method names case-insensitively.
        self._methods = {name.lower(): (name, handler) for name, handler in handlers.items()}

    # ----------------------------------------------------------------- lifecycle

    def start(self) -> FakeBotAPI:
        """Start serving in a daemon thread."""
        self._server = _Server(self)
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.05},
            name="FakeBotAPI",
            daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving; pending long polls return at once so PTB never hangs on us."""
        with self._lock:
            self._stopping = True
            self._changed.notify_all()
            self._pushable.notify_all()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def __enter__(self) -> FakeBotAPI:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    @property
    def url(self) -> str:
        """Root URL, e.g. http://127.0.0.1:PORT."""
        if self._server is None:
            raise RuntimeError("FakeBotAPI is not started")
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    @property
    def base_url(self) -> str:
        """Value for ApplicationBuilder.base_url (PTB appends the token)."""
        return f"{self.url}/bot"

    @property
    def base_file_url(self) -> str:
        """Value for ApplicationBuilder.base_file_url (PTB appends the token)."""
        return f"{self.url}/file/bot"

    # ------------------------------------------------------- test side: users

    def send_text(
        self, user_id: int, text: str, chat_id: int | None = None, first_name: str = "张三"
    ) -> int:
        """Queue a text message from a user; returns its update_id.

        Like Telegram, a leading /command (also "/start payload") gets a
        bot_command entity, which PTB's CommandHandler relies on.
        """
        content: dict[str, Any] = {"text": text}
        if text.startswith("/"):
            command = text.split(maxsplit=1)[0]
            content["entities"] = [
                {"offset": 0, "length": _utf16_len(command), "type": "bot_command"}
            ]
        return self._queue_user_message(user_id, chat_id, first_name, content)

    def edit_text(self, user_id: int, message_id: int, text: str, first_name: str = "张三") -> int:
        """Queue an edited_message update: the user changed the text of a message they sent."""
        with self._lock:
            old = self._messages.get((user_id, message_id))
            if old is None or old["from"]["id"] != user_id:
                raise AssertionError(f"no message {message_id} of user {user_id} to edit")
            message = {**old, "text": text, "edit_date": int(time.time())}
            self._messages[(user_id, message_id)] = message
            return self._queue_update({"edited_message": message})

    def user_message_ids(self, user_id: int) -> list[int]:
        """The ids of the messages a user sent in their private chat, oldest first."""
        with self._lock:
            return sorted(m for (chat, m), message in self._messages.items()
                          if chat == user_id and message.get("from", {}).get("id") == user_id)

    def send_document(
        self,
        user_id: int,
        filename: str,
        data: bytes,
        mime_type: str | None = None,
        caption: str | None = None,
        chat_id: int | None = None,
        first_name: str = "张三",
    ) -> int:
        """Queue a document upload from a user (downloadable via getFile); returns its update_id."""
        with self._lock:
            stored = self._store_file(filename, data, mime_type)
        content: dict[str, Any] = {"document": stored.document()}
        if caption is not None:
            content["caption"] = caption
        return self._queue_user_message(user_id, chat_id, first_name, content)

    def press_button(
        self,
        user_id: int,
        message_id: int,
        data: str,
        chat_id: int | None = None,
        first_name: str = "张三",
    ) -> str:
        """Queue a callback query for a button on the bot's message; returns the query id.

        The button must currently be on that message (edits count), because a
        real user can only press what is shown.
        """
        chat_key = user_id if chat_id is None else chat_id
        with self._lock:
            message = self._messages.get((chat_key, message_id))
            if message is None or message["from"]["id"] != BOT_ID:
                raise AssertionError(f"no bot message {message_id} in chat {chat_key}")
            buttons = _inline_buttons(message.get("reply_markup"))
            if data not in [button_data for _, button_data in buttons]:
                raise AssertionError(
                    f"message {message_id} has no button with callback_data {data!r}: {buttons}"
                )
            query_id = str(4_000_000_000_000_000_000 + self._next_query_no)
            self._next_query_no += 1
            self._open_queries.add(query_id)
            self._queue_update(
                {
                    "callback_query": {
                        "id": query_id,
                        "from": self._user(user_id, first_name),
                        "message": message,
                        "chat_instance": str(-7_000_000_000 - abs(chat_key)),
                        "data": data,
                    }
                }
            )
            return query_id

    # ------------------------------------------------ test side: fault injection

    def fail_next(
        self,
        method: str,
        count: int = 1,
        error_code: int = 429,
        retry_after: int = 1,
        description: str | None = None,
    ) -> None:
        """Make the next ``count`` calls of ``method`` fail as Telegram would."""
        name = self._canonical(method)
        if description is None:
            description = _default_description(error_code, retry_after)
        parameters = {"retry_after": retry_after} if error_code == 429 else None
        with self._lock:
            queue = self._failures.setdefault(name, deque())
            queue.extend(_ApiError(error_code, description, parameters) for _ in range(count))

    @property
    def last_update_id(self) -> int:
        """The id of the newest update queued for the bot."""
        with self._lock:
            return self._next_update_id - 1

    def confirmed(self, update_id: int) -> bool:
        """True once the bot has asked for the updates after `update_id` (Telegram forgets it then)."""
        with self._lock:
            return all(u["update_id"] != update_id for u in self._updates)

    @property
    def unconfirmed(self) -> int:
        """Updates not yet confirmed by the bot (it confirms by asking for the ones after them)."""
        with self._lock:
            return len(self._updates)

    def block_chat(self, chat_id: int) -> None:
        """Act as if the user blocked the bot: every call aimed at the chat gets 403."""
        with self._lock:
            self._blocked.add(chat_id)

    def unblock_chat(self, chat_id: int) -> None:
        """Undo block_chat (the user unblocked the bot)."""
        with self._lock:
            self._blocked.discard(chat_id)

    # --------------------------------------------------- test side: inspection

    @property
    def sent(self) -> list[SentCall]:
        """Accepted bot-to-chat calls (sends, edits, deletions) in order."""
        with self._lock:
            return list(self._sent)

    @property
    def calls(self) -> Counter[str]:
        """Requests per method, including failed and unknown ones."""
        with self._lock:
            return Counter(self._calls)

    @property
    def callback_answers(self) -> list[CallbackAnswer]:
        """answerCallbackQuery calls in order."""
        with self._lock:
            return list(self._callback_answers)

    @property
    def errors(self) -> list[str]:
        """Tracebacks of bugs inside the fake itself; tests should expect this empty."""
        with self._lock:
            return list(self._errors)

    def messages_to(self, chat_id: int) -> list[SentCall]:
        """New messages (not edits) the bot sent to the chat, in order."""
        with self._lock:
            return list(self._by_chat.get(chat_id, ()))

    def wait_message_count(self, chat_id: int, n: int, timeout: float) -> int:
        """Block until the chat has at least ``n`` new messages or the timeout passes; return the count.

        Wakes only on this chat's messages, so hundreds of simulated users can wait at once cheaply.
        """
        deadline = time.monotonic() + timeout
        with self._lock:
            cond = self._chat_changed.setdefault(chat_id, threading.Condition(self._lock))
            while len(self._by_chat.get(chat_id, ())) < n:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    break
                cond.wait(remaining)
            return len(self._by_chat.get(chat_id, ()))

    def last_buttons(self, chat_id: int) -> list[tuple[str, str | None]]:
        """Inline buttons of the bot's newest surviving message in the chat, edits applied."""
        with self._lock:
            ids = [
                message_id
                for (chat, message_id), message in self._messages.items()
                if chat == chat_id and message["from"]["id"] == BOT_ID
            ]
            if not ids:
                return []
            return _inline_buttons(self._messages[(chat_id, max(ids))].get("reply_markup"))

    def wait_for(
        self, predicate: Callable[[SentCall], bool], timeout: float = 10.0, since: int = 0
    ) -> SentCall:
        """Block until a call in ``sent[since:]`` satisfies ``predicate`` and return it.

        Raises AssertionError listing everything sent. Not for use inside an
        event loop: use wait_for_async there.
        """
        return self._wait_until(self._matcher(predicate, since), timeout, "no sent call matched")

    async def wait_for_async(
        self, predicate: Callable[[SentCall], bool], timeout: float = 10.0, since: int = 0
    ) -> SentCall:
        """wait_for that keeps the event loop (and the bot in it) running."""
        return await self._wait_until_async(
            self._matcher(predicate, since), timeout, "no sent call matched"
        )

    def wait_for_reply_count(self, chat_id: int, n: int, timeout: float = 10.0) -> list[SentCall]:
        """Block until the bot has sent at least ``n`` new messages to the chat; return them."""
        return self._wait_until(
            self._reply_counter(chat_id, n), timeout, f"fewer than {n} messages to chat {chat_id}"
        )

    async def wait_for_reply_count_async(
        self, chat_id: int, n: int, timeout: float = 10.0
    ) -> list[SentCall]:
        """wait_for_reply_count that keeps the event loop running."""
        return await self._wait_until_async(
            self._reply_counter(chat_id, n), timeout, f"fewer than {n} messages to chat {chat_id}"
        )

    def _matcher(
        self, predicate: Callable[[SentCall], bool], since: int
    ) -> Callable[[], SentCall | None]:
        return lambda: next((c for c in self._sent[since:] if predicate(c)), None)

    def _reply_counter(self, chat_id: int, n: int) -> Callable[[], list[SentCall] | None]:
        def check() -> list[SentCall] | None:
            replies = self.messages_to(chat_id)
            return replies if len(replies) >= n else None

        return check

    def _wait_until(self, check: Callable[[], _T | None], timeout: float, failure: str) -> _T:
        deadline = time.monotonic() + timeout
        with self._changed:
            while (result := check()) is None:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise AssertionError(self._describe(f"{failure} within {timeout}s"))
                self._changed.wait(remaining)
            return result

    async def _wait_until_async(
        self, check: Callable[[], _T | None], timeout: float, failure: str
    ) -> _T:
        deadline = time.monotonic() + timeout
        while True:
            with self._lock:
                result = check()
            if result is not None:
                return result
            if time.monotonic() >= deadline:
                raise AssertionError(self._describe(f"{failure} within {timeout}s"))
            await asyncio.sleep(0.01)

    def _describe(self, headline: str) -> str:
        """A readable dump of the conversation so failing tests explain themselves."""
        with self._lock:
            lines = [headline, f"sent ({len(self._sent)}):"]
            for index, call in enumerate(self._sent):
                line = f"  [{index}] {call.method} chat={call.chat_id} message_id={call.message_id}"
                if call.text is not None:
                    line += f" text={call.text!r}"
                if call.caption is not None:
                    line += f" caption={call.caption!r}"
                if call.buttons:
                    line += f" buttons={call.buttons}"
                if call.data is not None:
                    line += f" file={call.filename!r} ({len(call.data)} bytes)"
                lines.append(line)
            lines.append(f"calls: {dict(self._calls)}")
            lines.append(f"callback answers: {self._callback_answers}")
            lines.append(f"unconfirmed updates: {len(self._updates)}")
            lines.extend(f"fake error: {error}" for error in self._errors)
            return "\n".join(lines)

    # ------------------------------------------------------------ HTTP dispatch

    def _handle_api(
        self, token: str, method: str, content_type: str, body: bytes, query: str
    ) -> tuple[int, dict[str, Any]]:
        """Answer one Bot API request as (HTTP status, JSON body)."""
        if token != self.token:
            return 401, _ApiError(401, "Unauthorized").body()
        name, handler = self._methods.get(method.lower(), (method, None))
        with self._lock:
            self._calls[name] += 1
        try:
            if handler is None:
                raise _ApiError(404, "Not Found")
            params, files = _parse_params(content_type, body, query)
            self._check_injected_failures(name, params)
            return 200, {"ok": True, "result": handler(params, files)}
        except _ApiError as error:
            return error.code, error.body()
        except Exception as exc:  # a bug in the fake must fail tests loudly, not look like Telegram
            self._note_error(f"{name}: {traceback.format_exc()}")
            return 500, _ApiError(500, f"Internal Server Error: {exc!r}").body()

    def _handle_download(self, rest: str) -> tuple[int, bytes]:
        """Serve GET /file/bot<token>/<file_path>.

        PTB percent-encodes the whole URL path here, so the token's ':' arrives as %3A.
        """
        token, _, file_path = unquote(rest).partition("/")
        if token != self.token:
            return 401, b"Unauthorized"
        with self._lock:
            stored = next((f for f in self._files.values() if f.file_path == file_path), None)
        if stored is None:
            return 404, b"Not Found"
        self.download_gate.wait(30)  # a slow network: tests close the gate to hold downloads
        return 200, stored.data

    def _check_injected_failures(self, name: str, params: dict[str, Any]) -> None:
        with self._lock:
            queue = self._failures.get(name)
            if queue:
                raise queue.popleft()
            if params.get("chat_id") in self._blocked:
                raise _ApiError(403, "Forbidden: bot was blocked by the user")

    def _note_error(self, text: str) -> None:
        with self._lock:
            self._errors.append(text)
            self._changed.notify_all()

    def _canonical(self, method: str) -> str:
        try:
            return self._methods[method.lower()][0]
        except KeyError:
            raise ValueError(f"FakeBotAPI does not implement {method!r}") from None

    # ---------------------------------------------------------- method handlers

    def _get_me(self, params: dict[str, Any], files: dict[str, _Upload]) -> dict[str, Any]:
        return {
            **BOT_USER,
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
        }

    def _delete_webhook(self, params: dict[str, Any], files: dict[str, _Upload]) -> bool:
        with self._lock:
            self._webhook = None
            if params.get("drop_pending_updates"):
                self._updates.clear()
        return True

    def _set_webhook(self, params: dict[str, Any], files: dict[str, _Upload]) -> bool:
        """Like Telegram: from now on each update is POSTed to the URL (one at a time, in order, with the
        secret token header) until it is answered 200; getUpdates is refused meanwhile."""
        url = str(params.get("url") or "")
        if not url:
            return self._delete_webhook(params, files)
        with self._changed:
            self._webhook = (url, str(params.get("secret_token") or ""))
            if params.get("drop_pending_updates"):
                self._updates.clear()
            if self._pusher is None:
                self._pusher = threading.Thread(target=self._push_updates, name="FakeBotAPI-webhook", daemon=True)
                self._pusher.start()
            self._changed.notify_all()
            self._pushable.notify_all()
        return True

    def _push_updates(self) -> None:
        """Deliver webhook updates over several connections at once (Telegram's max_connections,
        `webhook_connections`), one at a time per chat and in order within a chat."""
        pushers = [threading.Thread(target=self._push_loop, name=f"FakeBotAPI-webhook-{i}", daemon=True) for i in range(self.webhook_connections)]
        for pusher in pushers:
            pusher.start()

    def _push_loop(self) -> None:
        """One connection's deliveries; kept alive per target, as Telegram and a reverse proxy do."""
        import http.client
        import urllib.parse

        connections: dict[str, http.client.HTTPConnection] = {}
        while True:
            with self._changed:
                while True:
                    if self._stopping:
                        for conn in connections.values():
                            conn.close()
                        return
                    update = self._webhook_next() if self._webhook is not None else None
                    if update is not None:
                        break
                    self._pushable.wait(0.5)
                assert self._webhook is not None
                url, secret = self._webhook
                if self.proxy_targets:
                    url = self.proxy_targets[update["update_id"] % len(self.proxy_targets)]
                chat = _chat_of(update)
                self._in_flight.add(chat)
                self.posted_at.setdefault(update["update_id"], time.monotonic())
            parts = urllib.parse.urlsplit(url)
            delivered = False
            for _attempt in range(2):  # a kept connection the server has closed meanwhile: once more, anew
                conn = connections.get(parts.netloc) or http.client.HTTPConnection(parts.netloc, timeout=60)
                connections[parts.netloc] = conn
                try:
                    conn.request("POST", parts.path or "/", body=json.dumps(update).encode(), headers={
                        "Content-Type": "application/json", "X-Telegram-Bot-Api-Secret-Token": secret})
                    response = conn.getresponse()
                    response.read()
                    delivered = response.status == 200
                    break
                except (OSError, http.client.HTTPException):
                    conn.close()
                    connections.pop(parts.netloc, None)
            with self._changed:
                self._in_flight.discard(chat)
                if delivered:
                    self.webhook_posts[update["update_id"]] += 1
                    self._updates = [u for u in self._updates if u is not update]
                self._changed.notify_all()
                self._pushable.notify()  # the chat's next update may go now
            if not delivered:
                time.sleep(0.1)  # Telegram retries later

    def _webhook_next(self) -> dict[str, Any] | None:
        """The oldest update of a chat with nothing in flight, and older than any other update of its chat."""
        seen: set[Any] = set()
        for update in self._updates:
            chat = _chat_of(update)
            if chat not in seen and chat not in self._in_flight:
                return update
            seen.add(chat)
        return None

    def _get_updates(
        self, params: dict[str, Any], files: dict[str, _Upload]
    ) -> list[dict[str, Any]]:
        offset = params.get("offset") or 0
        limit = min(max(params.get("limit") or 100, 1), 100)
        wait = min(max(float(params.get("timeout") or 0), 0.0), self.long_poll_cap)
        deadline = time.monotonic() + wait
        if self._webhook is not None:
            raise _ApiError(409, "Conflict: can't use getUpdates method while webhook is active; use deleteWebhook to delete the webhook first")
        with self._changed:
            # Like Telegram, a newer poll ends an older one with 409 Conflict.
            self._poll_generation += 1
            generation = self._poll_generation
            self._changed.notify_all()
            self._updates = [u for u in self._updates if u["update_id"] >= offset]
            while True:
                if generation != self._poll_generation:
                    raise _ApiError(
                        409,
                        "Conflict: terminated by other getUpdates request; "
                        "make sure that only one bot instance is running",
                    )
                remaining = deadline - time.monotonic()
                if self._updates or self._stopping or remaining <= 0:
                    return self._updates[:limit]
                self._changed.wait(remaining)

    def _send_message(self, params: dict[str, Any], files: dict[str, _Upload]) -> dict[str, Any]:
        chat_id = _chat_id(params)
        text = _message_text(params)
        markup = _checked_markup(params.get("reply_markup"))
        with self._lock:
            message = self._new_message(chat_id, {"from": BOT_USER, "text": text, **_echo(markup)})
            self._record(
                SentCall(
                    "sendMessage",
                    chat_id,
                    message["message_id"],
                    text=text,
                    reply_markup=markup,
                    params=params,
                )
            )
            return message

    def _edit_message_text(
        self, params: dict[str, Any], files: dict[str, _Upload]
    ) -> dict[str, Any]:
        chat_id, message_id = _chat_id(params), _message_id(params)
        text = _message_text(params)
        markup = _checked_markup(params.get("reply_markup"))
        with self._lock:
            old = self._bot_message(chat_id, message_id, "Bad Request: message to edit not found")
            if "text" not in old:
                raise _ApiError(400, "Bad Request: there is no text in the message to edit")
            if old["text"] == text and old.get("reply_markup") == _echo(markup).get("reply_markup"):
                raise _ApiError(400, _NOT_MODIFIED)
            # Telegram drops the inline keyboard when an edit does not resend it.
            message = self._replace_message(old, {"text": text, **_echo(markup)})
            self._record(
                SentCall(
                    "editMessageText",
                    chat_id,
                    message_id,
                    text=text,
                    reply_markup=markup,
                    params=params,
                )
            )
            return message

    def _edit_message_reply_markup(
        self, params: dict[str, Any], files: dict[str, _Upload]
    ) -> dict[str, Any]:
        chat_id, message_id = _chat_id(params), _message_id(params)
        markup = _checked_markup(params.get("reply_markup"))
        with self._lock:
            old = self._bot_message(chat_id, message_id, "Bad Request: message to edit not found")
            if old.get("reply_markup") == _echo(markup).get("reply_markup"):
                raise _ApiError(400, _NOT_MODIFIED)
            message = self._replace_message(old, _echo(markup))
            self._record(
                SentCall(
                    "editMessageReplyMarkup",
                    chat_id,
                    message_id,
                    reply_markup=markup,
                    params=params,
                )
            )
            return message

    def _delete_message(self, params: dict[str, Any], files: dict[str, _Upload]) -> bool:
        chat_id, message_id = _chat_id(params), _message_id(params)
        with self._lock:
            if self._messages.pop((chat_id, message_id), None) is None:
                raise _ApiError(400, "Bad Request: message to delete not found")
            self._record(SentCall("deleteMessage", chat_id, message_id, params=params))
        return True

    def _answer_callback_query(self, params: dict[str, Any], files: dict[str, _Upload]) -> bool:
        query_id = str(params.get("callback_query_id", ""))
        with self._lock:
            if query_id not in self._open_queries:
                raise _ApiError(
                    400,
                    "Bad Request: query is too old and response timeout expired "
                    "or query ID is invalid",
                )
            self._open_queries.discard(query_id)
            self._callback_answers.append(
                CallbackAnswer(
                    query_id, params.get("text"), bool(params.get("show_alert")), params.get("url")
                )
            )
            self._changed.notify_all()
        return True

    def _send_document(self, params: dict[str, Any], files: dict[str, _Upload]) -> dict[str, Any]:
        chat_id = _chat_id(params)
        document = _file_param(params, files, "document")
        caption = None
        if params.get("caption"):
            caption = _visible_text(str(params["caption"]), params.get("parse_mode"))
            if len(caption) > MAX_CAPTION_LENGTH:
                raise _ApiError(400, "Bad Request: message caption is too long")
        markup = _checked_markup(params.get("reply_markup"))
        with self._lock:
            if isinstance(document, _Upload):
                if not document.data:
                    raise _ApiError(400, "Bad Request: file must be non-empty")
                stored = self._store_file(document.filename, document.data, document.content_type)
            elif document in self._files:
                stored = self._files[document]
            else:
                raise _ApiError(400, "Bad Request: wrong file identifier/HTTP URL specified")
            content: dict[str, Any] = {
                "from": BOT_USER,
                "document": stored.document(),
                **_echo(markup),
            }
            if caption is not None:
                content["caption"] = caption
            message = self._new_message(chat_id, content)
            self._record(
                SentCall(
                    "sendDocument",
                    chat_id,
                    message["message_id"],
                    caption=caption,
                    reply_markup=markup,
                    filename=stored.file_name,
                    data=stored.data,
                    params=params,
                )
            )
            return message

    def _send_photo(self, params: dict[str, Any], files: dict[str, _Upload]) -> dict[str, Any]:
        chat_id = _chat_id(params)
        photo = _file_param(params, files, "photo")
        if not isinstance(photo, _Upload):
            raise _ApiError(400, "Bad Request: wrong file identifier/HTTP URL specified")
        markup = _checked_markup(params.get("reply_markup"))
        with self._lock:
            return self._photo_message("sendPhoto", chat_id, photo, params.get("caption"), params, markup)

    def _send_media_group(self, params: dict[str, Any], files: dict[str, _Upload]) -> list[dict[str, Any]]:
        """An album: 2–10 photos (or documents), each its own message sharing a media_group_id."""
        chat_id = _chat_id(params)
        media = params.get("media")
        if not isinstance(media, list) or not 2 <= len(media) <= MAX_ALBUM:
            raise _ApiError(400, "Bad Request: wrong number of media specified: must be 2-10")
        uploads = []
        for item in media:
            if not isinstance(item, dict) or item.get("type") != "photo":
                raise _ApiError(400, "Bad Request: unsupported media type in the album")
            upload = _file_param({"photo": item.get("media")}, files, "photo")
            if not isinstance(upload, _Upload):
                raise _ApiError(400, "Bad Request: wrong file identifier/HTTP URL specified")
            uploads.append((upload, item.get("caption")))
        with self._lock:
            group = f"album{self._next_file_no}"
            return [self._photo_message("sendMediaGroup", chat_id, u, c, params, None, group) for u, c in uploads]

    def _photo_message(
        self,
        method: str,
        chat_id: int,
        upload: _Upload,
        raw_caption: object,
        params: dict[str, Any],
        markup: dict[str, Any] | None,
        group: str | None = None,
    ) -> dict[str, Any]:
        """Store a picture as Telegram would: it must be a real image within the photo limits."""
        if not upload.data:
            raise _ApiError(400, "Bad Request: file must be non-empty")
        if len(upload.data) > MAX_PHOTO_BYTES:
            raise _ApiError(400, "Bad Request: PHOTO_INVALID_DIMENSIONS")
        width, height = _image_size(upload.data)
        if width + height > MAX_PHOTO_SIDES or max(width, height) > 20 * min(width, height):
            raise _ApiError(400, "Bad Request: PHOTO_INVALID_DIMENSIONS")
        caption = _visible_text(str(raw_caption), params.get("parse_mode")) if raw_caption else None
        if caption is not None and len(caption) > MAX_CAPTION_LENGTH:
            raise _ApiError(400, "Bad Request: message caption is too long")
        stored = self._store_file(upload.filename, upload.data, upload.content_type)
        size = {"file_id": stored.file_id, "file_unique_id": stored.file_unique_id, "width": width, "height": height,
                "file_size": len(upload.data)}
        content: dict[str, Any] = {"from": BOT_USER, "photo": [size], **_echo(markup)}
        if caption is not None:
            content["caption"] = caption
        if group is not None:
            content["media_group_id"] = group
        message = self._new_message(chat_id, content)
        self._record(SentCall(method, chat_id, message["message_id"], caption=caption, reply_markup=markup,
                              filename=stored.file_name, data=stored.data, params=params))
        return message

    def _send_chat_action(self, params: dict[str, Any], files: dict[str, _Upload]) -> bool:
        _chat_id(params)
        if not params.get("action"):
            raise _ApiError(400, "Bad Request: action is empty")
        return True

    def _set_my_commands(self, params: dict[str, Any], files: dict[str, _Upload]) -> bool:
        with self._lock:
            self._commands[_commands_key(params)] = list(params.get("commands") or [])
        return True

    def _get_my_commands(
        self, params: dict[str, Any], files: dict[str, _Upload]
    ) -> list[dict[str, Any]]:
        with self._lock:
            return self._commands.get(_commands_key(params), [])

    def _get_file(self, params: dict[str, Any], files: dict[str, _Upload]) -> dict[str, Any]:
        with self._lock:
            stored = self._files.get(str(params.get("file_id", "")))
        if stored is None:
            raise _ApiError(400, "Bad Request: invalid file_id")
        if len(stored.data) > MAX_DOWNLOAD_BYTES:
            raise _ApiError(400, "Bad Request: file is too big")
        return {
            "file_id": stored.file_id,
            "file_unique_id": stored.file_unique_id,
            "file_size": len(stored.data),
            "file_path": stored.file_path,
        }

    # ------------------------------------------------------ state (hold _lock)

    def _queue_user_message(
        self, user_id: int, chat_id: int | None, first_name: str, content: dict[str, Any]
    ) -> int:
        chat_key = user_id if chat_id is None else chat_id
        with self._lock:
            user = self._user(user_id, first_name)
            if chat_key == user_id:
                self._chats[chat_key] = {"id": user_id, "type": "private", "first_name": first_name}
            else:
                self._chats.setdefault(
                    chat_key, {"id": chat_key, "type": "group", "title": "测试群"}
                )
            message = self._new_message(chat_key, {"from": user, **content})
            return self._queue_update({"message": message})

    def _queue_update(self, payload: dict[str, Any]) -> int:
        update_id = self._next_update_id
        self._next_update_id += 1
        self._updates.append({"update_id": update_id, **payload})
        self._changed.notify_all()
        self._pushable.notify()
        return update_id

    @staticmethod
    def _user(user_id: int, first_name: str) -> dict[str, Any]:
        return {
            "id": user_id,
            "is_bot": False,
            "first_name": first_name,
            "language_code": "zh-hans",
        }

    def _new_message(self, chat_id: int, content: dict[str, Any]) -> dict[str, Any]:
        """Store a message; ids grow per chat, as in Telegram's private chats.

        Stored message dicts are never mutated (edits replace them), so they
        can be handed out and serialised without the lock.
        """
        message_id = self._next_message_id.get(chat_id, 1)
        self._next_message_id[chat_id] = message_id + 1
        chat = self._chats.get(chat_id) or {
            "id": chat_id,
            "type": "private",
            "first_name": "张三",
        }
        message = {"message_id": message_id, "date": int(time.time()), "chat": chat, **content}
        self._messages[(chat_id, message_id)] = message
        return message

    def _bot_message(self, chat_id: int, message_id: int, missing: str) -> dict[str, Any]:
        message = self._messages.get((chat_id, message_id))
        if message is None:
            raise _ApiError(400, missing)
        if message["from"]["id"] != BOT_ID:
            raise _ApiError(400, "Bad Request: message can't be edited")
        return message

    def _replace_message(self, old: dict[str, Any], changes: dict[str, Any]) -> dict[str, Any]:
        message = {k: v for k, v in old.items() if k != "reply_markup"}
        message.update(changes, edit_date=int(time.time()))
        self._messages[(old["chat"]["id"], old["message_id"])] = message
        return message

    def _store_file(self, filename: str, data: bytes, mime_type: str | None) -> _StoredFile:
        number = self._next_file_no
        self._next_file_no += 1
        suffix = PurePosixPath(filename).suffix
        if not re.fullmatch(r"\.[A-Za-z0-9]{1,10}", suffix):
            suffix = ""
        stored = _StoredFile(
            file_id=f"BQACAgUAAxkBAAF{number:08d}",
            file_unique_id=f"AgAD{number:06d}",
            file_path=f"documents/file_{number}{suffix}",
            file_name=filename,
            mime_type=mime_type or mimetypes.guess_type(filename)[0] or "application/octet-stream",
            data=bytes(data),
        )
        self._files[stored.file_id] = stored
        return stored

    def _record(self, call: SentCall) -> None:
        self._sent.append(call)
        if call.method in _NEW_MESSAGE_METHODS and call.chat_id is not None:
            self._by_chat.setdefault(call.chat_id, []).append(call)
            cond = self._chat_changed.get(call.chat_id)
            if cond is not None:
                cond.notify_all()
        self._changed.notify_all()


class _Server(ThreadingHTTPServer):
    """Loopback-only HTTP server that knows its FakeBotAPI."""

    daemon_threads = True

    def __init__(self, api: FakeBotAPI) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.api = api

    def handle_error(self, request: object, client_address: object) -> None:
        """Clients hanging up (PTB cancels its long poll on shutdown) are normal; bugs are not."""
        if not isinstance(sys.exc_info()[1], (ConnectionError, TimeoutError)):
            self.api._note_error(traceback.format_exc())


class _Handler(BaseHTTPRequestHandler):
    """Routes /bot<token>/<method> and /file/bot<token>/<path>; keeps connections alive like Telegram."""

    server: _Server
    protocol_version = "HTTP/1.1"  # keep-alive: PTB's connection pool reuses connections, as with Telegram
    # Headers and body are written separately; with Nagle's algorithm the body would wait for the
    # client's delayed ACK (~40 ms per response on Linux), a delay the real Telegram does not have.
    disable_nagle_algorithm = True
    timeout = 10  # a stuck or idle client must not pin a thread forever

    def do_GET(self) -> None:
        self._route()

    def do_POST(self) -> None:
        self._route()

    def log_message(self, format: str, *args: Any) -> None:
        """Keep test output quiet."""

    def _route(self) -> None:
        url = urlsplit(self.path)
        body = self._read_body()
        api = self.server.api
        if url.path.startswith("/file/bot"):
            status, payload = api._handle_download(url.path[len("/file/bot") :])
            self._respond(status, "application/octet-stream", payload)
            return
        if url.path.startswith("/bot"):
            token, _, method = url.path[len("/bot") :].partition("/")
            status, answer = api._handle_api(
                token, method, self.headers.get("Content-Type", ""), body, url.query
            )
        else:
            status, answer = 404, _ApiError(404, "Not Found").body()
        self._respond(status, "application/json", json.dumps(answer, ensure_ascii=False).encode())

    def _read_body(self) -> bytes:
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            chunks = []
            while size := int(self.rfile.readline().split(b";")[0], 16):
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
            while self.rfile.readline() not in (b"\r\n", b""):
                pass
            return b"".join(chunks)
        return self.rfile.read(int(self.headers.get("Content-Length") or 0))

    def _respond(self, status: int, content_type: str, payload: bytes) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)


# ------------------------------------------------------------ request parsing


def _parse_params(
    content_type: str, body: bytes, query: str
) -> tuple[dict[str, Any], dict[str, _Upload]]:
    """Decode query string plus JSON, form or multipart body into typed params and uploads."""
    params: dict[str, Any] = {k: v[-1] for k, v in parse_qs(query, keep_blank_values=True).items()}
    files: dict[str, _Upload] = {}
    media_type, _, options = content_type.partition(";")
    media_type = media_type.strip().lower()
    if media_type == "application/json" and body:
        try:
            decoded = json.loads(body)
        except ValueError:
            raise _ApiError(400, "Bad Request: can't parse JSON request body") from None
        if not isinstance(decoded, dict):
            raise _ApiError(400, "Bad Request: JSON request body must be an object")
        params.update(decoded)
    elif media_type == "application/x-www-form-urlencoded":
        form = parse_qs(body.decode("utf-8"), keep_blank_values=True)
        params.update({k: v[-1] for k, v in form.items()})
    elif media_type == "multipart/form-data":
        boundary = re.search(r'boundary="?([^";]+)"?', options)
        if boundary is None:
            raise _ApiError(400, "Bad Request: multipart body without boundary")
        fields, files = _parse_multipart(body, boundary.group(1).encode("ascii"))
        params.update(fields)
    return _typed(params), files


def _parse_multipart(body: bytes, boundary: bytes) -> tuple[dict[str, str], dict[str, _Upload]]:
    """Split multipart/form-data into text fields and file parts.

    Hand-rolled because httpx writes non-ASCII filenames as raw UTF-8 with
    HTML5-style escaping, which the email package does not decode.
    """
    fields: dict[str, str] = {}
    files: dict[str, _Upload] = {}
    for part in body.split(b"--" + boundary)[1:]:
        if part.startswith(b"--"):
            break
        head, _, content = part.removeprefix(b"\r\n").partition(b"\r\n\r\n")
        content = content.removesuffix(b"\r\n")
        headers: dict[str, str] = {}
        for line in head.decode("utf-8", "replace").split("\r\n"):
            key, _, value = line.partition(":")
            headers[key.strip().lower()] = value.strip()
        disposition = headers.get("content-disposition", "")
        name = _disposition_param(disposition, "name")
        filename = _disposition_param(disposition, "filename")
        if name is None:
            continue
        if filename is None:
            fields[name] = content.decode("utf-8")
        else:
            content_type = headers.get("content-type", "application/octet-stream")
            files[name] = _Upload(filename, content_type, content)
    return fields, files


def _disposition_param(disposition: str, key: str) -> str | None:
    """Read name="..." from Content-Disposition, undoing httpx's HTML5 escaping."""
    match = re.search(rf'(?:^|;)\s*{key}="((?:[^"\\]|\\.)*)"', disposition)
    if match is None:
        return None
    value = match.group(1).replace("\\\\", "\\")
    return re.sub(r"%(22|[01][0-9A-F])", lambda m: chr(int(m.group(1), 16)), value)


def _typed(params: dict[str, Any]) -> dict[str, Any]:
    """Turn string-encoded values from form bodies back into JSON types."""
    typed = dict(params)
    for key, value in params.items():
        if not isinstance(value, str):
            continue
        if key in _JSON_FIELDS:
            try:
                typed[key] = json.loads(value)
            except ValueError:
                raise _ApiError(400, f"Bad Request: can't parse {key} JSON object") from None
        elif key in _INT_FIELDS:
            try:
                typed[key] = int(value)
            except ValueError:
                raise _ApiError(400, f"Bad Request: invalid {key} specified") from None
        elif key in _BOOL_FIELDS:
            typed[key] = value.lower() in ("true", "1")
        elif key == "chat_id" and re.fullmatch(r"-?\d+", value):
            typed[key] = int(value)
    return typed


def _file_param(params: dict[str, Any], files: dict[str, _Upload], name: str) -> _Upload | str:
    """An uploaded file part, an attach:// reference to one, or a file_id string."""
    if name in files:
        return files[name]
    value = params.get(name)
    if not isinstance(value, str) or not value:
        raise _ApiError(400, f"Bad Request: there is no {name} in the request")
    if value.startswith("attach://"):
        attached = files.get(value.removeprefix("attach://"))
        if attached is None:
            raise _ApiError(400, f"Bad Request: {name} attachment not found")
        return attached
    return value


# ----------------------------------------------------------- Bot API helpers


def _image_size(data: bytes) -> tuple[int, int]:
    """(width, height) of a PNG or JPEG; anything else is no photo for Telegram."""
    if data.startswith(b"\x89PNG\r\n\x1a\n") and data[12:16] == b"IHDR":
        return int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")
    if data.startswith(b"\xff\xd8"):
        i = 2
        while i + 9 < len(data):
            marker, length = data[i + 1], int.from_bytes(data[i + 2 : i + 4], "big")
            if 0xC0 <= marker <= 0xC3:
                return int.from_bytes(data[i + 7 : i + 9], "big"), int.from_bytes(data[i + 5 : i + 7], "big")
            i += 2 + length
    raise _ApiError(400, "Bad Request: IMAGE_PROCESS_FAILED")


def _chat_id(params: Mapping[str, Any]) -> int:
    chat_id = params.get("chat_id")
    if chat_id is None or chat_id == "":
        raise _ApiError(400, "Bad Request: chat_id is empty")
    if not isinstance(chat_id, int):
        raise _ApiError(400, "Bad Request: chat not found")
    return chat_id


def _message_id(params: Mapping[str, Any]) -> int:
    message_id = params.get("message_id")
    if not isinstance(message_id, int):
        raise _ApiError(400, "Bad Request: message identifier is not specified")
    return message_id


def _message_text(params: Mapping[str, Any]) -> str:
    """The text as the user will see it, with Telegram's emptiness and length checks."""
    text = _visible_text(str(params.get("text") or ""), params.get("parse_mode"))
    if not text.strip():
        raise _ApiError(400, "Bad Request: message text is empty")
    if len(text) > MAX_TEXT_LENGTH:
        raise _ApiError(400, "Bad Request: message is too long")
    return text


def _visible_text(text: str, parse_mode: object) -> str:
    """Apply parse_mode=HTML like Telegram: reject bad markup, return the plain text."""
    if str(parse_mode or "").lower() != "html":
        return text
    plain: list[str] = []
    open_tags: list[str] = []
    position = 0
    while (start := text.find("<", position)) >= 0:
        plain.append(text[position:start])
        offset = len(text[:start].encode("utf-8"))
        match = _HTML_TAG_RE.match(text, start)
        if match is None or match.group(2).lower() not in _HTML_TAGS:
            tag = match.group(2) if match else re.match(r"[^\s>]*", text[start + 1 :]).group()
            raise _ApiError(
                400,
                "Bad Request: can't parse entities: "
                f'Unsupported start tag "{tag}" at byte offset {offset}',
            )
        closing, tag = match.group(1), match.group(2).lower()
        if not closing:
            open_tags.append(tag)
        elif not open_tags or open_tags[-1] != tag:
            expected = f', expected "</{open_tags[-1]}>"' if open_tags else ""
            raise _ApiError(
                400,
                f"Bad Request: can't parse entities: Unmatched end tag at byte offset {offset}"
                f'{expected}, found "</{tag}>"',
            )
        else:
            open_tags.pop()
        position = match.end()
    if open_tags:
        raise _ApiError(
            400,
            "Bad Request: can't parse entities: Can't find end tag corresponding to start tag "
            f'"{open_tags[-1]}"',
        )
    plain.append(text[position:])
    return html.unescape("".join(plain))


def _checked_markup(markup: object) -> dict[str, Any] | None:
    """Validate reply_markup the way Telegram rejects common mistakes."""
    if markup is None:
        return None
    if not isinstance(markup, dict):
        raise _ApiError(400, "Bad Request: can't parse reply keyboard markup JSON object")
    for row in markup.get("inline_keyboard", []):
        for button in row:
            if not _BUTTON_ACTIONS & button.keys():
                raise _ApiError(
                    400,
                    "Bad Request: can't parse inline keyboard button: "
                    "Text buttons are unallowed in the inline keyboard",
                )
            data = button.get("callback_data")
            if data is not None and not 1 <= len(str(data).encode()) <= MAX_CALLBACK_DATA_BYTES:
                raise _ApiError(400, "Bad Request: BUTTON_DATA_INVALID")
    return markup


def _echo(markup: dict[str, Any] | None) -> dict[str, Any]:
    """Messages carry reply_markup only for inline keyboards, as in the Bot API."""
    if markup and "inline_keyboard" in markup:
        return {"reply_markup": markup}
    return {}


def _inline_buttons(markup: Mapping[str, Any] | None) -> list[tuple[str, str | None]]:
    if not markup:
        return []
    return [
        (button["text"], button.get("callback_data"))
        for row in markup.get("inline_keyboard", [])
        for button in row
    ]


def _commands_key(params: Mapping[str, Any]) -> tuple[str, str]:
    """Commands are stored per (scope, language_code), as Telegram does."""
    scope = params.get("scope") or {"type": "default"}
    return json.dumps(scope, sort_keys=True), str(params.get("language_code") or "")


def _default_description(error_code: int, retry_after: int) -> str:
    known = {
        400: "Bad Request",
        403: "Forbidden: bot was blocked by the user",
        429: f"Too Many Requests: retry after {retry_after}",
    }
    if error_code in known:
        return known[error_code]
    try:
        return HTTPStatus(error_code).phrase
    except ValueError:
        return f"Error {error_code}"


def _utf16_len(text: str) -> int:
    """Entity offsets and lengths are counted in UTF-16 code units."""
    return len(text.encode("utf-16-le")) // 2
