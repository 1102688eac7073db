"""A fake DingTalk on 127.0.0.1: the OpenAPI the robot uses and the Stream gateway, for the real SDK.

HTTP (aiohttp): access token, gateway connections/open (→ a WebSocket endpoint here, and a ticket),
单聊 batchSend, interactive cards (send, update), group messages, media upload (old API) and the download
of files a person sent. The WebSocket pushes robot messages and card callbacks as the gateway frames
them and records the client's acks. Answers with throttling and errors on demand.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import os
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from aiohttp import WSMsgType, web
from conftest import ROOT, free_port

ROBOT_TOPIC = "/v1.0/im/bot/messages/get"
CARD_TOPIC = "/v1.0/card/instances/callback"


@dataclass
class Sent:
    """What the robot sent one person: a text, a card (its text and buttons: (label, action id)) or a file."""

    user: str
    kind: str  # text | card | file | group
    text: str = ""
    buttons: list[tuple[str, str]] = field(default_factory=list)
    card_id: str = ""
    filename: str = ""
    data: bytes = b""


class FakeDingTalk:
    def __init__(self, client_id: str = "dingclient", client_secret: str = "secret"):
        self.client_id, self.client_secret = client_id, client_secret
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.sent: list[Sent] = []
        self.updates: list[tuple[str, dict[str, Any]]] = []  # card id, new card data
        self.acks: dict[str, dict[str, Any]] = {}  # message id → the client's ack frame
        self.opened: list[dict[str, Any]] = []  # bodies of connections/open
        self.files: dict[str, bytes] = {}  # download code → bytes
        self.media: dict[str, tuple[str, bytes]] = {}
        self.invalid_users: set[str] = set()  # answered in invalidStaffIdList (left the organisation)
        self.failures: dict[str, list[tuple[int, dict[str, Any], dict[str, str]]]] = {}
        self.calls: dict[str, int] = {}
        self.lock = threading.Lock()
        self.ids = itertools.count(1)
        self.ws: web.WebSocketResponse | None = None
        self.connections = 0
        self.loop: asyncio.AbstractEventLoop | None = None
        self.ready = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.runner: web.AppRunner | None = None

    # ---- control from the test ------------------------------------------------------------------

    def fail_next(self, path: str, times: int, status: int, body: dict[str, Any] | None = None, headers: dict[str, str] | None = None) -> None:
        """The next `times` calls of this path answer `status` with `body` (e.g. 429, or 403 QpsLimit)."""
        with self.lock:
            self.failures.setdefault(path, []).extend([(status, body or {}, headers or {})] * times)

    def connected(self, timeout: float = 30) -> None:
        deadline = time.monotonic() + timeout
        while self.ws is None or self.ws.closed:
            assert time.monotonic() < deadline, "the bot never opened the stream"
            time.sleep(0.05)

    def push(self, topic: str, data: dict[str, Any]) -> str:
        """Send one CALLBACK frame down the stream; returns its message id."""
        self.connected()
        message_id = f"msg-{next(self.ids)}"
        frame = {"specVersion": "1.0", "type": "CALLBACK", "data": json.dumps(data, ensure_ascii=False),
                 "headers": {"topic": topic, "messageId": message_id, "contentType": "application/json",
                             "appId": "app", "connectionId": "conn", "time": str(int(time.time() * 1000))}}
        assert self.loop is not None and self.ws is not None
        asyncio.run_coroutine_threadsafe(self.ws.send_str(json.dumps(frame, ensure_ascii=False)), self.loop).result(10)
        return message_id

    def wait_ack(self, message_id: str, timeout: float = 60) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        while message_id not in self.acks:
            assert time.monotonic() < deadline, f"no ack for {message_id}"
            time.sleep(0.02)
        return self.acks[message_id]

    def to(self, user: str) -> list[Sent]:
        with self.lock:
            return [s for s in self.sent if s.user == user]

    # ---- the server ------------------------------------------------------------------------------

    def _failure(self, path: str) -> web.Response | None:
        with self.lock:
            self.calls[path] = self.calls.get(path, 0) + 1
            queued = self.failures.get(path)
            if not queued:
                return None
            status, body, headers = queued.pop(0)
        return web.json_response(body, status=status, headers=headers)

    async def _token(self, request: web.Request) -> web.Response:
        body = await request.json()
        if (body.get("appKey"), body.get("appSecret")) != (self.client_id, self.client_secret):
            return web.json_response({"code": "invalidClientIdOrSecret", "message": "无效的clientId或clientSecret"}, status=400)
        return web.json_response({"accessToken": "fake-token", "expireIn": 7200})

    def _authorised(self, request: web.Request) -> bool:
        return request.headers.get("x-acs-dingtalk-access-token") == "fake-token"

    async def _open(self, request: web.Request) -> web.Response:
        body = await request.json()
        self.opened.append(body)
        if (body.get("clientId"), body.get("clientSecret")) != (self.client_id, self.client_secret):
            return web.json_response({"code": "invalidClient"}, status=401)
        return web.json_response({"endpoint": f"ws://127.0.0.1:{self.port}/connect", "ticket": "ticket-1"})

    async def _connect(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse()
        await ws.prepare(request)
        self.ws = ws
        self.connections += 1
        async for message in ws:
            if message.type == WSMsgType.TEXT:
                frame = json.loads(message.data)
                message_id = frame.get("headers", {}).get("messageId")
                if message_id:
                    self.acks[message_id] = frame
        return ws

    async def _api(self, request: web.Request) -> web.Response:
        path = request.path
        failure = self._failure(path)
        if failure is not None:
            return failure
        if not self._authorised(request):
            return web.json_response({"code": "InvalidAuthentication", "message": "token"}, status=401)
        body = await request.json()
        if path == "/v1.0/robot/oToMessages/batchSend":
            invalid = [u for u in body["userIds"] if u in self.invalid_users]
            param = json.loads(body["msgParam"])
            with self.lock:
                for user in body["userIds"]:
                    if user in invalid:
                        continue
                    if body["msgKey"] == "sampleFile":
                        name, data = self.media[param["mediaId"]]
                        self.sent.append(Sent(user, "file", filename=param["fileName"], data=data))
                    else:
                        self.sent.append(Sent(user, "text", text=param.get("content", "")))
            return web.json_response({"processQueryKey": "q", "invalidStaffIdList": invalid, "flowControlledStaffIdList": []})
        if path == "/v1.0/im/v1.0/robot/interactiveCards/send":
            user = json.loads(body["singleChatReceiver"])["userId"]
            card = json.loads(body["cardData"])
            if user in self.invalid_users:
                return web.json_response({"code": "staffId.notExisted", "message": "用户不存在"}, status=400)
            with self.lock:
                self.sent.append(Sent(user, "card", text=card_text(card), buttons=card_buttons(card), card_id=body["cardBizId"]))
            return web.json_response({"processQueryKey": body["cardBizId"]})
        if path == "/v1.0/im/robots/interactiveCards":
            with self.lock:
                self.updates.append((body["cardBizId"], json.loads(body["cardData"])))
            return web.json_response({"success": True})
        if path == "/v1.0/robot/groupMessages/send":
            with self.lock:
                self.sent.append(Sent(body["openConversationId"], "group", text=json.loads(body["msgParam"])["content"]))
            return web.json_response({"processQueryKey": "g"})
        if path == "/v1.0/robot/messageFiles/download":
            if body["downloadCode"] not in self.files:
                return web.json_response({"code": "resource.notFound"}, status=404)
            return web.json_response({"downloadUrl": f"{self.base}/files/{body['downloadCode']}"})
        return web.json_response({"code": "notFound"}, status=404)

    async def _upload(self, request: web.Request) -> web.Response:
        failure = self._failure(request.path)
        if failure is not None:
            return failure
        if request.query.get("access_token") != "fake-token":
            return web.json_response({"errcode": 40014, "errmsg": "不合法的access_token"})
        form = await request.post()
        media = form["media"]
        assert isinstance(media, web.FileField)
        media_id = f"@media{next(self.ids)}"
        self.media[media_id] = (media.filename, media.file.read())
        return web.json_response({"errcode": 0, "errmsg": "ok", "type": "file", "media_id": media_id})

    async def _file(self, request: web.Request) -> web.Response:
        return web.Response(body=self.files[request.match_info["code"]])

    def _run(self) -> None:
        self.loop = asyncio.new_event_loop()
        app = web.Application(client_max_size=64 * 1024 * 1024)
        app.router.add_post("/v1.0/oauth2/accessToken", self._token)
        app.router.add_post("/v1.0/gateway/connections/open", self._open)
        app.router.add_get("/connect", self._connect)
        app.router.add_post("/media/upload", self._upload)
        app.router.add_get("/files/{code}", self._file)
        app.router.add_route("*", "/v1.0/{tail:.*}", self._api)
        self.runner = web.AppRunner(app)
        self.loop.run_until_complete(self.runner.setup())
        self.loop.run_until_complete(web.TCPSite(self.runner, "127.0.0.1", self.port).start())
        self.ready.set()
        self.loop.run_forever()

    def __enter__(self) -> FakeDingTalk:
        self.thread.start()
        self.ready.wait(10)
        return self

    def __exit__(self, *exc: object) -> None:
        assert self.loop is not None and self.runner is not None
        asyncio.run_coroutine_threadsafe(self.runner.cleanup(), self.loop).result(10)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(10)


def card_text(card: dict[str, Any]) -> str:
    return "\n".join(c["text"] for c in card.get("contents", []) if c.get("type") == "text")


def card_buttons(card: dict[str, Any]) -> list[tuple[str, str]]:
    return [(a["label"]["text"], a["id"]) for c in card.get("contents", []) if c.get("type") == "action" for a in c["actions"]]


SEQ = itertools.count(1_800_000_000_000)  # createAt of the pushed messages: increasing, not the wall clock


class DtClerk:
    """A DingTalk user in 单聊 with the robot: types, uploads, presses card buttons; counts every action."""

    def __init__(self, fake: FakeDingTalk, user: str, name: str = "张三"):
        self.fake, self.user, self.name = fake, user, name
        self.actions = 0
        self.mark = 0

    def _push(self, topic: str, data: dict[str, Any]) -> list[Sent]:
        before = len(self.fake.sent)
        self.actions += 1
        self.fake.wait_ack(self.fake.push(topic, data))  # the bot acknowledges once it has answered
        self.mark = before
        return [s for s in self.fake.sent[before:] if s.user == self.user]

    def message(self, msgtype: str, **body: Any) -> dict[str, Any]:
        return {"conversationType": "1", "conversationId": f"cid-{self.user}", "senderStaffId": self.user, "senderId": f"$:{self.user}",
                "senderNick": self.name, "chatbotUserId": "robot", "robotCode": self.fake.client_id, "msgId": f"m{next(SEQ)}",
                "createAt": next(SEQ), "msgtype": msgtype, **body}

    def say(self, text: str) -> list[Sent]:
        return self._push(ROBOT_TOPIC, self.message("text", text={"content": text}))

    def upload(self, filename: str, data: bytes) -> list[Sent]:
        code = f"code{next(SEQ)}"
        self.fake.files[code] = data
        return self._push(ROBOT_TOPIC, self.message("file", content={"downloadCode": code, "fileName": filename}))

    def find_button(self, label: str) -> tuple[str, str]:
        for sent in reversed(self.fake.to(self.user)):
            for text, action in sent.buttons:
                if text == label:
                    return sent.card_id, action
        raise AssertionError(f"no button {label!r}; last: {self.last_text()!r}")

    def press(self, card_id: str, action: str) -> list[Sent]:
        content = json.dumps({"cardPrivateData": {"actionIds": [action], "params": {}}})
        return self._push(CARD_TOPIC, {"outTrackId": card_id, "userId": self.user, "corpId": "corp", "type": "actionCallback", "content": content})

    def tap(self, label: str) -> list[Sent]:
        return self.press(*self.find_button(label))

    def last_text(self) -> str:
        return "\n".join(s.text for s in self.fake.sent[self.mark:] if s.user == self.user and s.kind in ("text", "card"))

    def last_document(self, suffix: str = "") -> Sent | None:
        """The last file sent since the clerk's last input: of that suffix, or any but the PDF beside a .docx."""
        docs = [
            s for s in self.fake.sent[self.mark:]
            if s.user == self.user and s.kind == "file" and (s.filename.endswith(suffix) if suffix else not s.filename.endswith(".pdf"))
        ]
        return docs[-1] if docs else None


