"""DingTalk settings: read by the one settings module (bot/config.py), which defines them; kept importable from here."""

from __future__ import annotations

from bot.config import DINGTALK_KEYS as KEYS
from bot.config import DingTalkSettings

__all__ = ["KEYS", "DingTalkSettings"]
