"""The interview engine: what to ask next, how to read an answer, what to store. No channel in sight.

One call of `Engine.handle` serves one input of one person inside one database transaction: the
answer and the new position are committed together by the caller before any reply goes out, so a
crash at any moment loses nothing that was acknowledged.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import Any
from zoneinfo import ZoneInfo

from bot.clock import Clock, SystemClock
from bot.access import PERMISSIONS, REFUSED, check, entity_id, role_for
from bot.findings import Finding
from bot.formatdef import FormatDef, load_format
from bot.interview import coordinate, people, review
from bot.interview import steps as step_kinds
from bot.interview.progress import default_year, parts_done_from
from bot.interview.script import Script, Step, load_script
from bot.interview.types import Button, Input, Outcome, Reply
from bot.interview.uploads import handle_upload
from bot.numbers import display
from bot.report import Report
from bot.validate import validate
from storage.models import Conversation, ReportRecord, Unit, User
from storage.repository import Store

MAX_UPLOAD = 10 * 1024 * 1024
WELCOME = (
    "您好！我是年报助手，帮您按国办公开办函〔2021〕30号格式填写《政府信息公开工作年度报告》，"
    "最后生成Word文档。每个回答都会立即保存，随时可以中断，下次接着填。\n"
    "也可以直接发送去年的报告（.docx/.txt）或完整的年报JSON文件，我会自动读取。\n"
    "常用命令：/menu 跳到某部分　/back 上一步　/status 进度　/preview 查看表格　/docx 生成文档　/help 帮助"
)
HELP = (
    "使用说明：\n"
    "· 按提示逐项回答，点按钮或直接发文字。数字可以用全角、中文数字，多个数用空格分开。\n"
    "· 表格可以一键“全部为0”，可以一行一条消息，也可以把整张表粘贴过来。\n"
    "· 随时可以发“行名 + 数字”修改表三某一行，例如：予以公开 1 0 0 0 0 0\n"
    "· 可以上传去年的报告（.docx/.txt）预填今年的数据，或上传年报JSON一次填完。\n"
    "命令：/menu 跳到某部分　/back 上一步　/skip 跳过　/status 进度和问题　/preview 查看表格\n"
    "/docx 生成Word文档　/export 导出JSON　/submit 提交审核　/cancel 取消当前操作\n"
    "/invite 填报人|审核人 邀请同事　/members 成员和邀请　/history 修改记录　/units 切换单位　/leave 退出单位\n"
    "/deadline 查看或设定截止日期　/remind off|on 关闭或开启提醒"
)
# Commands on the report in the conversation, and the right each needs (bot/access.py).
REPORT_COMMANDS = {
    "menu": "edit", "back": "edit", "skip": "edit", "status": "read", "preview": "read", "docx": "read",
    "export": "read", "submit": "submit", "review": "read", "members": "read", "history": "read",
}
# Buttons that do not belong to the question being asked; each checks the right to what it names.
ACTIONS: dict[str, Callable[["Ctx", str], None]] = {
    "submit": lambda ctx, arg: review.submit(ctx),
    "final": lambda ctx, arg: review.finalize_directly(ctx),
    "approve": lambda ctx, arg: ctx.with_report(arg, review.approve),
    "return": lambda ctx, arg: ctx.with_report(arg, review.return_for_changes),
    "comment": lambda ctx, arg: ctx.with_report(arg, review.start_comment),
    "cpart": review.choose_part,
    "rview": lambda ctx, arg: ctx.with_report(arg, lambda c, report_id: coordinate.view_unit(c, str(c.record_of(report_id).unit_id))),
    "rdocx": lambda ctx, arg: ctx.with_report(arg, lambda c, report_id: coordinate.docx_of_unit(c, str(c.record_of(report_id).unit_id))),
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
}


@dataclass
class Ctx:
    """Everything one input needs: the transaction, the person, their conversation, and lazy report data."""

    engine: "Engine"
    store: Store
    user: User
    conv: Conversation
    state: dict[str, Any]
    outcome: Outcome = field(default_factory=Outcome)
    _answers: dict[str, Any] | None = None
    _pending: dict[tuple[int, str], tuple[dict[str, Any], dict[str, Any]]] = field(default_factory=dict)
    # Rows read during this input, held so that the session (whose identity map holds them weakly)
    # does not read them again; the role is looked up once per report.
    _rows: dict[tuple[type, int], Any] = field(default_factory=dict)
    _roles: dict[int, str | None] = field(default_factory=dict)

    @property
    def script(self) -> Script:
        return self.engine.script

    @property
    def fmt(self) -> FormatDef:
        return self.engine.fmt

    @property
    def record(self) -> ReportRecord | None:
        return self.record_of(self.conv.report_id) if self.conv.report_id else None

    def record_of(self, report_id: int) -> ReportRecord | None:
        key = (ReportRecord, report_id)
        if key not in self._rows:
            self._rows[key] = self.store.report_record(report_id)
        return self._rows[key]

    def answers(self) -> dict[str, Any]:
        if self._answers is None:
            self._answers = self.store.answers(self.conv.report_id) if self.conv.report_id else {}
        return self._answers

    def report(self) -> Report:
        assert self.conv.report_id
        return self.store.load_report(self.conv.report_id, self.answers())

    def previous(self) -> Report | None:
        record = self.record
        return self.store.previous_report(record) if record else None

    def save(self, values: dict[str, Any], action: str = "answer") -> None:
        """Record answers; they are written together when the input has been handled (`flush`)."""
        assert self.conv.report_id
        answers = self.answers()
        key = (self.conv.report_id, action)
        if key not in self._pending:
            self._pending[key] = ({}, dict(answers))
        self._pending[key][0].update(values)
        answers.update(values)

    def flush(self) -> None:
        """Write the recorded answers: one bulk statement per report and kind of change. A change to a
        submitted or final report puts it back to draft (logged)."""
        changed: dict[int, list[str]] = {}
        for (report_id, action), (values, before) in self._pending.items():
            changed.setdefault(report_id, []).extend(self.store.set_answers(report_id, values, self.user, action, current=before))
        self._pending.clear()
        for report_id, keys in changed.items():
            record = self.record_of(report_id)
            if record is not None and keys:
                review.reopen_if_changed(self, record, keys)

    def say(self, text: str, buttons: list[list[Button]] | None = None, document: tuple[str, bytes] | None = None) -> None:
        self.outcome.replies.append(Reply(text=text, buttons=buttons or [], document=document))

    def button(self, label: str, action: str) -> Button:
        return Button(label, f"{self.conv.prompt_token}:{action}")

    def reset_answers(self) -> None:
        self._answers = None

    def unit(self) -> Unit | None:
        record = self.record
        if record is None:
            return None
        key = (Unit, record.unit_id)
        if key not in self._rows:
            self._rows[key] = self.store.unit(record.unit_id)
        return self._rows[key]

    def role(self) -> str | None:
        """The person's role for the report in the conversation (looked up once per input)."""
        report_id = self.conv.report_id or 0
        if report_id not in self._roles:
            record = self.record
            self._roles[report_id] = role_for(self.store, self.user, record.unit_id if record else None)
        return self._roles[report_id]

    def may(self, action: str) -> bool:
        return self.role() in PERMISSIONS[action]

    def allowed(self, unit: Unit | None, action: str) -> bool:
        """True if the person may do `action` with the unit; otherwise they are told why, and it is logged."""
        reason = check(self.store, self.user, unit, action)
        if reason:
            self.say(reason)
        return not reason

    def refuse(self, action: str, message: str = "") -> None:
        """Say no, and log it."""
        self.store.refuse(self.user, action, f"report:{self.conv.report_id}", message or REFUSED.get(action, ""))
        self.say(message or REFUSED.get(action, "您无权进行此操作。"))

    def refused_button(self, arg: str) -> None:
        self.store.refuse(self.user, "button", arg[:60], "malformed button")
        self.say("按钮无效。")

    def with_report(self, arg: str, action: Callable[["Ctx", int], None]) -> None:
        """Run a button's action on the report it names; a payload naming no report is refused."""
        report_id = entity_id(arg)
        if report_id is None or self.record_of(report_id) is None:
            self.refused_button(arg)
            return
        action(self, report_id)


