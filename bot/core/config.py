"""The settings module: every environment variable and `.env` value the program reads is read here, once,
into one frozen `Config`. The environment wins over `.env` (in the working directory); a blank value means
the default. A value that cannot work does not raise: it falls back to its default and `Config.problems`
names it in one Chinese line, so a command can say so and exit with EX_CONFIG (`nianbao config check`
prints every setting, where it came from, and every problem: bot/channels/cli/configcheck.py).
"""

from __future__ import annotations

import ipaddress
import os
import re
import urllib.parse
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Literal, get_args
from zoneinfo import ZoneInfo

from bot.core.clock import Clock, RunningClock, SystemClock, parse_instant

EX_CONFIG = 78  # exit status for a setting to fix (systemd's RestartPreventExitStatus): restarting cannot mend it

DINGTALK_KEYS = ("DINGTALK_CLIENT_ID", "DINGTALK_CLIENT_SECRET", "DINGTALK_ROBOT_CODE", "DINGTALK_API_BASE",
                 "DINGTALK_OAPI_BASE", "DINGTALK_LOCAL_IP", "DINGTALK_RATE")
SMTP_KEYS = ("NIANBAO_SMTP_HOST", "NIANBAO_SMTP_PORT", "NIANBAO_SMTP_SECURITY", "NIANBAO_SMTP_USER",
             "NIANBAO_SMTP_PASSWORD", "NIANBAO_SMTP_FROM", "NIANBAO_SMTP_TIMEOUT")
KEYS = (  # every setting the program reads, in the order `nianbao config check` shows them
    "TELEGRAM_BOT_TOKEN", "DATABASE_URL", "NIANBAO_DATA_DIR", "TZ", "NIANBAO_CLOCK", "ADMIN_IDS", "NIANBAO_WORKERS",
    "NIANBAO_HOLIDAYS", "NIANBAO_AUTO_UPGRADE", "NIANBAO_WARM_OFFICE",
    "NIANBAO_WEB_HOST", "NIANBAO_WEB_PORT", "NIANBAO_WEB_BASE_URL", "NIANBAO_TRUSTED_PROXIES",
    "TELEGRAM_API_BASE_URL", "TELEGRAM_API_FILE_URL", "TELEGRAM_PROXY",
    "TELEGRAM_WEBHOOK_URL", "TELEGRAM_WEBHOOK_SECRET", "TELEGRAM_WEBHOOK_LISTEN", "TELEGRAM_WEBHOOK_PORT",
    *DINGTALK_KEYS, *SMTP_KEYS,
)
SECRET_KEYS = frozenset({"TELEGRAM_BOT_TOKEN", "TELEGRAM_WEBHOOK_SECRET", "DINGTALK_CLIENT_SECRET", "NIANBAO_SMTP_PASSWORD"})
SECRET_TOKEN = re.compile(r"[A-Za-z0-9_-]{16,256}")  # Telegram allows 1-256 of these; fewer than 16 is guessable
Source = Literal["environment", ".env", "default"]
YES, NO = ("1", "true", "yes", "on"), ("0", "false", "no", "off")


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


@dataclass(frozen=True)
class Values:
    """The settings as read, before they are understood: each key's text and where it came from."""

    raw: Mapping[str, str] = field(default_factory=dict)
    sources: Mapping[str, Source] = field(default_factory=dict)  # a key set blank counts as its default
    env_file_keys: frozenset[str] = frozenset()  # every key the .env file sets, ours or not
    problems: tuple[str, ...] = ()  # the .env file could not be read

    def get(self, key: str) -> str:
        return self.raw.get(key, "").strip()

    def source(self, key: str) -> Source:
        return self.sources.get(key, "default")

    @classmethod
    def read(cls, env: Mapping[str, str] | None = None, env_file: Path = Path(".env")) -> Values:
        problems: tuple[str, ...] = ()
        try:
            from_file = read_env_file(env_file)
        except (OSError, UnicodeDecodeError) as exc:
            from_file, problems = {}, (f"无法读取设置文件 {env_file}：{getattr(exc, 'strerror', None) or exc}",)
        from_env = {k: v for k, v in (os.environ if env is None else env).items() if k in KEYS}
        raw: dict[str, str] = {}
        sources: dict[str, Source] = {}
        where: Source
        for key in KEYS:
            if key in from_env:
                raw[key], where = from_env[key], "environment"
            elif key in from_file:
                raw[key], where = from_file[key], ".env"
            else:
                continue
            if raw[key].strip():
                sources[key] = where
        return cls(raw, sources, frozenset(from_file), problems)


