"""The `nianbao` command: check, import (and, as they land, render, chat, run)."""

from __future__ import annotations

import argparse
import io
import json
import os
import sys
from collections.abc import Sequence
from datetime import date
from pathlib import Path

from bot.config import Config
from bot.files import make_private, private_dir, private_process, write_atomic
from bot.logredact import configure_logging
from bot.findings import SECTION_ORDER, Finding, sort_findings
from bot.importer import ImportResult, UnreadableError, import_path
from bot.report import ReportError
from bot.validate import validate

LEVEL_WORD = {"error": "错误", "warning": "提醒"}
EX_CONFIG = 78  # a setting to fix (systemd's RestartPreventExitStatus): restarting cannot mend it


def _out(text: str = "", stream=None) -> None:  # type: ignore[no-untyped-def]
    print(text, file=stream or sys.stdout)


def check_findings(result: ImportResult, previous: ImportResult | None, deadline: date | None) -> list[Finding]:
    """Source findings first-hand from the importer, then every rule of the validator."""
    findings = validate(
        result.report,
        previous.report if previous else None,
        problems=result.problems,
        today=Config.load().clock().today() if deadline else None,
        deadline=deadline,
    )
    return sort_findings(result.findings + findings)


def _plain_report(path: str, result: ImportResult, findings: list[Finding]) -> str:
    report = result.report
    errors = sum(1 for f in findings if f.level == "error")
    warnings = len(findings) - errors
    lines = [f"【{path}】{report.unit.get('name') or '（单位未识别）'} {report.year or '（年度未识别）'}年"]
    if not findings:
        lines.append("  未发现问题。")
    else:
        lines.append(f"  共{errors}个错误、{warnings}个提醒。")
    for section in SECTION_ORDER:
        group = [f for f in findings if f.section == section]
        if not group:
            continue
        lines.append(f"  ■ {section}")
        for f in group:
            lines.append(f"    [{LEVEL_WORD[f.level]} {f.rule}] {f.message}")
    return "\n".join(lines)


def cmd_check(args: argparse.Namespace) -> int:
    previous = None
    if args.previous:
        previous = _read(args.previous, "上年报告")
        if previous is None:
            return 2
    deadline = args.deadline
    results = []
    status = 0
    for path in args.files:
        try:
            result = import_path(path)
        except UnreadableError as exc:
            _out(f"无法读取 {path}：{exc}", sys.stderr)
            results.append({"path": path, "unit": None, "year": None, "error": str(exc), "findings": []})
            status = 2
            continue
        findings = check_findings(result, previous, deadline)
        if any(f.level == "error" for f in findings) and status == 0:
            status = 1
        if args.json:
            results.append(
                {
                    "path": path,
                    "unit": result.report.unit.get("name") or None,
                    "year": result.report.year,
                    "findings": [f.to_dict() for f in findings],
                }
            )
        else:
            _out(_plain_report(path, result, findings))
    if args.json:
        _out(json.dumps({"files": results}, ensure_ascii=False, indent=2))
    return status


def _read(path: str, what: str = "") -> ImportResult | None:
    """A report file read into the model, or None after saying on stderr why it could not be."""
    try:
        return import_path(path)
    except UnreadableError as exc:
        _out(f"无法读取{what} {path}：{exc}", sys.stderr)
        return None


def cmd_import(args: argparse.Namespace) -> int:
    result = _read(args.file)
    if result is None:
        return 2
    for note in result.notes:
        _out(f"说明：{note}", sys.stderr)
    for finding in result.findings:
        _out(f"未能完整读取（{finding.rule}）：{finding.message}", sys.stderr)
    try:
        text = result.report.to_json()
    except ReportError as exc:
        _out(f"无法生成JSON：{exc}", sys.stderr)
        return 2
    if args.output == "-":
        _out(text)
    else:
        write_atomic(Path(args.output), (text + "\n").encode("utf-8"))
        _out(f"已写入 {args.output}", sys.stderr)
    return 0


def cmd_render(args: argparse.Namespace) -> int:
    from bot.render import PdfError, convert_to_pdf, render_docx

    result = _read(args.report)
    if result is None:
        return 2
    errors = [f for f in check_findings(result, None, None) if f.level == "error"]
    if errors and not args.draft:
        _out(f"报告还有{len(errors)}个错误，未生成文档（加 --draft 可生成草稿）：", sys.stderr)
        for f in errors[:30]:
            _out(f"  [{f.rule}] {f.message}", sys.stderr)
        return 1
    out = Path(args.output)
    buffer = io.BytesIO()
    render_docx(result.report, buffer)
    write_atomic(out, buffer.getvalue())
    _out(f"已生成 {out}", sys.stderr)
    if args.pdf:
        try:
            pdf = convert_to_pdf(out, out.parent)
        except PdfError as exc:
            _out(str(exc), sys.stderr)
            return 2
        _out(f"已生成 {pdf}", sys.stderr)
    return 0