class DingTalkProcess:
    """`python -m bot run` with DingTalk settings pointing at the fake (and no Telegram), killable with SIGKILL."""

    def __init__(self, fake: FakeDingTalk, data_dir: Path, clock: str = "2026-11-23T09:00", **env: str):
        base = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "DINGTALK_"))}
        self.net_log = data_dir / "network.log"  # connections and lookups not for 127.0.0.1 (tests/netaudit)
        self.env = dict(base, PYTHONPATH=f"{ROOT}{os.pathsep}{ROOT / 'tests' / 'netaudit'}", NIANBAO_TEST_NET_LOG=str(self.net_log),
                        NO_PROXY="127.0.0.1,localhost", no_proxy="127.0.0.1,localhost",
                        NIANBAO_DATA_DIR=str(data_dir), NIANBAO_CLOCK=clock,
                        NIANBAO_WEB_PORT=str(free_port()), DINGTALK_CLIENT_ID=fake.client_id, DINGTALK_CLIENT_SECRET=fake.client_secret,
                        DINGTALK_API_BASE=fake.base, DINGTALK_OAPI_BASE=fake.base)
        self.env.update(env)
        self.fake = fake
        self.proc: subprocess.Popen[bytes] | None = None
        self.log = data_dir / "bot.log"

    def start(self) -> DingTalkProcess:
        connections = self.fake.connections
        self.proc = subprocess.Popen([sys.executable, "-m", "bot", "run"], env=self.env, cwd=str(ROOT),
                                     stdout=subprocess.DEVNULL, stderr=self.log.open("ab"))
        deadline = time.monotonic() + 40
        while self.fake.connections <= connections:
            assert self.proc.poll() is None, self.log.read_text(errors="replace")
            assert time.monotonic() < deadline, "the bot did not open the stream"
            time.sleep(0.05)
        return self

    def kill(self) -> None:
        assert self.proc is not None
        self.proc.kill()
        self.proc.wait(10)

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)

    def __enter__(self) -> DingTalkProcess:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def outside(self) -> list[str]:
        """What any process of the bot tried to reach beyond 127.0.0.1 (empty: nothing)."""
        return self.net_log.read_text(encoding="utf-8").splitlines() if self.net_log.exists() else []
