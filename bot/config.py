"""Settings from the environment, or from a `.env` file in the working directory (environment wins)."""

from __future__ import annotations

import os
import re
import urllib.parse
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Literal

from bot.clock import Clock, RunningClock, SystemClock, parse_instant

EX_CONFIG = 78  # exit status for a setting to fix (systemd's RestartPreventExitStatus): restarting cannot mend it

KEYS = (
    "TELEGRAM_BOT_TOKEN",
    "DATABASE_URL",
    "TELEGRAM_API_BASE_URL",
    "TELEGRAM_API_FILE_URL",
    "TELEGRAM_PROXY",
    "TZ",
    "NIANBAO_DATA_DIR",
    "ADMIN_IDS",
    "NIANBAO_WORKERS",
    "NIANBAO_HOLIDAYS",
    "NIANBAO_CLOCK",
    "TELEGRAM_WEBHOOK_URL",
    "TELEGRAM_WEBHOOK_SECRET",
    "TELEGRAM_WEBHOOK_LISTEN",
    "TELEGRAM_WEBHOOK_PORT",
    "NIANBAO_SMTP_HOST",
    "NIANBAO_SMTP_PORT",
    "NIANBAO_SMTP_SECURITY",
    "NIANBAO_SMTP_USER",
    "NIANBAO_SMTP_PASSWORD",
    "NIANBAO_SMTP_FROM",
    "NIANBAO_SMTP_TIMEOUT",
    "NIANBAO_WEB_BASE_URL",
)
SECRET_TOKEN = re.compile(r"[A-Za-z0-9_-]{16,256}")  # Telegram allows 1-256 of these; fewer than 16 is guessable


def read_env_file(path: Path) -> dict[str, str]:
    """KEY=VALUE lines; blank lines and # comments ignored; optional quotes stripped."""
    values: dict[str, str] = {}
    if not path.is_file():
        return values
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if not line or line.startswith("#") or "=" not in line:
            continue
        key, _, value = line.partition("=")
        key = key.strip().removeprefix("export ").strip()
        value = value.strip()
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
            value = value[1:-1]
        values[key] = value
    return values


SmtpSecurity = Literal["starttls", "tls", "none"]
SMTP_PORTS: dict[str, int] = {"starttls": 587, "tls": 465, "none": 25}


@dataclass(frozen=True)
class SmtpSettings:
    """The mail server notices go out through (政务邮箱): STARTTLS on 587 by default, implicit TLS on 465."""

    host: str
    port: int = 587
    security: SmtpSecurity = "starttls"  # none: only for a relay on the same host or a closed network
    user: str = ""  # with a password: AUTH LOGIN/PLAIN after TLS
    password: str = ""
    sender: str = ""  # the From address (default: the user, or nianbao@host)
    timeout: float = 30.0  # seconds for the connection and each reply

    @property
    def from_address(self) -> str:
        return self.sender or (self.user if "@" in self.user else f"nianbao@{self.host}")

    @classmethod
    def from_values(cls, values: dict[str, str]) -> SmtpSettings | None:
        """None when NIANBAO_SMTP_HOST is not set (no e-mail); ValueError naming the setting when one is wrong."""
        host = values.get("NIANBAO_SMTP_HOST", "").strip()
        if not host:
            return None
        security = values.get("NIANBAO_SMTP_SECURITY", "").strip().lower() or "starttls"
        if security not in SMTP_PORTS:
            raise ValueError("NIANBAO_SMTP_SECURITY 应为 starttls、tls 或 none")
        port_text = values.get("NIANBAO_SMTP_PORT", "").strip()
        if port_text and not (port_text.isdigit() and 0 < int(port_text) < 65536):
            raise ValueError("NIANBAO_SMTP_PORT 应为1到65535之间的端口号")
        timeout_text = values.get("NIANBAO_SMTP_TIMEOUT", "").strip()
        try:
            timeout = float(timeout_text) if timeout_text else 30.0
        except ValueError:
            timeout = -1.0
        if not 0 < timeout <= 600:
            raise ValueError("NIANBAO_SMTP_TIMEOUT 应为1到600之间的秒数")
        return cls(
            host=host,
            port=int(port_text) if port_text else SMTP_PORTS[security],
            security=security,  # type: ignore[arg-type]  # checked above
            user=values.get("NIANBAO_SMTP_USER", "").strip(),
            password=values.get("NIANBAO_SMTP_PASSWORD", ""),
            sender=values.get("NIANBAO_SMTP_FROM", "").strip(),
            timeout=timeout,
        )


