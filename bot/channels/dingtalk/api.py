"""The robot's OpenAPI, asynchronously (aiohttp): access token, 单聊 text, cards, files, group text, downloads.

Every failure is a `DingTalkError` that says what became of the request, so that callers can keep the
delivery guarantees: `not_sent` (it certainly did not reach DingTalk: connection refused, 502/503),
`retry_after` (throttled: DingTalk did not take it), `gone` (the person left the organisation or is
unknown to it), and otherwise it may or may not have been processed.
"""

from __future__ import annotations

import asyncio
import json
import time
from dataclasses import dataclass, field
from typing import Any

import aiohttp

from bot.channels.dingtalk.settings import DingTalkSettings

TIMEOUT = aiohttp.ClientTimeout(total=30, connect=10)
THROTTLE_CODES = ("throttl", "qpslimit", "flowcontrol", "ratelimit")
GONE_CODES = ("staffid.notexist", "user.notexist", "usernotexist", "invalidstaffid", "resource.notfound.user")


@dataclass
class DingTalkError(Exception):
    status: int
    code: str = ""
    message: str = ""
    not_sent: bool = False
    retry_after: float = 0.0
    gone: bool = False

    def __str__(self) -> str:
        return f"DingTalk {self.status} {self.code}: {self.message}"


@dataclass
class BatchResult:
    invalid: list[str] = field(default_factory=list)  # userIds DingTalk does not know (left, or never there)
    flow_controlled: list[str] = field(default_factory=list)  # userIds it did not send to now (throttled)


def classify(status: int, body: dict[str, Any], retry_after: str | None) -> DingTalkError:
    code = str(body.get("code") or body.get("errcode") or "")
    message = str(body.get("message") or body.get("errmsg") or "")
    lowered = code.lower().replace("_", "")
    if status == 429 or any(c in lowered for c in THROTTLE_CODES) or code == "90018":
        return DingTalkError(status, code, message, retry_after=float(retry_after or 1.0))
    if any(c in lowered for c in GONE_CODES) or code == "33012":
        return DingTalkError(status, code, message, gone=True)
    return DingTalkError(status, code, message, not_sent=status in (502, 503))


