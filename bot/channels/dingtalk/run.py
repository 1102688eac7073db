"""The DingTalk process: the robot's stream, the interview, and (when asked) the notification sender."""

from __future__ import annotations

import asyncio
import contextlib
import logging

from bot.app import build_service
from bot.channels.dingtalk.api import DingTalkError, OpenApi
from bot.channels.dingtalk.channel import DingTalkChannel
from bot.channels.dingtalk.sender import DingTalkSender
from bot.channels.dingtalk.settings import DingTalkSettings
from bot.channels.dingtalk.stream import StreamClient
from bot.config import EX_CONFIG, Config
from bot.interview.types import Input, Outcome
from bot.reminders.channel import ChannelSender
from bot.reminders.schedule import Reminders
from bot.reminders.sender import ReminderSender
from bot.reminders.webinbox import WebInboxSender
from bot.reminders.workcalendar import WorkCalendar

log = logging.getLogger(__name__)
REMINDER_INTERVAL = 5.0


async def serve(config: Config, settings: DingTalkSettings, *, plans: bool, web_inbox: bool, interval: float = REMINDER_INTERVAL) -> int:
    """Until cancelled. `plans`: this process keeps the reminder plans (when no Telegram process does);
    `web_inbox`: it also marks the web page's notifications delivered."""
    clock = config.clock()
    service = build_service(config, clock=clock)
    api = OpenApi(settings)
    try:
        await api.token()
    except DingTalkError as exc:
        if not exc.not_sent and exc.status in (400, 401, 403):
            log.error("钉钉拒绝了 DINGTALK_CLIENT_ID / DINGTALK_CLIENT_SECRET：%s", exc)
            await api.close()
            return EX_CONFIG
        log.warning("DingTalk not reachable yet (%s); trying on", exc)

    async def handle(channel: str, external_id: str, inp: Input, name: str, chat_id: str) -> Outcome:
        return await asyncio.to_thread(service.handle, channel, external_id, inp, name, chat_id)

    channel = DingTalkChannel(handle, api)
    client = StreamClient(settings, channel.on_message, channel.on_card)
    reminders = Reminders(service.repo, WorkCalendar.load(config.holidays_file), clock.now)
    senders: list[ChannelSender] = [DingTalkSender(api)] + ([WebInboxSender()] if web_inbox else [])
    sender = ReminderSender(reminders, senders=senders, plans=plans)

    async def remind() -> None:
        while True:
            try:
                await sender.tick()
            except Exception:  # a failed round is logged; the next one runs as usual
                log.exception("sending notifications failed")
            await asyncio.sleep(interval)

    reminding = asyncio.create_task(remind())
    try:
        await client.start()
    finally:
        reminding.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await reminding
        await api.close()
        service.repo.dispose()
    return 0


def run_dingtalk(config: Config, settings: DingTalkSettings, *, plans: bool = True, web_inbox: bool = True) -> int:
    try:
        return asyncio.run(serve(config, settings, plans=plans, web_inbox=web_inbox))
    except KeyboardInterrupt:
        return 0
