"""The DingTalk adapter's process: the robot's stream and the interview (inbound).

It runs in a child process of the product (`nianbao run`): the Stream SDK opens its gateway connection
with blocking calls that would stall the event loop of the web page and of Telegram. The notifications
DingTalk delivers are sent by the product's runtime (bot/channels/runtime.py) with its own `OpenApi`.
"""

from __future__ import annotations

import asyncio
import logging

from bot.channels.dingtalk.api import DingTalkError, OpenApi
from bot.channels.dingtalk.channel import DingTalkChannel
from bot.channels.dingtalk.settings import DingTalkSettings
from bot.channels.dingtalk.stream import StreamClient
from bot.channels.wiring import build_service
from bot.core.config import EX_CONFIG, Config
from bot.interview.types import Input, Outcome

log = logging.getLogger(__name__)


async def check_credentials(api: OpenApi) -> bool:
    """False when DingTalk refuses the client id and secret (a setting to fix); True otherwise, also when
    DingTalk cannot be reached yet (the stream and the sender try on)."""
    try:
        await api.token()
    except DingTalkError as exc:
        if not exc.not_sent and exc.status in (400, 401, 403):
            log.error("钉钉拒绝了 DINGTALK_CLIENT_ID / DINGTALK_CLIENT_SECRET：%s", exc)
            return False
        log.warning("DingTalk not reachable yet (%s); trying on", exc)
    return True


async def serve(config: Config, settings: DingTalkSettings) -> int:
    """Receive and answer until cancelled."""
    clock = config.clock()
    service = build_service(config, clock=clock)
    api = OpenApi(settings)
    if not await check_credentials(api):
        await api.close()
        return EX_CONFIG

    async def handle(channel: str, external_id: str, inp: Input, name: str, chat_id: str) -> Outcome:
        return await asyncio.to_thread(service.handle, channel, external_id, inp, name, chat_id)

    channel = DingTalkChannel(handle, api)
    client = StreamClient(settings, channel.on_message, channel.on_card)
    try:
        await client.start()
    finally:
        await api.close()
        service.repo.dispose()
    return 0


def run_dingtalk(config: Config, settings: DingTalkSettings) -> int:
    try:
        return asyncio.run(serve(config, settings))
    except KeyboardInterrupt:
        return 0