def _service(config: Config):  # type: ignore[no-untyped-def]
    """The service over the configured database, in a private data folder; None (and why, on stderr)
    when the database cannot be opened or written."""
    from sqlalchemy.exc import OperationalError

    from bot.app import build_service

    try:
        if not config.database_url:
            private_dir(config.data_dir)
            for name in ("nianbao.sqlite3", "nianbao.sqlite3-wal", "nianbao.sqlite3-shm"):
                make_private(config.data_dir / name)
        return build_service(config)
    except (OperationalError, OSError) as exc:
        where = config.database_url.split("@")[-1] if config.database_url else str(config.data_dir / "nianbao.sqlite3")
        reason = "只读或无写入权限" if "readonly" in str(exc) or isinstance(exc, PermissionError) else "无法打开或创建"
        _out(f"数据库 {where} {reason}。请检查 NIANBAO_DATA_DIR / DATABASE_URL 和文件权限（运行账户需要读写权限）。", sys.stderr)
        return None


def cmd_chat(args: argparse.Namespace) -> int:
    from bot.channels.terminal import Terminal

    config = Config.load()
    service = _service(config)
    if service is None:
        return EX_CONFIG
    return Terminal(service, config.data_dir / "documents", user=args.user).run()


def cmd_run(args: argparse.Namespace) -> int:
    config = Config.load()
    configure_logging([config.token])
    if not config.token:
        _out("未设置 TELEGRAM_BOT_TOKEN，在终端中运行。", sys.stderr)
        return cmd_chat(args)
    for problem in config.url_problems():
        _out(problem, sys.stderr)
    if config.url_problems() or _service(config) is None:  # checked here, before the workers start
        return EX_CONFIG
    from bot.channels.telegram import run_polling

    return run_polling(config)


def cmd_web(args: argparse.Namespace) -> int:
    from bot.channels.web.cli import run

    return run(args, _service)


def cmd_user_reset(args: argparse.Namespace) -> int:
    from bot.channels.web.cli import reset

    return reset(args)


def cmd_reminders_plan(args: argparse.Namespace) -> int:
    from bot.config import Config
    from bot.reminders.plan import plan
    from bot.reminders.workcalendar import CalendarFileError, WorkCalendar

    path = Path(args.holidays) if args.holidays else Config.load().holidays_file
    try:
        calendar = WorkCalendar.load(path)
    except CalendarFileError as exc:
        _out(f"节假日文件 {path} 有误：{exc}", sys.stderr)
        return 2
    planned = plan(args.deadline, calendar, start=args.start)
    if args.json:
        rows = [{"kind": p.kind, "send_at": p.send_at.isoformat(), "target": p.target.isoformat(), "reasons": list(p.reasons)} for p in planned]
        _out(json.dumps({"deadline": args.deadline.isoformat(), "reminders": rows}, ensure_ascii=False, indent=2))
        return 0
    weekdays = "一二三四五六日"
    _out(f"截止日 {args.deadline.isoformat()} 的提醒计划（北京时间）：")
    for p in planned:
        why = "；".join(p.reasons)
        _out(f"  {p.send_at:%Y-%m-%d %H:%M} 周{weekdays[p.day.weekday()]}  {p.kind:10}" + (f"  {why}" if why else ""))
    return 0


def cmd_county_create(args: argparse.Namespace) -> int:
    """An operator at the server creates a county and gets its first coordinator's invitation."""
    from bot.config import Config
    from storage.repository import Repository

    config = Config.load()
    repo = Repository(config.database_url or None, data_dir=config.data_dir)
    with repo.transaction() as store:
        operator = store.user("terminal", "operator", "管理员")
        county = next(
            (c for c in store.counties_named(args.name) if c.province == args.province and c.city == args.city), None
        ) or store.create_county(args.name, args.province, args.city, operator)
        invite = store.create_invite(None, operator, "coordinator", days=args.days, county_id=county.id)
    repo.dispose()
    _out(f"{county.name}（编号{county.id}）协调人邀请，{args.days}天内有效，只能使用一次：")
    if config.token and args.bot:
        _out(f"https://t.me/{args.bot}?start={invite.token}")
    _out(f"/start {invite.token}")
    return 0