class _Reader:
    """Typed values from `Values`; a wrong one is noted in `problems` and read as its default."""

    def __init__(self, values: Values):
        self.values = values
        self.problems = list(values.problems)

    def integer(self, key: str, default: int, low: int, high: int, what: str) -> int:
        text = self.values.get(key)
        if not text:
            return default
        if re.fullmatch(r"[0-9]{1,6}", text) and low <= int(text) <= high:
            return int(text)
        self.problems.append(f"{key} 应为{what}（现为“{text}”）")
        return default

    def port(self, key: str, default: int) -> int:
        return self.integer(key, default, 1, 65535, "1到65535之间的端口号")

    def flag(self, key: str) -> bool | None:
        text = self.values.get(key).lower()
        if text in YES or text in NO or not text:
            return None if not text else text in YES
        self.problems.append(f"{key} 应为 1 或 0（现为“{text}”）")
        return None


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
    def from_values(cls, values: Mapping[str, str]) -> SmtpSettings | None:
        """None when NIANBAO_SMTP_HOST is not set (no e-mail); ValueError naming the setting when one is wrong."""
        host = values.get("NIANBAO_SMTP_HOST", "").strip()
        if not host:
            return None
        given = values.get("NIANBAO_SMTP_SECURITY", "").strip().lower() or "starttls"
        security = next((s for s in get_args(SmtpSecurity) if s == given), None)
        if security is None:
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
            security=security,
            user=values.get("NIANBAO_SMTP_USER", "").strip(),
            password=values.get("NIANBAO_SMTP_PASSWORD", ""),
            sender=values.get("NIANBAO_SMTP_FROM", "").strip(),
            timeout=timeout,
        )


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
    def load(cls, env: Mapping[str, str] | None = None, env_file: Path = Path(".env")) -> DingTalkSettings | None:
        """The settings (Config.load's), or None when DINGTALK_CLIENT_ID and DINGTALK_CLIENT_SECRET are not both set."""
        return Config.load(env, env_file).dingtalk

    @classmethod
    def read(cls, reader: _Reader) -> DingTalkSettings | None:
        get = reader.values.get
        client_id, secret = get("DINGTALK_CLIENT_ID"), get("DINGTALK_CLIENT_SECRET")
        if bool(client_id) != bool(secret):
            reader.problems.append("DINGTALK_CLIENT_ID 和 DINGTALK_CLIENT_SECRET 应同时设置（或都不设置：不启用钉钉）")
        try:
            rate = float(get("DINGTALK_RATE") or cls.rate)
        except ValueError:
            rate = -1.0
        if not 0 < rate <= 1000:
            reader.problems.append(f"DINGTALK_RATE 应为大于0的数（每秒最多发送的通知数，现为“{get('DINGTALK_RATE')}”）")
            rate = cls.rate
        if not client_id or not secret:
            return None
        return cls(client_id=client_id, client_secret=secret, robot_code=get("DINGTALK_ROBOT_CODE"),
                   api_base=(get("DINGTALK_API_BASE") or cls.api_base).rstrip("/"),
                   oapi_base=(get("DINGTALK_OAPI_BASE") or cls.oapi_base).rstrip("/"), local_ip=get("DINGTALK_LOCAL_IP"), rate=rate)


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
    web_host: str = "127.0.0.1"  # where the web page listens (`--host` overrides it)
    web_port: int = 8080
    trusted_proxies: tuple[str, ...] = ()  # reverse proxies (addresses or CIDRs) whose X-Real-IP / X-Forwarded-For count
    dingtalk: DingTalkSettings | None = None  # the DingTalk robot; None: no DingTalk
    auto_upgrade: bool | None = None  # upgrade an old schema on start; None: on for SQLite, off for a server (bot/storage/migrate.py)
    warm_office: bool = True  # keep a LibreOffice running for PDF pages (bot/render/warm.py)
    problems: tuple[str, ...] = ()  # every value that could not be used (read as its default), in Chinese

    def clock(self) -> Clock:
        """The product's clock: the machine's in the configured zone, or one started at `clock_start`."""
        return RunningClock(self.clock_start, self.tz) if self.clock_start else SystemClock(self.tz)

    def secrets(self) -> list[str]:
        """Every secret of the configuration, for the log's redaction (bot/core/logredact.py)."""
        values = [self.token, self.webhook_secret]
        if self.dingtalk is not None:
            values.append(self.dingtalk.client_secret)
        if self.smtp is not None:
            values.append(self.smtp.password)
        return [v for v in values if v]

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
    def load(cls, env: Mapping[str, str] | None = None, env_file: Path = Path(".env")) -> Config:
        """The settings from `env` (default: the process's environment) over `env_file`; never raises."""
        return cls.from_values(Values.read(env, env_file))

    @classmethod
    def from_values(cls, values: Values) -> Config:
        reader = _Reader(values)
        get = values.get
        try:
            smtp = SmtpSettings.from_values(values.raw)
        except ValueError as exc:
            smtp = None
            reader.problems.append(str(exc))
        return cls(
            token=get("TELEGRAM_BOT_TOKEN"),
            database_url=get("DATABASE_URL"),
            api_base_url=get("TELEGRAM_API_BASE_URL"),
            api_file_url=get("TELEGRAM_API_FILE_URL"),
            proxy=get("TELEGRAM_PROXY"),
            tz=_zone(reader),
            data_dir=Path(get("NIANBAO_DATA_DIR") or "data"),
            admin_ids=frozenset(x.strip() for x in get("ADMIN_IDS").split(",") if x.strip()),
            workers=reader.integer("NIANBAO_WORKERS", 1, 0, 64, "0到64之间的整数"),
            holidays=Path(get("NIANBAO_HOLIDAYS")) if get("NIANBAO_HOLIDAYS") else None,
            clock_start=_instant(reader),
            webhook_url=get("TELEGRAM_WEBHOOK_URL"),
            webhook_secret=get("TELEGRAM_WEBHOOK_SECRET"),
            webhook_listen=get("TELEGRAM_WEBHOOK_LISTEN") or "127.0.0.1",
            webhook_port=reader.port("TELEGRAM_WEBHOOK_PORT", 8443),
            smtp=smtp,
            web_base_url=_base_url(reader),
            web_host=get("NIANBAO_WEB_HOST") or "127.0.0.1",
            web_port=reader.port("NIANBAO_WEB_PORT", 8080),
            trusted_proxies=_proxies(reader),
            dingtalk=DingTalkSettings.read(reader),
            auto_upgrade=reader.flag("NIANBAO_AUTO_UPGRADE"),
            warm_office=reader.flag("NIANBAO_WARM_OFFICE") is not False,
            problems=tuple(reader.problems),
        )


