"""The interview engine: the one place that moves a conversation. No channel in sight.

One call of `Engine.handle` serves one input of one person inside one database transaction: the
answer and the new position are committed together by the caller before any reply goes out, so a
crash at any moment loses nothing that was acknowledged. Steps and commands say where to go next
(a Move); the engine goes there.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from datetime import date
from typing import assert_never
from zoneinfo import ZoneInfo

from bot.core.clock import Clock, SystemClock
from bot.core.report import Report
from bot.format.definition import FormatDef, load_format
from bot.format.interview import Script, Step, load_script
from bot.interview import commands, confirm, detour, edits, steps, table3, table3input
from bot.interview.context import Ctx
from bot.interview.moves import Move, To
from bot.interview.parse import AnswerError
from bot.interview.show import preview
from bot.interview.state import dump, load
from bot.interview.types import Input, Outcome
from bot.interview.uploads import handle_upload
from bot.storage.models import User
from bot.storage.repository import Store
from bot.workplace import review
from bot.workplace.counties import current_county

MAX_UPLOAD = 10 * 1024 * 1024


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
        steps.check_script(self.script)
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

    def help_for(self, role: str) -> str:
        return commands.help_text(role)

    # ---- entry point ------------------------------------------------------------------------

    def handle(self, store: Store, user: User, inp: Input) -> Outcome:
        conv = store.conversation(user)
        ctx = Ctx(self, store, user, conv, load(conv.state))
        if inp.seq and inp.seq <= conv.last_seq:
            # Delivered again after a crash between commit and acknowledgement: answered already.
            # Its replies may never have gone out, so the current question is asked again.
            if conv.step:
                self.prompt(ctx, "（上一条消息已处理）")
                conv.state = dump(ctx.state)
                store.save_conversation(conv)
            return ctx.outcome
        conv.last_seq = max(conv.last_seq, inp.seq)
        asked, before = conv.step, edits.state_now(ctx)  # what a typed answer answers (for an edit of it later)
        if inp.kind == "text" and ctx.state.comment is None and (action := ctx.pressed(inp.text)) is not None:
            inp = Input(kind="button", text=f"{conv.prompt_token}:{action}")  # typed the label of a button: pressed it
        if inp.kind in ("text", "file") or (inp.kind == "command" and not commands.keeps_pending(inp.text, inp.args)):
            ctx.state.pending = None  # a replacement waiting for 确认 is dropped by anything else the person sends
        if inp.kind == "button" and inp.text == "resume":  # a reminder's button: always valid, changes nothing
            self._guarded(ctx, lambda: self.home(ctx, "继续填写："))
        elif inp.kind == "button":
            token, _, action = inp.text.partition(":")
            if not conv.prompt_token or token != conv.prompt_token:
                if action.partition(":")[0] in commands.ACTIONS:  # it names a unit, a report or a person: worth a record
                    store.refuse(user, "stale button", action[:64], "button of an older prompt or of someone else")
                return Outcome(ack="这个按钮已过期，请使用最新一条消息中的按钮。", stale=True)
            self._guarded(ctx, lambda: self.on_action(ctx, action))
        elif inp.kind == "command":
            self._guarded(ctx, lambda: self.on_command(ctx, inp.text, inp.args))
        elif inp.kind == "file":
            self._guarded(ctx, lambda: self.on_file(ctx, inp))
        elif inp.kind == "edit":
            self._guarded(ctx, lambda: self.apply(ctx, edits.on_edit(ctx, inp)))
        else:
            self._guarded(ctx, lambda: self.on_text(ctx, inp.text))
        ctx.flush()
        edits.note(ctx, inp, asked, before)
        conv.state = dump(ctx.state)
        store.save_conversation(conv)
        return ctx.outcome

    def _guarded(self, ctx: Ctx, action: Callable[[], None]) -> None:
        """A person without the right to the report in their conversation is told so, and nothing changes."""
        record = ctx.record
        if record is not None and ctx.role() is None:
            ctx.conv.report_id = None
            ctx.conv.step = ""
            ctx.state.sub, ctx.state.history, ctx.state.comment = None, [], None
            ctx.say("您已不是该单位的成员，无法继续填写。发送 /start 重新开始。")
            return
        action()

    # ---- moving ---------------------------------------------------------------------------------

    def apply(self, ctx: Ctx, move: Move | None) -> None:
        """Go where a step or a command said."""
        if move is None:
            return
        match move.to:
            case To.STAY:
                return
            case To.AGAIN:
                if move.fresh:
                    ctx.state.sub = None
                self.prompt(ctx, move.preface)
            case To.ADVANCE:
                if move.step:
                    ctx.conv.step = move.step
                self.advance(ctx, move.preface)
            case To.GOTO:
                self.ask(ctx, move.step, move.preface)
            case To.BACK:
                self.back(ctx)
            case To.RESUME:
                self.resume(ctx, move.preface)
            case To.HOME:
                self.home(ctx, move.preface)
            case _:
                assert_never(move.to)

    def current(self, ctx: Ctx) -> Step | None:
        return self.script.step(ctx.conv.step) if ctx.conv.step else None

    def ask(self, ctx: Ctx, step_id: str, preface: str = "") -> None:
        """Make step_id the current question and send its prompt (new buttons, older ones go stale)."""
        history = ctx.state.history
        if ctx.conv.step and ctx.conv.step != step_id:
            if not history or history[-1] != ctx.conv.step:
                history.append(ctx.conv.step)
            del history[:-50]
        ctx.conv.step = step_id
        ctx.state.sub = None
        detour.entered(ctx, self.script.step(step_id))
        self.prompt(ctx, preface)

    def prompt(self, ctx: Ctx, preface: str = "") -> None:
        ctx.new_buttons()
        step = self.current(ctx)
        if step is None:
            return
        notes = review.comment_lines(ctx, review.comments_for_step(ctx, step))
        if notes:
            preface = "\n".join(([preface] if preface else []) + notes)
        self.apply(ctx, steps.ask(ctx, step, self._header(ctx, step), preface))

    def _header(self, ctx: Ctx, step: Step) -> str:
        """Which part of which unit's report of which year: a clerk of several units always knows."""
        n = self.script.part_number(step.part)
        record = ctx.record
        unit = ctx.unit()
        whose = f" · {unit.name} {record.year}年度" if record is not None and unit is not None and unit.name else ""
        return f"【第 {n}/{len(self.script.parts)} 部分 · {self.script.part(step.part).title}{whose}】"

    def advance(self, ctx: Ctx, preface: str = "") -> None:
        """Go to the next step that applies to this report."""
        step = self.current(ctx)
        i = self.script.index(step.id) + 1 if step else 0
        while i < len(self.script.steps) and not steps.applies(ctx, self.script.steps[i]):
            i += 1
        following = self.script.steps[min(i, len(self.script.steps) - 1)]
        back = detour.way_back(ctx, step, following)  # a part chosen in /menu is finished: where the clerk was
        if back is not None:
            self.ask(ctx, back[0], "\n".join(line for line in (preface, back[1]) if line))
            return
        self.ask(ctx, following.id, preface)

    def back(self, ctx: Ctx) -> None:
        history = ctx.state.history
        if not history:
            ctx.say("已经是第一步了。")
            self.resume(ctx)
            return
        ctx.conv.step = history.pop()
        ctx.state.sub = None
        detour.entered(ctx, self.script.step(ctx.conv.step))
        self.prompt(ctx, "回到上一步：")

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
        elif not ctx.conv.report_id and not ctx.conv.step and current_county(ctx, quiet=True):
            ctx.say(self.help_for("coordinator"))
        else:
            self.resume(ctx, preface)

    # ---- inputs -----------------------------------------------------------------------------

    def on_text(self, ctx: Ctx, text: str) -> None:
        if ctx.state.comment is not None:
            review.on_comment_text(ctx, text)
            return
        if (ctx.conv.report_id and not ctx.may("edit")) or (
            not ctx.conv.report_id and not ctx.conv.step and current_county(ctx, quiet=True)
        ):
            self.home(ctx)
            return
        if not ctx.conv.step:
            ctx.say(commands.WELCOME)
            self.ask(ctx, self.script.steps[0].id)
            return
        if len(text) > 20000:
            ctx.say("这条消息太长了（超过2万字），请分几条发送或精简后再发。")
            return
        step = self.current(ctx)
        assert step is not None
        if step.part != "table3" and ctx.conv.report_id and self._row_anywhere(ctx, step, text):
            return
        self.apply(ctx, steps.answer(ctx, step, text))

    def _row_anywhere(self, ctx: Ctx, step: Step, text: str) -> bool:
        """“行名 + 数字” (a 表三 row's name, then its numbers) works at any question, as /help says: the row is
        set the way 表三's questions set it, and the current question is asked again. False: no such line."""
        line = text.strip()
        split = table3input.split_row(line) if "\n" not in line else None
        if split is None or table3input.match_row(ctx, split[0]) is None:
            return False
        try:
            self.apply(ctx, table3.row_edit(ctx, step, line))
        except AnswerError as exc:
            ctx.say(f"{exc}\n（表三这一行尚未保存，请重新发送。）")
        return True

    def on_action(self, ctx: Ctx, action: str) -> None:
        verb, _, arg = action.partition(":")
        if verb in commands.ACTIONS:
            self.apply(ctx, commands.ACTIONS[verb](ctx, arg))
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
                detour.begin(ctx, arg)  # remembered: finishing this part comes back to the question left
                self.ask(ctx, self.script.first_step(arg).id)
            else:  # never offered: a forged payload gets an answer too
                ctx.refused_button(action)
            return
        if verb == "docx":
            self.apply(ctx, commands.send_docx(ctx, ""))
            return
        if verb == "preview":
            ctx.say(preview(ctx.report()) if ctx.conv.report_id else "还没有报告。")
            return
        step = self.current(ctx)
        if step is None:
            self.resume(ctx)
            return
        self.apply(ctx, steps.press(ctx, step, verb, arg))

    def on_command(self, ctx: Ctx, name: str, args: str) -> None:
        command = commands.BY_NAME.get(name)
        if command is None:
            ctx.say(f"没有 /{name} 这个命令。发送 /help 查看可用的命令。")
            return
        ctx.state.comment = None  # a command ends any typed input that was awaited
        needed = command.permission
        if needed and ctx.conv.report_id and not ctx.may(needed) and not (command.checks_own_args and args.strip()):
            ctx.refuse(needed)
            return
        token = ctx.conv.prompt_token
        self.apply(ctx, command.handler(ctx, args))
        pending, replies = ctx.state.pending, ctx.outcome.replies
        if pending is not None and ctx.conv.prompt_token != token and not (replies and replies[-1].text == pending.question):
            confirm.ask_again(ctx, fresh=False)  # a command that only reads showed buttons: the waiting question's too

    def on_file(self, ctx: Ctx, inp: Input) -> None:
        if ctx.conv.report_id and not ctx.may("edit"):
            ctx.refuse("edit")
            return
        size = max(len(inp.data), inp.size)
        if size > MAX_UPLOAD:
            ctx.say(f"文件太大（{size / 1024 / 1024:.1f} MB），请上传不超过10 MB的.docx、.txt或.json文件。")
            return
        self.apply(ctx, handle_upload(ctx, inp.filename, inp.data, inp.reading))