@dataclass(frozen=True)
class Config:
    token: str = ""
    database_url: str = ""
    api_base_url: str = ""
    api_file_url: str = ""
    proxy: str = ""
    tz: str = "Asia/Shanghai"
    data_dir: Path = Path("data")
    admin_ids: frozenset[str] = field(default_factory=frozenset)
    workers: int = 1  # interview worker processes for Telegram; 0 runs it in a thread of the bot process
    holidays: Path | None = None  # the operator's holiday file (default: holidays.yaml in the data directory)
    clock_start: datetime | None = None  # rehearsals and tests: the clock starts at this instant and runs on
    # Telegram webhook instead of long polling (several processes behind the reverse proxy share the traffic).
    webhook_url: str = ""  # the public https address Telegram posts to; its path is served locally
    webhook_secret: str = ""  # Telegram sends it in X-Telegram-Bot-Api-Secret-Token; other requests are refused
    webhook_listen: str = "127.0.0.1"  # where this process listens, behind the reverse proxy
    webhook_port: int = 8443
    smtp: SmtpSettings | None = None  # e-mail for notices (NIANBAO_SMTP_*); None: no e-mail
    web_base_url: str = ""  # the web page's public address (NIANBAO_WEB_BASE_URL): the link in e-mails

    def clock(self) -> Clock:
        """The product's clock: the machine's in the configured zone, or one started at `clock_start`."""
        return RunningClock(self.clock_start, self.tz) if self.clock_start else SystemClock(self.tz)

    def url_problems(self) -> list[str]:
        """What is wrong with the configured server addresses, in Chinese (empty when nothing is)."""
        problems = []
        for name, value in (("TELEGRAM_API_BASE_URL", self.api_base_url), ("TELEGRAM_API_FILE_URL", self.api_file_url),
                            ("TELEGRAM_PROXY", self.proxy)):
            if not value:
                continue
            try:
                parts = urllib.parse.urlsplit(value)
                parts.port  # noqa: B018 - raises ValueError for a port out of range
            except ValueError as exc:
                problems.append(f"{name} 不是有效的地址（{exc}）")
                continue
            if parts.scheme not in ("http", "https", "socks5", "socks5h") or not parts.hostname:
                problems.append(f"{name} 应以 http:// 或 https:// 开头并包含主机名")
        if self.webhook_url:
            parts = urllib.parse.urlsplit(self.webhook_url)
            if parts.scheme not in ("http", "https") or not parts.hostname:
                problems.append("TELEGRAM_WEBHOOK_URL 应以 https:// 开头并包含主机名（Telegram只向https地址推送）")
            if not SECRET_TOKEN.fullmatch(self.webhook_secret):
                problems.append("使用 TELEGRAM_WEBHOOK_URL 时必须设置 TELEGRAM_WEBHOOK_SECRET：16到256个字母、数字、_ 或 -")
        return problems

    @property
    def holidays_file(self) -> Path:
        return self.holidays or self.data_dir / "holidays.yaml"

    @classmethod
    def load(cls, env: dict[str, str] | None = None, env_file: Path = Path(".env")) -> Config:
        merged = read_env_file(env_file) | {k: v for k, v in (env if env is not None else os.environ).items() if k in KEYS}
        return cls(
            token=merged.get("TELEGRAM_BOT_TOKEN", "").strip(),
            database_url=merged.get("DATABASE_URL", "").strip(),
            api_base_url=merged.get("TELEGRAM_API_BASE_URL", "").strip(),
            api_file_url=merged.get("TELEGRAM_API_FILE_URL", "").strip(),
            proxy=merged.get("TELEGRAM_PROXY", "").strip(),
            tz=merged.get("TZ", "").strip() or "Asia/Shanghai",
            data_dir=Path(merged.get("NIANBAO_DATA_DIR", "").strip() or "data"),
            admin_ids=frozenset(x.strip() for x in merged.get("ADMIN_IDS", "").split(",") if x.strip()),
            workers=int(merged.get("NIANBAO_WORKERS", "").strip() or 1),
            holidays=Path(merged["NIANBAO_HOLIDAYS"].strip()) if merged.get("NIANBAO_HOLIDAYS", "").strip() else None,
            clock_start=parse_instant(merged["NIANBAO_CLOCK"]) if merged.get("NIANBAO_CLOCK", "").strip() else None,
            webhook_url=merged.get("TELEGRAM_WEBHOOK_URL", "").strip(),
            webhook_secret=merged.get("TELEGRAM_WEBHOOK_SECRET", "").strip(),
            webhook_listen=merged.get("TELEGRAM_WEBHOOK_LISTEN", "").strip() or "127.0.0.1",
            webhook_port=int(merged.get("TELEGRAM_WEBHOOK_PORT", "").strip() or 8443),
            smtp=SmtpSettings.from_values(merged),
            web_base_url=merged.get("NIANBAO_WEB_BASE_URL", "").strip(),
        )