def _zone(reader: _Reader) -> str:
    name = reader.values.get("TZ")
    if not name:
        return "Asia/Shanghai"
    try:
        ZoneInfo(name)
        return name
    except (KeyError, ValueError, OSError):  # ZoneInfoNotFoundError is a KeyError; "../x" a ValueError
        pass
    reader.problems.append(f"TZ 应为时区名称，例如 Asia/Shanghai（现为“{name}”）")
    return "Asia/Shanghai"


def _instant(reader: _Reader) -> datetime | None:
    text = reader.values.get("NIANBAO_CLOCK")
    if not text:
        return None
    try:
        return parse_instant(text)
    except ValueError:
        reader.problems.append(f"NIANBAO_CLOCK 应为日期或日期时间，例如 2027-01-20T09:00（现为“{text}”）")
        return None


def _base_url(reader: _Reader) -> str:
    url = reader.values.get("NIANBAO_WEB_BASE_URL")
    parts = urllib.parse.urlsplit(url)
    if url and (parts.scheme not in ("http", "https") or not parts.netloc):
        reader.problems.append("NIANBAO_WEB_BASE_URL 应以 http:// 或 https:// 开头并包含主机名")
    return url


def _proxies(reader: _Reader) -> tuple[str, ...]:
    """The valid addresses or networks (a wrong one is a problem, and left out)."""
    valid = []
    for item in (x.strip() for x in reader.values.get("NIANBAO_TRUSTED_PROXIES").split(",")):
        if not item:
            continue
        try:
            ipaddress.ip_network(item, strict=False)
            valid.append(item)
        except ValueError:
            reader.problems.append(f"NIANBAO_TRUSTED_PROXIES 中的“{item}”不是IP地址或网段（例如 127.0.0.1 或 10.0.0.0/8）")
    return tuple(valid)