class Engine:
    def __init__(
        self,
        fmt: FormatDef | None = None,
        script: Script | None = None,
        *,
        clock: Clock | None = None,
        render_docx: Callable[[Report, str], bytes] | None = None,  # (report, 草稿|定稿)
        invite_link: Callable[[str], str] = lambda token: f"/start {token}",
        admin_ids: frozenset[str] = frozenset(),
    ):
        self.fmt = fmt or load_format()
        self.script = script or load_script()
        self.clock = clock or SystemClock()
        self.render_docx = render_docx
        self.invite_link = invite_link
        self.admin_ids = admin_ids

    def today(self) -> date:
        return self.clock.today()

    @property
    def zone(self) -> ZoneInfo:
        return self.clock.zone

    @staticmethod
    def new_token() -> str:
        """A new prompt token: the buttons of older prompts stop working."""
        return secrets.token_hex(4)

    # ---- entry point ------------------------------------------------------------------------

    def handle(self, store: Store, user: User, inp: Input) -> Outcome:
        conv = store.conversation(user)
        ctx = Ctx(self, store, user, conv, json.loads(conv.state or "{}"))
        if inp.seq and inp.seq <= conv.last_seq:
            # Delivered again after a crash between commit and acknowledgement: answered already.
            # Its replies may never have gone out, so the current question is asked again.
            if conv.step:
                self.prompt(ctx, "（上一条消息已处理）")
                conv.state = json.dumps(ctx.state, ensure_ascii=False)
                store.save_conversation(conv)
            return ctx.outcome
        conv.last_seq = max(conv.last_seq, inp.seq)
        if inp.kind == "button" and inp.text == "resume":  # a reminder's button: always valid, changes nothing
            self._guarded(ctx, lambda: self.home(ctx, "继续填写："))
        elif inp.kind == "button":
            token, _, action = inp.text.partition(":")
            if not conv.prompt_token or token != conv.prompt_token:
                if action.partition(":")[0] in ACTIONS:  # it names a unit, a report or a person: worth a record
                    store.refuse(user, "stale button", action[:64], "button of an older prompt or of someone else")
                return Outcome(ack="这个按钮已过期，请使用最新一条消息中的按钮。", stale=True)
            self._guarded(ctx, lambda: self.on_action(ctx, action))
        elif inp.kind == "command":
            self._guarded(ctx, lambda: self.on_command(ctx, inp.text, inp.args))
        elif inp.kind == "file":
            self._guarded(ctx, lambda: self.on_file(ctx, inp))
        else:
            self._guarded(ctx, lambda: self.on_text(ctx, inp.text))
        ctx.flush()
        conv.state = json.dumps(ctx.state, ensure_ascii=False)
        store.save_conversation(conv)
        return ctx.outcome

    def _guarded(self, ctx: Ctx, action: Callable[[], None]) -> None:
        """A person without the right to the report in their conversation is told so, and nothing changes."""
        record = ctx.record
        if record is not None and ctx.role() is None:
            ctx.conv.report_id = None
            ctx.conv.step = ""
            ctx.state = {}
            ctx.say("您已不是该单位的成员，无法继续填写。发送 /start 重新开始。")
            return
        action()

    # ---- navigation -------------------------------------------------------------------------

    def current(self, ctx: Ctx) -> Step | None:
        return self.script.step(ctx.conv.step) if ctx.conv.step else None

    def ask(self, ctx: Ctx, step_id: str, preface: str = "") -> None:
        """Make step_id the current question and send its prompt (new buttons, older ones go stale)."""
        if ctx.conv.step and ctx.conv.step != step_id:
            history = ctx.state.setdefault("history", [])
            if not history or history[-1] != ctx.conv.step:
                history.append(ctx.conv.step)
            del history[:-50]
        ctx.conv.step = step_id
        ctx.state["sub"] = {}
        self.prompt(ctx, preface)

    def prompt(self, ctx: Ctx, preface: str = "") -> None:
        ctx.conv.prompt_token = self.new_token()
        step = self.current(ctx)
        if step is None:
            return
        notes = review.comment_lines(ctx, review.comments_for_step(ctx, step))
        if notes:
            preface = "\n".join(([preface] if preface else []) + notes)
        step_kinds.ask(ctx, step, self._header(step), preface)

    def _header(self, step: Step) -> str:
        n = self.script.part_number(step.part)
        return f"【第 {n}/{len(self.script.parts)} 部分 · {self.script.part(step.part).title}】"

    def advance(self, ctx: Ctx, preface: str = "") -> None:
        """Go to the next step that applies to this report."""
        step = self.current(ctx)
        i = self.script.index(step.id) + 1 if step else 0
        while i < len(self.script.steps) and not step_kinds.applies(ctx, self.script.steps[i]):
            i += 1
        self.ask(ctx, self.script.steps[min(i, len(self.script.steps) - 1)].id, preface)

    def resume(self, ctx: Ctx, preface: str = "") -> None:
        if ctx.conv.step:
            self.prompt(ctx, preface)
        elif ctx.conv.report_id:
            self.ask(ctx, self.script.first_step("table2").id, preface)
        else:
            self.ask(ctx, self.script.steps[0].id, preface)

    def home(self, ctx: Ctx, preface: str = "") -> None:
        """Where a person goes back to: a filler to their question, a reviewer to the report to review,
        a coordinator with no report of their own to the county's commands."""
        if ctx.conv.report_id and not ctx.may("edit"):
            review.home(ctx)
        elif not ctx.conv.report_id and not ctx.conv.step and coordinate.current_county(ctx, quiet=True):
            ctx.say(coordinate.HELP)
        else:
            self.resume(ctx, preface)

    # ---- inputs -----------------------------------------------------------------------------

    def on_text(self, ctx: Ctx, text: str) -> None:
        waiting = ctx.state.get("await")
        if waiting and waiting.get("kind") == "comment":
            review.on_comment_text(ctx, text)
            return
        if (ctx.conv.report_id and not ctx.may("edit")) or (
            not ctx.conv.report_id and not ctx.conv.step and coordinate.current_county(ctx, quiet=True)
        ):
            self.home(ctx)
            return
        if not ctx.conv.step:
            ctx.say(WELCOME)
            self.ask(ctx, self.script.steps[0].id)
            return
        if len(text) > 20000:
            ctx.say("这条消息太长了（超过2万字），请分几条发送或精简后再发。")
            return
        step_kinds.answer(ctx, self.current(ctx), text)  # type: ignore[arg-type]

    def on_action(self, ctx: Ctx, action: str) -> None:
        verb, _, arg = action.partition(":")
        if verb in ACTIONS:
            ACTIONS[verb](ctx, arg)
            return
        needed = "read" if verb in ("docx", "preview") else "edit"
        if verb != "help" and ctx.conv.report_id and not ctx.may(needed):
            ctx.refuse(needed)
            return
        if verb == "help":
            step = self.current(ctx)
            ctx.outcome.ack = "说明"
            ctx.say(step.help if step and step.help else "按提示回答即可；发送 /help 查看全部命令。")
            return
        if verb == "goto":
            if arg in {p.key for p in self.script.parts} and (ctx.conv.report_id or arg == "unit"):
                ctx.outcome.ack = "已跳转"
                self.ask(ctx, self.script.first_step(arg).id)
            return
        if verb == "docx":
            self.send_docx(ctx)
            return
        if verb == "preview":
            ctx.say(preview(ctx.report()) if ctx.conv.report_id else "还没有报告。")
            return
        step = self.current(ctx)
        if step is None:
            self.resume(ctx)
            return
        step_kinds.press(ctx, step, verb, arg)

    def on_command(self, ctx: Ctx, name: str, args: str) -> None:
        handlers: dict[str, Callable[[], None]] = {
            "start": lambda: self.cmd_start(ctx, args),
            "menu": lambda: self.cmd_menu(ctx),
            "back": lambda: self.cmd_back(ctx),
            "skip": lambda: step_kinds.skip(ctx, self.current(ctx)) if self.current(ctx) else self.resume(ctx),
            "status": lambda: self.cmd_status(ctx),
            "preview": lambda: ctx.say(preview(ctx.report())) if ctx.conv.report_id else ctx.say("还没有报告，请先回答单位信息。"),
            "docx": lambda: self.send_docx(ctx),
            "export": lambda: self.cmd_export(ctx),
            "help": lambda: self.cmd_help(ctx),
            "cancel": lambda: self.cmd_cancel(ctx),
            "invite": lambda: people.cmd_invite(ctx, args),
            "remind": lambda: self.cmd_remind(ctx, args),
            "deadline": lambda: self.cmd_deadline(ctx, args),
            "submit": lambda: review.submit(ctx),
            "review": lambda: review.home(ctx),
            "members": lambda: people.cmd_members(ctx),
            "leave": lambda: people.cmd_leave(ctx, args),
            "units": lambda: people.cmd_units(ctx),
            "newunit": lambda: people.cmd_newunit(ctx),
            "history": lambda: people.cmd_history(ctx, args),
            "county": lambda: coordinate.cmd_county(ctx, args),
            "addunit": lambda: coordinate.cmd_addunit(ctx, args),
            "dashboard": lambda: coordinate.cmd_dashboard(ctx, args),
            "nudge": lambda: coordinate.cmd_nudge(ctx),
            "collect": lambda: coordinate.cmd_collect(ctx),
            "open": lambda: coordinate.open_unit(ctx, args),
            "check": lambda: coordinate.open_unit(ctx, args),
        }
        handler = handlers.get(name)
        if handler is None:
            ctx.say(f"没有 /{name} 这个命令。发送 /help 查看可用的命令。")
            return
        ctx.state.pop("await", None)  # a command ends any typed input that was awaited
        needed = REPORT_COMMANDS.get(name)
        if needed and ctx.conv.report_id and not ctx.may(needed) and not (name == "history" and args.strip()):
            ctx.refuse(needed)
            return
        handler()

    def on_file(self, ctx: Ctx, inp: Input) -> None:
        if ctx.conv.report_id and not ctx.may("edit"):
            ctx.refuse("edit")
            return
        size = max(len(inp.data), inp.size)
        if size > MAX_UPLOAD:
            ctx.say(f"文件太大（{size / 1024 / 1024:.1f} MB），请上传不超过10 MB的.docx、.txt或.json文件。")
            return
        handle_upload(ctx, inp.filename, inp.data)

    # ---- commands ---------------------------------------------------------------------------

    def cmd_start(self, ctx: Ctx, token: str) -> None:
        if token and people.join(ctx, token):
            return
        if ctx.conv.step:
            self.prompt(ctx, "欢迎回来！从上次停下的地方继续：")
            return
        if ctx.conv.report_id or coordinate.current_county(ctx, quiet=True):
            self.home(ctx, "欢迎回来！")
            return
        ctx.say(WELCOME)
        self.ask(ctx, self.script.steps[0].id)

    def cmd_menu(self, ctx: Ctx) -> None:
        if not ctx.conv.report_id:
            self.resume(ctx, "请先填写单位名称。")
            return
        ctx.conv.prompt_token = self.new_token()
        done = parts_done(ctx)
        remarks = {c.target.split(".")[0] for c in review.open_comments(ctx, ctx.record)}
        rows = [
            [ctx.button(f"{'✔ ' if p.key in done else ''}{i}. {p.title}{' 💬' if p.key in remarks else ''}", f"goto:{p.key}")]
            for i, p in enumerate(self.script.parts, start=1)
        ]
        ctx.say(f"请选择要填写或修改的部分（已完成 {len(done)}/{len(self.script.parts)}）：", rows)

    def cmd_back(self, ctx: Ctx) -> None:
        history = ctx.state.get("history", [])
        if not history:
            ctx.say("已经是第一步了。")
            self.resume(ctx)
            return
        step_id = history.pop()
        ctx.conv.step = step_id
        ctx.state["sub"] = {}
        self.prompt(ctx, "回到上一步：")

    def cmd_status(self, ctx: Ctx) -> None:
        if not ctx.conv.report_id:
            ctx.say("还没有开始填写。发送 /start 开始。")
            return
        report = ctx.report()
        done = parts_done(ctx)
        findings = validate(report, ctx.previous(), today=self.today(), deadline=deadline_of(report))
        errors = [f for f in findings if f.level == "error"]
        record = ctx.record
        lines = [
            f"{report.unit.get('name', '')}{report.year}年度报告（{review.STATUS_TEXT[record.status] if record else ''}）："
            f"已完成 {len(done)}/{len(self.script.parts)} 部分。",
            "、".join(f"{'✔' if p.key in done else '○'}{p.title}" for p in self.script.parts),
            f"检查：{len(errors)}个错误、{len(findings) - len(errors)}个提醒。",
        ]
        lines += [f"· {f.message}" for f in errors[:10]]
        lines += review.comment_lines(ctx, review.open_comments(ctx, record))
        ctx.say("\n".join(lines))

    def cmd_help(self, ctx: Ctx) -> None:
        step = self.current(ctx)
        text = HELP + (f"\n\n当前问题说明：{step.help}" if step and step.help else "")
        if coordinate.current_county(ctx, quiet=True):
            text += "\n\n" + coordinate.HELP
        ctx.say(text)

    def cmd_cancel(self, ctx: Ctx) -> None:
        ctx.state["sub"] = {}
        if ctx.conv.step:
            self.prompt(ctx, "已取消当前操作。")
        else:
            ctx.say("没有正在进行的操作。")

    def cmd_remind(self, ctx: Ctx, args: str) -> None:
        arg = args.strip().lower()
        if arg in ("off", "关", "关闭"):
            ctx.user.reminders_on = False
        elif arg in ("on", "开", "开启"):
            ctx.user.reminders_on = True
        elif arg:
            ctx.say("用法：/remind off 关闭截止日期提醒，/remind on 重新开启。")
            return
        ctx.store.save(ctx.user)
        ctx.say("截止日期提醒：" + ("已开启。" if ctx.user.reminders_on else "已关闭。发送 /remind on 可重新开启。"))

    def cmd_deadline(self, ctx: Ctx, args: str) -> None:
        """/deadline shows it; /deadline YYYY-MM-DD sets the unit's; a coordinator or operator sets a
        county's: /deadline 县名 YYYY-MM-DD."""
        from bot.reminders.schedule import deadline_for, set_deadline

        parts = args.split()
        record = ctx.record
        year = record.year if record else default_year(self.today())
        due = None
        if parts:
            try:
                due = date.fromisoformat(parts[-1])
            except ValueError:
                ctx.say("日期应写成 YYYY-MM-DD，例如：/deadline 2027-01-20")
                return
            if not (date(year, 12, 1) <= due <= date(year + 1, 12, 31)):
                ctx.say(f"{year}年度报告的截止日期应在{year}年12月至{year + 1}年之间。")
                return
        if len(parts) == 2:
            county = coordinate.county_for_deadline(ctx, parts[0])
            if county is None:
                ctx.say("只有该县的协调人或管理员可以设定全县的截止日期。")
                return
            key = county if isinstance(county, str) else str(county.id)
            set_deadline(ctx.store, "county", key, year, due, ctx.user)  # type: ignore[arg-type]
            ctx.say(f"已设定{parts[0]}{year}年度报告的截止日期：{due.isoformat()}。")  # type: ignore[union-attr]
            return
        if record is None:
            ctx.say("请先填写单位信息。" if not coordinate.current_county(ctx, quiet=True) else "设定全县截止日期：/deadline 县名 YYYY-MM-DD")
            return
        unit = ctx.store.unit(record.unit_id)
        assert unit is not None
        if due is not None:
            if not ctx.may("edit"):
                ctx.refuse("edit")
                return
            set_deadline(ctx.store, "unit", str(unit.id), record.year, due, ctx.user)
        deadline, whose = deadline_for(ctx.store, record, unit)
        ctx.say(f"{record.year}年度报告的截止日期：{deadline.isoformat()}（{whose}）。将在截止前30、14、7、3、1天和当天的工作日上午9点提醒。")

    def cmd_export(self, ctx: Ctx) -> None:
        if not ctx.conv.report_id:
            ctx.say("还没有报告可以导出。")
            return
        report = ctx.report()
        try:
            text = report.to_json()
        except ValueError as exc:
            ctx.say(f"暂时无法导出：{exc}")
            return
        ctx.say("报告数据（JSON）：", document=(f"{report.title()}.json", text.encode("utf-8")))

    # ---- the document -----------------------------------------------------------------------

    def send_docx(self, ctx: Ctx) -> None:
        """The report as .docx: the stored document of a final report, else rendered now as a draft."""
        if not ctx.conv.report_id:
            ctx.say("还没有报告。请先回答单位信息，或上传完整的年报JSON。")
            return
        record = ctx.record
        stored = ctx.store.document(ctx.conv.report_id) if record and record.status == "final" else None
        if stored is not None:
            ctx.say("定稿文档（已审核通过）：", document=(stored.filename, stored.data))
            return
        report = ctx.report()
        findings = validate(report, ctx.previous(), today=self.today(), deadline=deadline_of(report))
        errors = [f for f in findings if f.level == "error"]
        if errors:
            ctx.say(findings_text("还有以下错误，改正后才能生成文档：", errors, limit=20))
            return
        if self.render_docx is None:
            ctx.say("文档生成功能暂不可用。")
            return
        data = self.render_docx(report, "草稿")
        warnings = [f for f in findings if f.level == "warning"]
        ctx.conv.prompt_token = self.new_token()
        text = "报告已生成（草稿）。" + ("\n" + findings_text("请再核对以下提醒（不影响生成）：", warnings, 10) if warnings else "")
        buttons = []
        if ctx.may("submit") and record is not None and record.status == "draft":
            text += "\n确认无误后请提交审核，审核通过即定稿。"
            buttons = [[ctx.button("提交审核", "submit")]]
        ctx.say(text, buttons, document=(f"{report.title()}.docx", data))
        if ctx.may("edit"):
            ctx.save({"meta.docx_at": self.today().isoformat()}, action="docx")


