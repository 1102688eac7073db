"""The official Stream SDK (`dingtalk-stream`), pointed at the configured gateway and nothing else.

The SDK reads its OpenAPI address once, from the environment, when it is imported, and tells the gateway
the machine's address by routing a UDP socket towards 8.8.8.8. Here the connection is opened at the
configured `DINGTALK_API_BASE` (专有钉钉, or a test's server) and the address given is the configured
one (`DINGTALK_LOCAL_IP`, empty by default): nothing is looked up or probed outside that base.
"""

from __future__ import annotations

import json
import logging
import platform
from collections.abc import Awaitable, Callable
from typing import Any

import dingtalk_stream
import requests
from dingtalk_stream import AckMessage, CallbackHandler, CallbackMessage, ChatbotMessage, Credential
from dingtalk_stream.card_callback import Card_Callback_Router_Topic

from bot.channels.dingtalk.settings import DingTalkSettings

log = logging.getLogger(__name__)
Job = Callable[[dict[str, Any]], Awaitable[None]]


class Handler(CallbackHandler):
    """Runs one callback to its end before the SDK acknowledges it: a message that was not handled (the bot
    was killed) is delivered again by DingTalk, and the engine drops one handled already (its createAt)."""

    def __init__(self, job: Job):
        super().__init__()
        self.job = job

    async def process(self, message: CallbackMessage) -> tuple[int, Any]:
        try:
            await self.job(message.data)
        except Exception:  # the person gets no answer; DingTalk must not redeliver it forever
            log.exception("DingTalk callback failed")
        return AckMessage.STATUS_OK, {}


class StreamClient(dingtalk_stream.DingTalkStreamClient):
    def __init__(self, settings: DingTalkSettings, on_message: Job, on_card: Job):
        super().__init__(Credential(settings.client_id, settings.client_secret), logger=log)
        self.settings = settings
        self.register_callback_handler(ChatbotMessage.TOPIC, Handler(on_message))
        self.register_callback_handler(Card_Callback_Router_Topic, Handler(on_card))

    def get_host_ip(self) -> str:
        return self.settings.local_ip

    def open_connection(self) -> dict[str, Any] | None:
        """The gateway's WebSocket endpoint and ticket (POST /v1.0/gateway/connections/open)."""
        url = f"{self.settings.api_base}/v1.0/gateway/connections/open"
        body = {
            "clientId": self.settings.client_id,
            "clientSecret": self.settings.client_secret,
            "subscriptions": [{"type": "CALLBACK", "topic": topic} for topic in self.callback_handler_map],
            "ua": f"dingtalk-sdk-python/v{dingtalk_stream.version.VERSION_STRING}-union",
            "localIp": self.get_host_ip(),
        }
        headers = {"Content-Type": "application/json", "Accept": "application/json",
                   "User-Agent": f"DingTalkStream/1.0 SDK/{dingtalk_stream.version.VERSION_STRING} Python/{platform.python_version()}"}
        try:
            response = requests.post(url, headers=headers, data=json.dumps(body), timeout=30)
            response.raise_for_status()
            return dict(response.json())
        except (requests.RequestException, ValueError) as exc:
            log.error("DingTalk gateway %s: %s", url, exc)
            return None
