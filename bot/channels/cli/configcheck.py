"""`nianbao config check`: every setting in effect, where it came from (the environment, `.env`, or the
default), secrets masked, and every problem in one Chinese line; exit status EX_CONFIG (78) when there is
one. The settings themselves are read by bot/core/config.py only."""

from __future__ import annotations

import re
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

from bot.core.config import EX_CONFIG, KEYS, SECRET_KEYS, SMTP_PORTS, Config, DingTalkSettings, Values

SOURCE_WORD = {"environment": "环境变量", ".env": ".env 文件", "default": "默认"}
OUR_PREFIXES = ("NIANBAO_", "TELEGRAM_", "DINGTALK_")
URL_PASSWORD = re.compile(r"(://[^/@:\s]*:)[^@/\s]+@")  # user:password@ in any address
NONE = "（无）"


def defaults(config: Config) -> dict[str, str]:
    """What each setting is when it is not set, as the operator should read it."""
    sqlite = not config.database_url or config.database_url.startswith("sqlite")
    security = config.smtp.security if config.smtp else "starttls"
    return {
        "TELEGRAM_BOT_TOKEN": "（未设置：不启用Telegram）",
        "DATABASE_URL": f"sqlite:///{config.data_dir / 'nianbao.sqlite3'}",  # bot.storage.db.default_url, without making the folder
        "NIANBAO_DATA_DIR": str(Config.data_dir),
        "TZ": Config.tz,
        "NIANBAO_CLOCK": "（未设置：本机时钟）",
        "NIANBAO_WORKERS": str(Config.workers),
        "NIANBAO_HOLIDAYS": str(config.holidays_file),
        "NIANBAO_AUTO_UPGRADE": "1（SQLite 启动时自动升级）" if sqlite else "0（数据库服务器：先运行 nianbao db upgrade）",
        "NIANBAO_WARM_OFFICE": "1",
        "NIANBAO_WEB_HOST": Config.web_host,
        "NIANBAO_WEB_PORT": str(Config.web_port),
        "NIANBAO_WEB_BASE_URL": f"http://{config.web_host}:{config.web_port}",
        "TELEGRAM_API_BASE_URL": "https://api.telegram.org/bot",
        "TELEGRAM_API_FILE_URL": "https://api.telegram.org/file/bot",
        "TELEGRAM_WEBHOOK_URL": "（未设置：长轮询）",
        "TELEGRAM_WEBHOOK_LISTEN": Config.webhook_listen,
        "TELEGRAM_WEBHOOK_PORT": str(Config.webhook_port),
        "DINGTALK_CLIENT_ID": "（未设置：不启用钉钉）",
        "DINGTALK_ROBOT_CODE": "（同 DINGTALK_CLIENT_ID）",
        "DINGTALK_API_BASE": DingTalkSettings.api_base,
        "DINGTALK_OAPI_BASE": DingTalkSettings.oapi_base,
        "DINGTALK_RATE": f"{DingTalkSettings.rate:g}",
        "NIANBAO_SMTP_HOST": "（未设置：不发邮件）",
        "NIANBAO_SMTP_PORT": str(SMTP_PORTS[security]),
        "NIANBAO_SMTP_SECURITY": "starttls",
        "NIANBAO_SMTP_FROM": config.smtp.from_address if config.smtp else NONE,
        "NIANBAO_SMTP_TIMEOUT": "30",
    }


def shown(key: str, value: str) -> str:
    """A set value as printed: a secret masked whole, the password in an address masked."""
    if key in SECRET_KEYS:
        return f"********（已隐藏，{len(value)}个字符）"
    return URL_PASSWORD.sub(r"\1********@", value)


def folder_problem(folder: Path) -> str | None:
    """Why the data folder cannot be written (it is made at start when missing: then its parent must be writable)."""
    existing = folder
    while not existing.exists() and existing != existing.parent:
        existing = existing.parent
    if not existing.is_dir():
        return f"数据文件夹 {folder}（NIANBAO_DATA_DIR）无法创建：{existing} 不是文件夹"
    try:
        with tempfile.TemporaryFile(dir=existing):
            pass
    except OSError as exc:
        return f"数据文件夹 {folder}（NIANBAO_DATA_DIR）不可写入：{exc.strerror or exc}"
    return None


def holidays_problem(config: Config) -> str | None:
    from bot.reminders.workcalendar import CalendarFileError, WorkCalendar

    path = config.holidays_file
    if not path.exists():
        return f"NIANBAO_HOLIDAYS 指向的节假日文件 {path} 不存在" if config.holidays else None
    try:
        WorkCalendar.load(path)
    except CalendarFileError as exc:
        return f"节假日文件 {path} 有误：{exc}"
    except (OSError, UnicodeDecodeError) as exc:
        return f"节假日文件 {path} 无法读取：{getattr(exc, 'strerror', None) or exc}"
    return None


def database_problem(config: Config) -> str | None:
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    if not config.database_url:
        return None
    try:
        make_url(config.database_url)
    except (ArgumentError, ValueError):
        return "DATABASE_URL 不是有效的数据库地址，例如 postgresql+psycopg://用户:密码@主机/nianbao"
    return None


def problems(values: Values, config: Config) -> list[str]:
    found = list(config.problems) + config.url_problems()
    unknown = sorted(k for k in values.env_file_keys if k.startswith(OUR_PREFIXES) and k not in KEYS)
    found += [f".env 文件中的 {key} 不是本程序的设置（拼写错误？）" for key in unknown]
    checks: list[Callable[[], str | None]] = [
        lambda: database_problem(config), lambda: folder_problem(config.data_dir), lambda: holidays_problem(config)]
    found += [p for p in (check() for check in checks) if p]
    return [" ".join(p.split()) for p in found]  # one line each (a YAML error spans several)


def check(env: dict[str, str] | None = None, env_file: Path = Path(".env")) -> int:
    """Print the settings and the problems; EX_CONFIG when there is a problem, else 0."""
    values = Values.read(env, env_file)
    config = Config.from_values(values)
    default = defaults(config)
    print(f"当前生效的设置（环境变量优先于 {env_file}，未设置的取默认值）：")
    for key in KEYS:
        value = values.get(key) if key != "NIANBAO_SMTP_PASSWORD" else values.raw.get(key, "")
        text = shown(key, value) if value.strip() else default.get(key, NONE)
        print(f"  {key} = {text}  [{SOURCE_WORD[values.source(key)]}]")
    found = problems(values, config)
    if not found:
        print("未发现问题。")
        return 0
    sys.stdout.flush()  # the settings, then the problems, also when both go to one pipe
    print(f"发现{len(found)}个问题：", file=sys.stderr)
    for problem in found:
        print(f"  {problem}", file=sys.stderr)
    return EX_CONFIG
