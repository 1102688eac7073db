"""The command table: each command's name, the right it needs, its help text and its handler. `/help`,
the permission check, dispatch and the Telegram command menu are all read from it. Also the buttons
that do not belong to the question being asked, and the interview's own commands.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from bot.core.progress import STATUS_TEXT
from bot.interview import confirm, pagework, steps
from bot.interview.context import Ctx
from bot.interview.moves import Move, again, goto, home, resume
from bot.interview.newyear import cmd_newyear
from bot.interview.show import check, findings_text, missing_text, parts_done, preview
from bot.interview.types import PageJob, Reply
from bot.interview.undo import cmd_undo
from bot.render import DRAFT, document_filename
from bot.workplace import coordinate, deadlines, history, people, review
from bot.workplace.counties import current_county

Handler = Callable[[Ctx, str], Move | None]
TEXT_ONLY = ("文字", "text")  # `/preview 文字`: the tables as a message, not pictures

WELCOME = (
    "您好！我是年报助手，帮您按国办公开办函〔2021〕30号格式填写《政府信息公开工作年度报告》，"
    "最后生成Word文档。每个回答都会立即保存，随时可以中断，下次接着填。\n"
    "也可以直接发送去年的报告（.docx/.txt）或完整的年报JSON文件，我会自动读取。\n"
    "常用命令：/menu 跳到某部分　/back 上一步　/status 进度　/preview 查看页面　/docx 生成文档　/help 帮助"
)
USAGE = (
    "使用说明：\n"
    "· 按提示逐项回答，点按钮或直接发文字。数字可以用全角、中文数字，多个数用空格分开。\n"
    "· 表格可以一键“全部为0”，可以一行一条消息，也可以把整张表粘贴过来。\n"
    "· 随时可以发“行名 + 数字”修改表三某一行，例如：予以公开 1 0 0 0 0 0\n"
    "· 可以上传去年的报告（.docx/.txt）预填今年的数据，或上传年报JSON一次填完。"
)


@dataclass(frozen=True)
class Help:
    role: str  # whose /help lists it: filler | coordinator
    usage: str
    text: str
    order: int = 0  # a role's lines are listed by order, then as in the table


@dataclass(frozen=True)
class Command:
    name: str
    handler: Handler
    permission: str = ""  # the right needed on the report in the conversation (bot/workplace/access.py), if any
    helps: tuple[Help, ...] = ()
    menu: str = ""  # the Telegram command menu's text; "" keeps it out of the menu
    checks_own_args: bool = False  # with an argument it names another unit and checks the right itself


# ---- the interview's own commands -----------------------------------------------------------------


def cmd_start(ctx: Ctx, token: str) -> Move | None:
    if token:
        joined = people.join(ctx, token)
        if joined is not None:
            return joined
    if ctx.conv.step:
        if confirm.ask_again(ctx):
            return None
        return again("欢迎回来！从上次停下的地方继续：")
    if ctx.conv.report_id or current_county(ctx, quiet=True):
        return home("欢迎回来！")
    ctx.say(WELCOME)
    return goto(ctx.script.steps[0].id)


def cmd_menu(ctx: Ctx, args: str) -> Move | None:
    if not ctx.conv.report_id:
        return resume("请先填写单位名称。")
    ctx.new_buttons()
    done = parts_done(ctx)
    remarks = {c.target.split(".")[0] for c in review.open_comments(ctx, ctx.record)}
    rows = [
        [ctx.button(f"{'✔ ' if p.key in done else ''}{i}. {p.title}{'（有审核意见）' if p.key in remarks else ''}", f"goto:{p.key}")]
        for i, p in enumerate(ctx.script.parts, start=1)
    ]
    ctx.say(f"请选择要填写或修改的部分（已完成 {len(done)}/{len(ctx.script.parts)}）：", rows)
    return None


def cmd_skip(ctx: Ctx, args: str) -> Move | None:
    step = ctx.step()
    return steps.press(ctx, step, "skip", "") if step else resume()


def cmd_status(ctx: Ctx, args: str) -> Move | None:
    if not ctx.conv.report_id:
        ctx.say("还没有开始填写。发送 /start 开始。")
        return None
    report = ctx.report()
    result = check(ctx)
    done = parts_done(ctx, result)
    record = ctx.record
    lines = [
        f"{report.unit.get('name', '')}{report.year}年度报告（{STATUS_TEXT[record.status] if record else ''}）："
        f"已完成 {len(done)}/{len(ctx.script.parts)} 部分。",
        "、".join(f"{'✔' if p.key in done else '○'}{p.title}" for p in ctx.script.parts),
        result.line(),
    ]
    if result.errors:
        lines.append(findings_text("错误：", result.errors, 15, more=""))
    if result.missing:
        lines.append(missing_text(result))
    if result.warnings:
        lines.append(findings_text("提醒：", result.warnings, 15, more=""))
    lines += review.comment_lines(ctx, review.open_comments(ctx, record))
    ctx.say("\n".join(lines))
    return None


def cmd_preview(ctx: Ctx, args: str) -> Move | None:
    """The pages as pictures, made off the hot path (bot/interview/pagework.py); `/preview 文字`, or
    without LibreOffice, the tables as a message."""
    if not ctx.conv.report_id:
        ctx.say("还没有报告，请先回答单位信息。")
        return None
    report = ctx.report()
    text = preview(report)
    if args.strip() in TEXT_ONLY or ctx.engine.render_docx is None:
        ctx.say(text)
        return None
    if not pagework.can_render():
        ctx.say(f"{pagework.NO_LIBREOFFICE}\n{text}")
        return None
    record = ctx.record
    stored = ctx.store.document(ctx.conv.report_id) if record and record.status == "final" else None
    if stored is not None:
        name, data = stored.filename, stored.data
    else:
        name, data = document_filename(report, DRAFT), ctx.engine.render_docx(report, DRAFT)
    ctx.outcome.replies.append(Reply(text=pagework.WORKING, later=PageJob(data, name, images=True, fallback=text)))
    return None


def cmd_help(ctx: Ctx, args: str) -> Move | None:
    step = ctx.step()
    text = help_text("filler") + (f"\n\n当前问题说明：{step.help}" if step and step.help else "")
    if current_county(ctx, quiet=True):
        text += "\n\n" + help_text("coordinator")
    ctx.say(text)
    return None


def cmd_cancel(ctx: Ctx, args: str) -> Move | None:
    ctx.state.sub = None
    if ctx.conv.step:
        return again("已取消当前操作。")
    ctx.say("没有正在进行的操作。")
    return None


def cmd_export(ctx: Ctx, args: str) -> Move | None:
    if not ctx.conv.report_id:
        ctx.say("还没有报告可以导出。")
        return None
    report = ctx.report()
    try:
        text = report.to_json()
    except ValueError as exc:
        ctx.say(f"暂时无法导出：{exc}")
        return None
    ctx.say("报告数据（JSON）：", document=(f"{report.title()}.json", text.encode("utf-8")))
    return None


def send_docx(ctx: Ctx, args: str) -> Move | None:
    """The report as .docx: the stored document of a final report, else rendered now as a draft."""
    if not ctx.conv.report_id:
        ctx.say("还没有报告。请先回答单位信息，或上传完整的年报JSON。")
        return None
    record = ctx.record
    stored = ctx.store.document(ctx.conv.report_id) if record and record.status == "final" else None
    if stored is not None:
        later = PageJob(stored.data, stored.filename, images=False) if pagework.can_render() else None
        ctx.outcome.replies.append(Reply(text="定稿文档（已审核通过）：", document=(stored.filename, stored.data), later=later))
        return None
    report = ctx.report()
    result = check(ctx)
    if result.blocking:
        ctx.say(result.line() + "\n" + findings_text("还有以下错误（含未填写的空项），改正后才能生成文档：", result.blocking, limit=20))
        return None
    if ctx.engine.render_docx is None:
        ctx.say("文档生成功能暂不可用。")
        return None
    data = ctx.engine.render_docx(report, "草稿")
    warnings = result.warnings
    ctx.new_buttons()
    text = "报告已生成（草稿）。" + ("\n" + findings_text("请再核对以下提醒（不影响生成）：", warnings, 10) if warnings else "")
    buttons = []
    if ctx.may("submit") and record is not None and record.status == "draft":
        text += "\n确认无误后请提交审核，审核通过即定稿。"
        buttons = [[ctx.button("提交审核", "submit")]]
    name = document_filename(report, DRAFT)
    later = PageJob(data, name, images=False) if pagework.can_render() else None
    ctx.outcome.replies.append(Reply(text=text, buttons=buttons, document=(name, data), later=later))
    if ctx.may("edit"):
        ctx.save({"meta.docx_at": ctx.engine.today().isoformat()}, action="docx")
    return None


def _plain(action: Callable[[Ctx], object]) -> Handler:
    """A handler that takes no argument."""

    def handler(ctx: Ctx, args: str) -> None:
        action(ctx)

    return handler


def _f(usage: str, text: str) -> Help:
    return Help("filler", usage, text)


def _c(usage: str, text: str, order: int = 0) -> Help:
    return Help("coordinator", usage, text, order)


# The order is that of the Telegram menu.
COMMANDS: tuple[Command, ...] = (
    Command("start", cmd_start, menu="开始或继续填写"),
    Command("menu", cmd_menu, "edit", (_f("/menu", "跳到某部分"),), "跳到某一部分"),
    Command("back", lambda ctx, args: steps.step_back(ctx), "edit", (_f("/back", "上一步"),), "回到上一步"),
    Command("skip", cmd_skip, "edit", (_f("/skip", "跳过"),), "跳过这一项"),
    Command("undo", cmd_undo, "edit", (_f("/undo", "撤销上一次修改"),), "撤销我上一次的修改"),
    Command("status", cmd_status, "read", (_f("/status", "进度和问题"),), "进度和需要改正的问题"),
    Command("preview", cmd_preview, "read", (_f("/preview", "查看页面（/preview 文字 只看表格）"),), "查看报告页面"),
    Command("docx", send_docx, "read", (_f("/docx", "生成Word文档"),), "生成Word文档"),
    Command("export", cmd_export, "read", (_f("/export", "导出JSON"),), "导出年报JSON"),
    Command("submit", _plain(review.submit), "submit", (_f("/submit", "提交审核"),), "提交审核"),
    Command("review", _plain(review.home), "read", (), "审核报告（审核人）"),
    Command("invite", people.cmd_invite, "", (_f("/invite 填报人|审核人", "邀请同事"), _c("/invite 协调人", "邀请本县另一位协调人", 2)),
            "邀请同事一起填写"),
    Command("members", lambda ctx, args: people.cmd_members(ctx), "read", (_f("/members", "成员和邀请"),), "成员和邀请"),
    Command("history", history.cmd_history, "read", (_f("/history", "修改记录"),), "修改记录", checks_own_args=True),
    Command("units", _plain(people.cmd_units), "", (_f("/units", "切换单位"),), "切换单位"),
    Command("leave", people.cmd_leave, "", (_f("/leave", "退出单位"),)),
    Command("newunit", lambda ctx, args: people.cmd_newunit(ctx)),
    Command("newyear", cmd_newyear, "edit", (_f("/newyear", "新建下一年度的报告"),)),
    Command("deadline", deadlines.cmd_deadline, "", (_f("/deadline", "查看或设定截止日期"), _c("/deadline 县名 YYYY-MM-DD", "设定全县的截止日期", 1))),
    Command("remind", deadlines.cmd_remind, "", (_f("/remind off|on", "关闭或开启提醒"),)),
    Command("county", coordinate.cmd_county),
    Command("addunit", coordinate.cmd_addunit, "",
            (_c("/addunit 单位名称", "添加本县的单位（县级部门加“部门”：/addunit 县教育局 部门），得到填报人和审核人的邀请链接"),)),
    Command("dashboard", coordinate.cmd_dashboard, "", (_c("/dashboard", "各单位进度、错误和截止日期"),), "县级协调人：各单位进度"),
    Command("open", coordinate.open_unit, "", (_c("/open 编号", "只读查看某单位的报告并运行检查"),)),
    Command("check", coordinate.open_unit),
    Command("nudge", coordinate.cmd_nudge, "", (_c("/nudge [年度]", "提醒落后的单位"),)),
    Command("collect", coordinate.cmd_collect, "", (_c("/collect [年度]", "下载该年度全部定稿报告（zip）和汇总表（xlsx）"),), "县级协调人：汇总下载"),
    Command("help", cmd_help, "", (_f("/help", "帮助"),), "帮助"),
    Command("cancel", cmd_cancel, "", (_f("/cancel", "取消当前操作"),), "取消当前操作"),
)
BY_NAME = {c.name: c for c in COMMANDS}
# Commands that only show something: a replacement waiting for 确认替换 / 取消 stays open across them
# (and /start, which asks it again).
READ_ONLY = frozenset({"start", "status", "help", "preview", "history", "members", "export", "dashboard"})


def keeps_pending(name: str, args: str) -> bool:
    """True for a command that only reads (`/deadline` without a date shows the deadline)."""
    return name in READ_ONLY or (name == "deadline" and not args.strip())

MENU = [(c.name, c.menu) for c in COMMANDS if c.menu]


def help_text(role: str) -> str:
    """The /help text of a role, from the table."""
    helps = sorted((h for c in COMMANDS for h in c.helps if h.role == role), key=lambda h: h.order)
    if role == "coordinator":
        return "协调人命令：\n" + "\n".join(f"{h.usage} — {h.text}" for h in helps)
    lines = ["　".join(f"{h.usage} {h.text}" for h in helps[i : i + 7]) for i in range(0, len(helps), 7)]
    return USAGE + "\n命令：" + "\n".join(lines)


def _unit_of(ctx: Ctx, report_id: int) -> str:
    record = ctx.record_of(report_id)
    return str(record.unit_id) if record else ""


# Buttons that do not belong to the question being asked; each checks the right to what it names.
ACTIONS: dict[str, Handler] = {
    "submit": lambda ctx, arg: review.submit(ctx),
    "final": lambda ctx, arg: review.finalize_directly(ctx),
    "approve": lambda ctx, arg: ctx.with_report(arg, review.approve),
    "return": lambda ctx, arg: ctx.with_report(arg, review.return_for_changes),
    "comment": lambda ctx, arg: ctx.with_report(arg, review.start_comment),
    "cpart": review.choose_part,
    "rview": lambda ctx, arg: ctx.with_report(arg, lambda c, report_id: coordinate.view_unit(c, _unit_of(c, report_id))),
    "rdocx": lambda ctx, arg: ctx.with_report(arg, lambda c, report_id: coordinate.docx_of_unit(c, _unit_of(c, report_id))),
    "open": coordinate.open_unit,
    "cview": coordinate.view_unit,
    "cdocx": coordinate.docx_of_unit,
    "chist": coordinate.history_of_unit,
    "cmembers": coordinate.members_of_unit,
    "cinv": coordinate.invite_for_unit,
    "mremove": people.remove_member,
    "mowner": people.make_owner,
    "revoke": people.revoke,
    "switch": people.switch,
    "confirm": confirm.confirm,
    "unconfirm": confirm.cancel,
}