def _date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"日期应写成 YYYY-MM-DD，例如 2025-01-31，而不是“{text}”") from None


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="nianbao", description="年报助手：政府信息公开工作年度报告的填报与检查")
    sub = parser.add_subparsers(dest="command", required=True)

    check = sub.add_parser("check", help="检查已写好的年报（.docx / .txt / .json）")
    check.add_argument("files", nargs="+", metavar="FILE")
    check.add_argument("--previous", metavar="FILE", help="同一单位上一年度的报告，用于跨年度核对")
    check.add_argument("--json", action="store_true", help="以JSON输出检查结果")
    check.add_argument("--deadline", type=_date, metavar="YYYY-MM-DD", help="报送截止日期；已逾期时给出提醒")
    check.set_defaults(func=cmd_check)

    imp = sub.add_parser("import", help="把已发布的年报读成JSON数据")
    imp.add_argument("file", metavar="FILE")
    imp.add_argument("-o", "--output", required=True, metavar="REPORT.json", help="输出文件，- 表示标准输出")
    imp.set_defaults(func=cmd_import)

    render = sub.add_parser("render", help="把年报数据生成为正式格式的Word文档")
    render.add_argument("report", metavar="REPORT.json", help="年报JSON（也可以是.docx/.txt报告）")
    render.add_argument("-o", "--output", required=True, metavar="OUT.docx")
    render.add_argument("--pdf", action="store_true", help="同时用LibreOffice转换为PDF")
    render.add_argument("--draft", action="store_true", help="有错误时也生成（草稿）")
    render.set_defaults(func=cmd_render)

    chat = sub.add_parser("chat", help="在终端中填写年报（与Telegram相同的问答）")
    chat.add_argument("--user", help="终端用户名（默认为当前系统用户）")
    chat.set_defaults(func=cmd_chat)

    reminders = sub.add_parser("reminders", help="截止日期提醒")
    reminders_sub = reminders.add_subparsers(dest="reminders_command", required=True)
    rplan = reminders_sub.add_parser("plan", help="显示某个截止日期的提醒计划及调整原因")
    rplan.add_argument("--deadline", type=_date, required=True, metavar="YYYY-MM-DD")
    rplan.add_argument("--from", dest="start", type=_date, metavar="YYYY-MM-DD", help="只显示此日及以后的提醒")
    rplan.add_argument("--holidays", metavar="FILE", help="运维人员补充的节假日文件（YAML）")
    rplan.add_argument("--json", action="store_true")
    rplan.set_defaults(func=cmd_reminders_plan)

    county = sub.add_parser("county", help="县（运维人员）")
    county_sub = county.add_subparsers(dest="county_command", required=True)
    ccreate = county_sub.add_parser("create", help="创建县并生成协调人邀请")
    ccreate.add_argument("name", metavar="县名")
    ccreate.add_argument("--province", default="", metavar="省")
    ccreate.add_argument("--city", default="", metavar="市")
    ccreate.add_argument("--days", type=int, default=7, help="邀请有效天数（默认7）")
    ccreate.add_argument("--bot", metavar="BOT_USERNAME", help="机器人的用户名，用于生成 t.me 链接")
    ccreate.set_defaults(func=cmd_county_create)

    web = sub.add_parser("web", help="运行网页版（内网浏览器访问）")
    web.add_argument("--host", help="监听地址（默认 NIANBAO_WEB_HOST 或 127.0.0.1）")
    web.add_argument("--port", type=int, help="端口（默认 NIANBAO_WEB_PORT 或 8080）")
    web.set_defaults(func=cmd_web)

    user = sub.add_parser("user", help="网页版账号（运维人员）")
    user_sub = user.add_subparsers(dest="user_command", required=True)
    ureset = user_sub.add_parser("reset", help="生成一次性密码重置链接")
    ureset.add_argument("name", metavar="NAME", help="登录名")
    ureset.set_defaults(func=cmd_user_reset)

    run = sub.add_parser("run", help="运行机器人：设置了TELEGRAM_BOT_TOKEN时连接Telegram，否则在终端中运行")
    run.add_argument("--user", help="终端模式的用户名")
    run.set_defaults(func=cmd_run)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    private_process()
    try:
        return int(args.func(args))
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:  # output piped into `head` and the like
        sys.stdout = open(os.devnull, "w")  # noqa: SIM115 - stays open until exit, so that flushing does not fail
        return 0


if __name__ == "__main__":
    sys.exit(main())