class OpenApi:
    def __init__(self, settings: DingTalkSettings):
        self.settings = settings
        self._session: aiohttp.ClientSession | None = None
        self._token = ""
        self._token_until = 0.0
        self._token_lock = asyncio.Lock()

    @property
    def http(self) -> aiohttp.ClientSession:
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(timeout=TIMEOUT, trust_env=True)  # HTTPS_PROXY / NO_PROXY, like the SDK
        return self._session

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()

    async def _request(self, method: str, url: str, **kwargs: Any) -> dict[str, Any]:
        try:
            async with self.http.request(method, url, **kwargs) as response:
                text = await response.text()
                try:
                    body = json.loads(text) if text else {}
                except ValueError:
                    body = {"message": text[:200]}
                if response.status >= 400 or str(body.get("errcode", "0")) not in ("0", ""):
                    raise classify(response.status, body, response.headers.get("Retry-After"))
                return body if isinstance(body, dict) else {}
        except aiohttp.ClientConnectorError as exc:  # no connection was made: nothing was sent
            raise DingTalkError(0, "connect", str(exc), not_sent=True) from exc
        except (TimeoutError, aiohttp.ClientError) as exc:  # may have reached DingTalk
            raise DingTalkError(0, "network", str(exc) or type(exc).__name__) from exc

    async def token(self) -> str:
        """The application's access token (valid two hours; renewed five minutes before it ends)."""
        async with self._token_lock:
            if self._token and time.monotonic() < self._token_until:
                return self._token
            body = await self._request("POST", f"{self.settings.api_base}/v1.0/oauth2/accessToken",
                                       json={"appKey": self.settings.client_id, "appSecret": self.settings.client_secret})
            self._token = str(body["accessToken"])
            self._token_until = time.monotonic() + max(60.0, float(body.get("expireIn", 7200)) - 300)
            return self._token

    async def call(self, method: str, path: str, body: dict[str, Any]) -> dict[str, Any]:
        """A call of the new API with the token; a rejected token is renewed once."""
        for attempt in (0, 1):
            headers = {"x-acs-dingtalk-access-token": await self.token()}
            try:
                return await self._request(method, f"{self.settings.api_base}{path}", json=body, headers=headers)
            except DingTalkError as exc:
                if exc.status != 401 or attempt:
                    raise
                self._token = ""
        raise AssertionError("unreachable")

    async def batch_send(self, user_ids: list[str], msg_key: str, param: dict[str, Any]) -> BatchResult:
        body = await self.call("POST", "/v1.0/robot/oToMessages/batchSend", {
            "robotCode": self.settings.robot, "userIds": user_ids, "msgKey": msg_key, "msgParam": json.dumps(param, ensure_ascii=False)})
        return BatchResult(list(body.get("invalidStaffIdList") or []), list(body.get("flowControlledStaffIdList") or []))

    async def send_text(self, user_id: str, text: str) -> None:
        check(user_id, await self.batch_send([user_id], "sampleText", {"content": text}))

    async def send_card(self, user_id: str, card_id: str, card: dict[str, Any]) -> None:
        """An interactive card (StandardCard) whose buttons call back on the stream."""
        await self.call("POST", "/v1.0/im/v1.0/robot/interactiveCards/send", {
            "cardTemplateId": "StandardCard", "robotCode": self.settings.robot, "cardBizId": card_id,
            "singleChatReceiver": json.dumps({"userId": user_id}), "callbackType": "STREAM",
            "cardData": json.dumps(card, ensure_ascii=False), "sendOptions": {}})

    async def update_card(self, card_id: str, card: dict[str, Any]) -> None:
        await self.call("PUT", "/v1.0/im/robots/interactiveCards", {"cardBizId": card_id, "cardData": json.dumps(card, ensure_ascii=False)})

    async def send_file(self, user_id: str, name: str, data: bytes) -> None:
        """Upload (the old API's media/upload) and send it as a file message."""
        form = aiohttp.FormData()
        form.add_field("type", "file")
        form.add_field("media", data, filename=name, content_type="application/octet-stream")
        token = await self.token()
        body = await self._request("POST", f"{self.settings.oapi_base}/media/upload", params={"access_token": token, "type": "file"}, data=form)
        kind = name.rsplit(".", 1)[-1].lower() if "." in name else "file"
        check(user_id, await self.batch_send([user_id], "sampleFile", {"mediaId": body["media_id"], "fileName": name, "fileType": kind}))

    async def send_group_text(self, conversation_id: str, text: str) -> None:
        await self.call("POST", "/v1.0/robot/groupMessages/send", {
            "robotCode": self.settings.robot, "openConversationId": conversation_id, "msgKey": "sampleText",
            "msgParam": json.dumps({"content": text}, ensure_ascii=False)})

    async def download(self, download_code: str, limit: int) -> bytes | None:
        """A file a person sent, through its download code; None when it is bigger than `limit`."""
        body = await self.call("POST", "/v1.0/robot/messageFiles/download", {"robotCode": self.settings.robot, "downloadCode": download_code})
        try:
            async with self.http.get(str(body["downloadUrl"])) as response:
                if response.status >= 400:
                    raise DingTalkError(response.status, "download", "file not available")
                if (response.content_length or 0) > limit:
                    return None
                data = await response.content.read(limit + 1)
                return None if len(data) > limit else data
        except aiohttp.ClientError as exc:
            raise DingTalkError(0, "network", str(exc)) from exc


def check(user_id: str, result: BatchResult) -> None:
    """A batch of one: DingTalk answers 200 and names the person among the unknown or the throttled."""
    if user_id in result.invalid:
        raise DingTalkError(200, "invalidStaffIdList", "user not in the organisation", gone=True)
    if user_id in result.flow_controlled:
        raise DingTalkError(200, "flowControlledStaffIdList", "throttled", retry_after=1.0)
