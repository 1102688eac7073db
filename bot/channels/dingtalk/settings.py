"""DingTalk settings, from the environment or `.env` (the environment wins), like bot/config.py's."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from bot.config import read_env_file

KEYS = ("DINGTALK_CLIENT_ID", "DINGTALK_CLIENT_SECRET", "DINGTALK_ROBOT_CODE", "DINGTALK_API_BASE", "DINGTALK_OAPI_BASE",
        "DINGTALK_LOCAL_IP", "DINGTALK_RATE")


@dataclass(frozen=True)
class DingTalkSettings:
    client_id: str  # the application's Client ID (AppKey)
    client_secret: str  # its Client Secret (AppSecret)
    robot_code: str = ""  # the robot's code; the Client ID unless the robot was given its own
    api_base: str = "https://api.dingtalk.com"  # the new OpenAPI and the Stream gateway (专有钉钉: the tenant's own)
    oapi_base: str = "https://oapi.dingtalk.com"  # the old API, for uploading files (media/upload)
    local_ip: str = ""  # what the gateway is told as the client's address; never probed on the network
    rate: float = 20.0  # notifications a second at most (DingTalk's limit per application and API)

    @property
    def robot(self) -> str:
        return self.robot_code or self.client_id

    @classmethod
    def load(cls, env: dict[str, str] | None = None, env_file: Path = Path(".env")) -> DingTalkSettings | None:
        """The settings, or None when DINGTALK_CLIENT_ID and DINGTALK_CLIENT_SECRET are not both set."""
        merged = read_env_file(env_file) | {k: v for k, v in (env if env is not None else os.environ).items() if k in KEYS}
        values = {k: merged.get(k, "").strip() for k in KEYS}
        if not values["DINGTALK_CLIENT_ID"] or not values["DINGTALK_CLIENT_SECRET"]:
            return None
        return cls(
            client_id=values["DINGTALK_CLIENT_ID"],
            client_secret=values["DINGTALK_CLIENT_SECRET"],
            robot_code=values["DINGTALK_ROBOT_CODE"],
            api_base=(values["DINGTALK_API_BASE"] or cls.api_base).rstrip("/"),
            oapi_base=(values["DINGTALK_OAPI_BASE"] or cls.oapi_base).rstrip("/"),
            local_ip=values["DINGTALK_LOCAL_IP"],
            rate=float(values["DINGTALK_RATE"] or cls.rate),
        )