def deadline_of(report: Report) -> date | None:
    return date(report.year + 1, 1, 31) if report.year else None


def findings_text(title: str, findings: list[Finding], limit: int) -> str:
    lines = [title] + [f"{i}. {f.message}" for i, f in enumerate(findings[:limit], start=1)]
    if len(findings) > limit:
        lines.append(f"……另有{len(findings) - limit}条，发送 /status 查看。")
    return "\n".join(lines)


def parts_done(ctx: Ctx) -> set[str]:
    return parts_done_from(ctx.answers(), ctx.fmt, ctx.script) if ctx.conv.report_id else set()


def _fmt_value(value: Any) -> str:
    """A cell in a chat message: as printed in the document, and an unknown one as “空”."""
    return "空" if value is None else display(value)


def preview(report: Report) -> str:
    """The tables as a readable message: 表二 in full, 表三's non-zero rows and totals, 表四 by group."""
    fmt = report.format
    c = report.cells
    lines = [f"{report.title()}", "", "表二 主动公开"]
    for block in fmt.table2.blocks:
        for row in block.rows:
            if block.columns:
                values = " / ".join(f"{col.label}{_fmt_value(c[f'table2.{row.key}.{col.key}'])}" for col in block.columns)
                lines.append(f"· {row.label}：{values}")
            else:
                unit = "万元" if row.kind == "money" else "件"
                lines.append(f"· {row.label}：{_fmt_value(c[f'table2.{row.key}'])}{unit}")
    lines += ["", "表三 依申请公开（自然人 商业企业 科研机构 社会公益组织 法律服务机构 其他 | 总计）"]
    rows3 = [(row, [c[f"table3.{row.key}.{col}"] for col in fmt.table3.col_keys]) for row in fmt.table3.data_rows]
    if all(v is None for _, values in rows3 for v in values):
        lines.append("（尚未填写）")
    else:
        always = ("NEW", "CARRY", "TOTAL", "FWD")
        shown = [(row, values) for row, values in rows3 if row.key in always or any(v != 0 for v in values)]
        for row, values in shown:
            lines.append(f"· {row.name}：{' '.join(_fmt_value(v) for v in values[:-1])} | {_fmt_value(values[-1])}")
        if len(shown) == len(always):
            lines.append("（其余各行均为0）")
    lines += ["", "表四 复议诉讼（维持 纠正 其他 未审结 | 总计）"]
    for row in fmt.table4.data_rows:
        values = [c[f"table4.{row.key}.{col}"] for col in fmt.table4.col_keys]
        name = f"{row.super}—{row.label}" if row.super else row.label
        lines.append(f"· {name}：{' '.join(_fmt_value(v) for v in values[:-1])} | {_fmt_value(values[-1])}")
    return "\n".join(lines)
