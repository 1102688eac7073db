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
from typing import Any

from bot.channels.cli.operator import cmd_backup, cmd_chat, cmd_county_create, cmd_db, cmd_reminders_plan, cmd_run, cmd_user_reset, cmd_web
from bot.channels.cli.operator import out as _out
from bot.checks.batch import check_all, report_sources, write_workbook
from bot.checks.findings import SECTION_ORDER, Finding, sort_findings
from bot.checks.validate import validate
from bot.core.config import EX_CONFIG, Config
from bot.core.files import private_process, write_atomic
from bot.core.report import ReportError
from bot.core.schema import schema_json
from bot.format.definition import DEFAULT_FORMAT, format_ids, load_format
from bot.importer import UNUSABLE, ImportResult, UnreadableError, import_path

LEVEL_WORD = {"error": "错误", "warning": "提醒"}


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
    if args.xlsx:
        return _check_batch(args, previous)
    results: list[dict[str, Any]] = []
    status = 0
    for path in report_sources(args.files):
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


def _check_batch(args: argparse.Namespace, previous: ImportResult | None) -> int:
    """Every report found, one row each in the reviewer's workbook."""
    checked = check_all(report_sources(args.files), lambda result: check_findings(result, previous, args.deadline))
    write_workbook(checked, Path(args.xlsx))
    unreadable = sum(1 for c in checked if c.result is None)
    with_errors = sum(1 for c in checked if any(f.level == "error" for f in c.findings))
    _out(f"已检查{len(checked)}份报告（{with_errors}份有错误，{unreadable}份无法读取），结果写入 {args.xlsx}", sys.stderr)
    return 2 if unreadable else 1 if with_errors else 0


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
    unusable = [p for p in result.problems if p.kind in UNUSABLE]  # each named among the notes above
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
    return 1 if unusable else 0  # written, but a value could not be used: docs/import-forms.md


def cmd_render(args: argparse.Namespace) -> int:
    from bot.render import DRAFT, PdfError, pdf_bytes, render_docx, render_pages

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
    status = DRAFT if args.draft else ""
    buffer = io.BytesIO()
    render_docx(result.report, buffer, status=status, findings=errors, created=Config.load().clock().now())
    document = buffer.getvalue()
    write_atomic(out, document)
    _out(f"已生成 {out}", sys.stderr)
    if args.pdf or args.png:
        try:
            pdf, pages = render_pages(document) if args.png else (pdf_bytes(document), [])
        except PdfError as exc:
            _out(str(exc), sys.stderr)
            return 2
        if args.pdf:
            write_atomic(out.with_suffix(".pdf"), pdf)
            _out(f"已生成 {out.with_suffix('.pdf')}", sys.stderr)
        for n, png in enumerate(pages, 1):
            page = out.with_name(f"{out.stem}-{n}.png")
            write_atomic(page, png)
            _out(f"已生成 {page}", sys.stderr)
    return 0


def cmd_schema(args: argparse.Namespace) -> int:
    _out(schema_json(load_format(args.format)))
    return 0


def _date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"日期应写成 YYYY-MM-DD，例如 2025-01-31，而不是“{text}”") from None


