"""The commands of the server's operator: run the bot, chat in the terminal, back up the database,
create a county, show a reminder plan. (`bot/channels/cli/commands.py` holds the parser and the report commands.)"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import TextIO

from bot.core.config import EX_CONFIG, Config
from bot.core.files import make_private, private_dir
from bot.core.logredact import configure_logging
from bot.interview.service import Service


def out(text: str = "", stream: TextIO | None = None) -> None:
    """A line for the operator (stdout, or the stream given)."""
    print(text, file=stream or sys.stdout)


def _service(config: Config) -> Service | None:
    """The service over the configured database, in a private data folder; None (and why, on stderr)
    when the database cannot be opened or written."""
    from sqlalchemy.exc import OperationalError

    from bot.channels.wiring import build_service
    from bot.storage.migrate import SchemaOutdated

    try:
        if not config.database_url:
            private_dir(config.data_dir)
            for name in ("nianbao.sqlite3", "nianbao.sqlite3-wal", "nianbao.sqlite3-shm"):
                make_private(config.data_dir / name)
        return build_service(config)
    except SchemaOutdated as exc:
        out(str(exc), sys.stderr)
        return None
    except (OperationalError, OSError) as exc:
        where = config.database_url.split("@")[-1] if config.database_url else str(config.data_dir / "nianbao.sqlite3")
        reason = "只读或无写入权限" if "readonly" in str(exc) or isinstance(exc, PermissionError) else "无法打开或创建"
        out(f"数据库 {where} {reason}。请检查 NIANBAO_DATA_DIR / DATABASE_URL 和文件权限（运行账户需要读写权限）。", sys.stderr)
        return None


def cmd_chat(args: argparse.Namespace) -> int:
    from bot.channels.terminal import Terminal

    config = Config.load()
    service = _service(config)
    if service is None:
        return EX_CONFIG
    return Terminal(service, config.data_dir / "documents", user=args.user).run()


def cmd_run(args: argparse.Namespace) -> int:
    """The product: the web page always; Telegram too when a token is set, DingTalk when its client id and
    secret are (docs/dingtalk.md); reminders and notices from this process whatever the channels
    (bot/channels/product.py)."""
    config = Config.load()
    configure_logging(config.secrets())
    for problem in config.url_problems():
        out(problem, sys.stderr)
    if config.url_problems():
        return EX_CONFIG
    args.chat = True
    return cmd_web(args)


def cmd_web(args: argparse.Namespace) -> int:
    """The web page alone (no chat channel), or the whole product when `cmd_run` asks (args.chat)."""
    from bot.channels.web.cli import run

    return run(args, _service)


def cmd_user_reset(args: argparse.Namespace) -> int:
    from bot.channels.web.cli import reset

    return reset(args)


def cmd_reminders_plan(args: argparse.Namespace) -> int:
    from bot.core.config import Config
    from bot.reminders.plan import plan
    from bot.reminders.workcalendar import CalendarFileError, WorkCalendar

    path = Path(args.holidays) if args.holidays else Config.load().holidays_file
    try:
        calendar = WorkCalendar.load(path)
    except CalendarFileError as exc:
        out(f"节假日文件 {path} 有误：{exc}", sys.stderr)
        return 2
    planned = plan(args.deadline, calendar, start=args.start)
    if args.json:
        rows = [{"kind": p.kind, "send_at": p.send_at.isoformat(), "target": p.target.isoformat(), "reasons": list(p.reasons)} for p in planned]
        out(json.dumps({"deadline": args.deadline.isoformat(), "reminders": rows}, ensure_ascii=False, indent=2))
        return 0
    weekdays = "一二三四五六日"
    out(f"截止日 {args.deadline.isoformat()} 的提醒计划（北京时间）：")
    for p in planned:
        why = "；".join(p.reasons)
        out(f"  {p.send_at:%Y-%m-%d %H:%M} 周{weekdays[p.day.weekday()]}  {kind_label(p.kind):8}" + (f"  {why}" if why else ""))
    return 0


def cmd_backup(args: argparse.Namespace) -> int:
    """A consistent copy of the SQLite database while the bot runs."""
    from bot.storage.backup import BackupError, backup_sqlite, sqlite_path
    from bot.storage.repository import default_url

    config = Config.load()
    try:
        source = sqlite_path(config.database_url or default_url(config.data_dir))
        pages = backup_sqlite(source, Path(args.path))
    except BackupError as exc:
        out(str(exc), sys.stderr)
        return 2
    out(f"已备份 {source} → {args.path}（{pages}页）。恢复：停止机器人，把备份文件复制为 {source}，再启动。", sys.stderr)
    return 0


def kind_label(kind: str) -> str:
    """'before-30' → '提前30天', 'before-0' → '截止当天', 'late-2' → '逾期第2天' (working days)."""
    when, _, days = kind.partition("-")
    if when == "before":
        return "截止当天" if days == "0" else f"提前{days}天"
    return f"逾期第{days}个工作日"


def cmd_county_create(args: argparse.Namespace) -> int:
    """An operator at the server creates a county and gets its first coordinator's invitation."""
    from bot.core.config import Config
    from bot.storage.repository import Repository

    config = Config.load()
    repo = Repository(config.database_url or None, data_dir=config.data_dir, auto_upgrade=config.auto_upgrade)
    with repo.transaction() as store:
        operator = store.user("terminal", "operator", "管理员")
        county = next(
            (c for c in store.counties_named(args.name) if c.province == args.province and c.city == args.city), None
        ) or store.create_county(args.name, args.province, args.city, operator)
        invite = store.create_invite(None, operator, "coordinator", days=args.days, county_id=county.id)
    repo.dispose()
    out(f"{county.name}（编号{county.id}）协调人邀请，{args.days}天内有效，只能使用一次：")
    if config.token and args.bot:
        out(f"https://t.me/{args.bot}?start={invite.token}")
    out(f"/start {invite.token}")
    return 0


def cmd_db(args: argparse.Namespace) -> int:
    """`db upgrade` brings the database's tables to this release (back up first); `db current` says where it stands."""
    from sqlalchemy.exc import OperationalError

    from bot.storage.db import default_url, engine_for
    from bot.storage.migrate import current, head, upgrade

    config = Config.load()
    url = config.database_url or default_url(config.data_dir)
    engine = engine_for(url)
    try:
        if args.db_command == "upgrade":
            before, after = upgrade(engine, args.revision)
            out(f"数据库已是最新版本 {after}。" if before == after else f"数据库已从 {before or '（迁移之前的版本）'} 升级到 {after}。")
        else:
            with engine.connect() as conn:
                revision = current(conn)
            out(f"数据库版本 {revision or '（未建表或迁移之前的版本）'}，程序所需 {head()}。")
    except OperationalError as exc:
        out(f"无法连接数据库：{exc.orig}", sys.stderr)
        return EX_CONFIG
    finally:
        engine.dispose()
    return 0
