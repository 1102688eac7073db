"""DingTalk settings: read by the one settings module (bot/core/config.py), which defines them; kept importable from here."""

from __future__ import annotations

from bot.core.config import DINGTALK_KEYS as KEYS
from bot.core.config import DingTalkSettings

__all__ = ["KEYS", "DingTalkSettings"]