# argparse's own words, in the language of everything else the command prints
ARGPARSE_ZH = {
    "usage: ": "用法：",
    "positional arguments": "参数",
    "options": "选项",
    "show this help message and exit": "显示帮助并退出",
    "the following arguments are required: %s": "缺少参数：%s",
    "unrecognized arguments: %s": "无法识别的参数：%s",
    "argument %(argument_name)s: %(message)s": "参数 %(argument_name)s：%(message)s",
    "invalid choice: %(value)r (choose from %(choices)s)": "无效的选项 %(value)r（可选：%(choices)s）",
    "invalid %(type)s value: %(value)r": "无效的值：%(value)r",
    "expected one argument": "需要一个值",
    "%(prog)s: error: %(message)s\n": "%(prog)s：错误：%(message)s\n",
    "one of the arguments %s is required": "需要以下参数之一：%s",
    "ambiguous option: %(option)s could match %(matches)s": "选项 %(option)s 不明确，可能是 %(matches)s",
}
argparse._ = lambda text: ARGPARSE_ZH.get(text, text)  # type: ignore[attr-defined]  # argparse's own gettext: the one hook for its messages' language


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="nianbao", description="年报助手：政府信息公开工作年度报告的填报与检查")
    sub = parser.add_subparsers(dest="command", required=True, metavar="命令")

    check = sub.add_parser("check", help="检查已写好的年报（.docx / .doc / .wps / .pdf / 网页 / .txt / .md / .json，或网址）")
    check.add_argument("files", nargs="+", metavar="FILE", help="报告文件、文件夹或http(s)网址")
    check.add_argument("--xlsx", metavar="审查结果.xlsx", help="把每份报告的检查结果写入Excel表（每份一行，另附全部问题）")
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
    render.add_argument("--png", action="store_true", help="同时生成每页的图片（OUT-1.png、OUT-2.png…）")
    render.add_argument("--draft", action="store_true", help="有错误时也生成（草稿）")
    render.set_defaults(func=cmd_render)

    schema = sub.add_parser("schema", help="输出年报JSON数据格式的JSON Schema（由格式定义生成）")
    schema.add_argument("--format", default=DEFAULT_FORMAT, choices=format_ids(), help=f"报告格式（默认{DEFAULT_FORMAT}）")
    schema.set_defaults(func=cmd_schema)

    chat = sub.add_parser("chat", help="在终端中填写年报（与Telegram相同的问答）")
    chat.add_argument("--user", help="终端用户名（默认为当前系统用户）")
    chat.set_defaults(func=cmd_chat)

    reminders = sub.add_parser("reminders", help="截止日期提醒")
    reminders_sub = reminders.add_subparsers(dest="reminders_command", required=True, metavar="子命令")
    rplan = reminders_sub.add_parser("plan", help="显示某个截止日期的提醒计划及调整原因")
    rplan.add_argument("--deadline", type=_date, required=True, metavar="YYYY-MM-DD")
    rplan.add_argument("--from", dest="start", type=_date, metavar="YYYY-MM-DD", help="只显示此日及以后的提醒")
    rplan.add_argument("--holidays", metavar="FILE", help="运维人员补充的节假日文件（YAML）")
    rplan.add_argument("--json", action="store_true")
    rplan.set_defaults(func=cmd_reminders_plan)

    backup = sub.add_parser("backup", help="备份数据库（SQLite，运行中也可以）")
    backup.add_argument("path", metavar="PATH", help="备份文件，不能已存在")
    backup.set_defaults(func=cmd_backup)

    db = sub.add_parser("db", help="数据库版本（运维人员）")
    db_sub = db.add_subparsers(dest="db_command", required=True)
    dup = db_sub.add_parser("upgrade", help="把数据库升级到本版本（先备份）")
    dup.add_argument("--revision", default="head", help="升级到的版本（默认最新）")
    dup.set_defaults(func=cmd_db)
    db_sub.add_parser("current", help="显示数据库版本和程序所需版本").set_defaults(func=cmd_db)

    county = sub.add_parser("county", help="县（运维人员）")
    county_sub = county.add_subparsers(dest="county_command", required=True, metavar="子命令")
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
    user_sub = user.add_subparsers(dest="user_command", required=True, metavar="子命令")
    ureset = user_sub.add_parser("reset", help="生成一次性密码重置链接")
    ureset.add_argument("name", metavar="NAME", help="登录名")
    ureset.set_defaults(func=cmd_user_reset)

    run = sub.add_parser("run", help="运行全部渠道：网页版，以及设置了TELEGRAM_BOT_TOKEN时的Telegram、设置了DINGTALK_CLIENT_ID和DINGTALK_CLIENT_SECRET时的钉钉")
    run.add_argument("--host", help="网页版监听地址（默认 NIANBAO_WEB_HOST 或 127.0.0.1）")
    run.add_argument("--port", type=int, help="网页版端口（默认 NIANBAO_WEB_PORT 或 8080）")
    run.set_defaults(func=cmd_run)

    config = sub.add_parser("config", help="设置（运维人员）")
    config_sub = config.add_subparsers(dest="config_command", required=True, metavar="子命令")
    config_sub.add_parser("check", help="列出生效的设置及其来源（密钥隐藏），指出每个问题；有问题时退出状态为78").set_defaults(func=cmd_config_check)
    return parser


def cmd_config_check(args: argparse.Namespace) -> int:
    from bot.channels.cli.configcheck import check

    return check()


SERVING = ("run", "web", "chat", "user", "county")  # commands that start the service: a wrong setting stops them


def settings_problems() -> int:
    """Before a command that serves: each setting that cannot be used, one line each, and EX_CONFIG; else 0."""
    problems = Config.load().problems
    for problem in problems:
        _out(problem, sys.stderr)
    if problems:
        _out("请修改设置后再启动（nianbao config check 列出全部设置和问题）。", sys.stderr)
    return EX_CONFIG if problems else 0


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    private_process()
    try:
        if args.command in SERVING and settings_problems():
            return EX_CONFIG
        return int(args.func(args))
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:  # output piped into `head` and the like
        sys.stdout = open(os.devnull, "w")  # noqa: SIM115 - stays open until exit, so that flushing does not fail
        return 0


if __name__ == "__main__":
    sys.exit(main())
