"""Filling 表三 fast: all zero in one tap, applications one by one, a row per message, a pasted table.

Whatever way the numbers come in, the totals (总计 column, （七）总计 row) are computed where the
clerk did not give them, and the table's rules run as soon as it is complete.
"""

from __future__ import annotations

from bot.checks.validate import validate
from bot.format.definition import strip_ordinal
from bot.format.interview import Step
from bot.interview import confirm, parse
from bot.interview.applications import applicants, arrivals, describe_application, results
from bot.interview.context import Ctx
from bot.interview.moves import STAY, Move, advance, again, goto
from bot.interview.parse import AnswerError
from bot.interview.state import Table3Entry
from bot.interview.stepkind import Kind, chosen, head
from bot.interview.table3input import Rows, example, one_row, parts_cols, read_line, read_rows, store_rows, write
from bot.storage.reports import application_fields

RULES = ["E-T3-COLSUM", "E-T3-TOTAL", "E-T3-BALANCE", "E-BLANK"]


# ---- the menu -------------------------------------------------------------------------------------


class Table3Mode(Kind):
    """How 表三 is filled: all zero, application by application, a row per message, or pasted."""

    name = "t3_mode"
    needs = ("options",)

    def applies(self, ctx: Ctx, step: Step) -> bool:
        return ctx.answers().get("meta.table3_mode") != "zero"

    def back(self, ctx: Ctx, step: Step) -> Move | None:
        """/back in the rows flow: the row before; in any other flow: the choice of the way to fill."""
        sub = ctx.sub(Table3Entry)
        if sub.flow == "rows" and sub.i > 0:
            sub.i -= 1
            return again("回到上一行：")
        if sub.flow:
            ctx.state.sub = None
            return again("回到上一步：")
        return None

    def ask(self, ctx: Ctx, step: Step, header: str, preface: str) -> Move:
        flow = ctx.sub(Table3Entry).flow
        if flow == "apps":
            ask_app(ctx, preface)
        elif flow == "rows":
            ask_row(ctx, preface)
        elif flow == "paste":
            ctx.say(
                head(header, preface) + "请把表三整张复制粘贴过来（从Word/WPS中选中整张表复制即可，含“总计”列）。"
                "也可以分几次粘贴，或发送“行名 + 数字”逐行填写。",
                [[ctx.button("改为按行填写", "rows"), ctx.button("改为逐件录入", "apps")]],
            )
        else:
            rows = [[ctx.button(o.label, f"opt:{o.value}")] for o in step.options]
            ctx.say(head(header, preface) + step.prompt, rows + [[ctx.button("说明", "help")]])
        return STAY

    def answer(self, ctx: Ctx, step: Step, text: str) -> Move:
        sub = ctx.sub(Table3Entry)
        if sub.flow == "rows":
            return answer_row(ctx, text)
        if sub.flow == "paste":
            return answer_paste(ctx, text)
        if sub.flow == "apps":
            raise AnswerError("请点按钮录入申请；录完了请点“录完了”。")
        if "\n" in text.strip() and not any(o.label == text.strip() or o.value == text.strip() for o in step.options):
            sub.flow = "paste"
            return answer_paste(ctx, text)
        try:
            value = chosen(step, text)
        except AnswerError:
            raise AnswerError("请点下面的按钮选择填写方式，或直接粘贴整张表。") from None
        return self.press(ctx, step, "opt", value)

    def press(self, ctx: Ctx, step: Step, verb: str, arg: str) -> Move:
        sub = ctx.sub(Table3Entry)
        if verb == "opt":
            if arg == "zero":
                zeros = {c.path: 0 for c in ctx.fmt.cells() if c.table == "table3"}
                return confirm.offer(ctx, {"meta.table3_mode": "zero", **zeros}, what="“表三全部为0”", done="表三已全部填为0。")
            ctx.state.sub = Table3Entry(flow=arg)
            ctx.save({"meta.table3_mode": arg})
            if arg == "apps":
                _rebuild_from_applications(ctx)
            return again()
        if verb in ("rows", "apps"):
            ctx.state.sub = Table3Entry(flow=verb)
            return again()
        if sub.flow == "apps":
            return press_app(ctx, sub, verb, arg)
        if sub.flow == "rows":
            return press_row(ctx, sub, verb)
        return STAY


# ---- applications one by one ----------------------------------------------------------------------


def _rebuild_from_applications(ctx: Ctx) -> None:
    """Table 三 as the matrix of the entered applications (every cell, totals included)."""
    assert ctx.conv.report_id
    grid = ctx.fmt.table3
    cells = {c.path: 0 for c in ctx.fmt.cells() if c.table == "table3"}
    total_col, total_row, fwd = grid.total_column(), grid.total_row(), ctx.fmt.role_row("forwarded")
    assert total_col is not None and total_row is not None
    for app in ctx.store.applications(ctx.conv.report_id):
        rows = (app.arrival, app.result) + ((total_row.key,) if app.result != fwd else ())
        for row in rows:
            cells[f"table3.{row}.{app.applicant}"] += 1
            cells[f"table3.{row}.{total_col.key}"] += 1
    ctx.save(cells)


def _apps_summary(ctx: Ctx) -> str:
    apps = ctx.store.applications(ctx.report_id)
    if not apps:
        return "还没有录入申请。"
    new = sum(1 for a in apps if a.arrival == ctx.fmt.role_row("received"))
    done = sum(1 for a in apps if a.result != ctx.fmt.role_row("forwarded"))
    return f"已录入{len(apps)}件（本年新收{new}件、上年结转{len(apps) - new}件；已办结{done}件、结转下年度{len(apps) - done}件）。"


def ask_app(ctx: Ctx, preface: str = "") -> None:
    pre = preface + "\n" if preface else ""
    sub = ctx.sub(Table3Entry)
    n = len(ctx.store.applications(ctx.report_id)) + 1
    if sub.stage == "applicant":
        who = applicants(ctx.fmt)
        buttons = [[ctx.button(c.name, f"who:{c.key}") for c in who[i : i + 3]] for i in range(0, len(who), 3)]
        buttons.append([ctx.button("录完了", "apps_done"), ctx.button("撤销上一件", "undo")])
        ctx.say(f"{pre}{_apps_summary(ctx)}\n第{n}件申请：申请人是？", buttons)
    elif sub.stage == "arrival":
        ctx.say(f"{pre}第{n}件：这件申请是本年新收的，还是上年结转的？",
                [[ctx.button(name, f"when:{row}") for row, name in arrivals(ctx.fmt)]])
    elif sub.stage == "result":
        buttons = [[ctx.button(g.name, f"res:{g.key}")] for g in results(ctx.fmt)]
        ctx.say(f"{pre}第{n}件：办理结果是？（截至12月31日未办结的选最后一项）", buttons)
    elif sub.stage == "detail":
        group = next(g for g in results(ctx.fmt) if g.key == sub.group)
        grid = ctx.fmt.table3
        buttons = [[ctx.button(strip_ordinal(grid.row(key).label)[:30], f"item:{key}")] for key in group.rows]
        ctx.say(f"{pre}第{n}件：{group.name}的具体情形是？", buttons)


def press_app(ctx: Ctx, sub: Table3Entry, verb: str, arg: str) -> Move:
    if verb == "who" and arg in {c.key for c in applicants(ctx.fmt)}:
        sub.stage, sub.who = "arrival", arg
    elif verb == "when" and arg in dict(arrivals(ctx.fmt)) and sub.who:
        sub.stage, sub.when = "result", arg
    elif verb == "res" and sub.when:
        group = next((g for g in results(ctx.fmt) if g.key == arg), None)
        if group is None:
            return STAY
        if len(group.rows) == 1:
            _add_application(ctx, sub, group.rows[0])
        else:
            sub.stage, sub.group = "detail", arg
    elif verb == "item" and sub.group:
        group = next(g for g in results(ctx.fmt) if g.key == sub.group)
        if arg in group.rows:
            _add_application(ctx, sub, arg)
    elif verb == "undo":
        apps = ctx.store.applications(ctx.report_id)
        if apps:
            ctx.note_change(ctx.store.delete_application(apps[-1], ctx.user))
            _rebuild_from_applications(ctx)
            ctx.say(f"已撤销上一件（{describe_application(ctx.fmt, application_fields(apps[-1]))}）。")
        sub.stage = "applicant"
    elif verb == "apps_done":
        _rebuild_from_applications(ctx)
        return advance(_apps_summary(ctx) + "表三已按录入的申请自动生成。")
    else:
        return STAY
    return again()


def _add_application(ctx: Ctx, sub: Table3Entry, result: str) -> None:
    fields = {"applicant": sub.who, "arrival": sub.when, "result": result}
    ctx.note_change(ctx.store.add_application(ctx.report_id, fields, ctx.user))
    _rebuild_from_applications(ctx)
    ctx.say(f"已保存：{describe_application(ctx.fmt, fields)}。")
    sub.who = sub.when = sub.group = ""
    sub.stage = "applicant"


# ---- a row per message ----------------------------------------------------------------------------


def ask_row(ctx: Ctx, preface: str = "") -> None:
    rows = ctx.fmt.table3.entry_rows
    i = ctx.sub(Table3Entry).i
    row = rows[i]
    who = applicants(ctx.fmt)
    labels = "、".join(c.name for c in who)
    ctx.say(
        (preface + "\n" if preface else "") + f"表三第{i + 1}/{len(rows)}行“{row.label}”：\n请发{len(who)}个数（{labels}），总计自动算出；本行没有请发 0。",
        [[ctx.button("本行全为0", "row_zero"), ctx.button("其余各行全为0", "rest_zero")]],
    )


def _next_row(ctx: Ctx, saved: str) -> Move:
    sub = ctx.sub(Table3Entry)
    sub.i += 1
    if sub.i >= len(ctx.fmt.table3.entry_rows):
        return advance(saved)
    return again(saved)


def answer_row(ctx: Ctx, text: str) -> Move:
    row = ctx.fmt.table3.entry_rows[ctx.sub(Table3Entry).i]
    who = applicants(ctx.fmt)
    values, total = parse.counts(text, len(who), allow_total=True, what="顺序：" + "、".join(c.name for c in who))
    return _next_row(ctx, one_row(ctx, str(row.key), values, total))


def press_row(ctx: Ctx, sub: Table3Entry, verb: str) -> Move:
    rows = ctx.fmt.table3.entry_rows
    i = sub.i
    if verb == "row_zero":
        return _next_row(ctx, one_row(ctx, str(rows[i].key), [0] * len(parts_cols(ctx)), None))
    if verb == "rest_zero":
        write(ctx, {f"table3.{r.key}.{c}": 0 for r in rows[i:] for c in parts_cols(ctx)})
        return advance(f"“{rows[i].name}”及以下{len(rows) - i}行已填为0。")
    return STAY


# ---- a pasted table, and “行名 + 数字” anywhere in 表三 --------------------------------------------


def answer_paste(ctx: Ctx, text: str) -> Move:
    return _stored_rows(ctx, read_rows(ctx, text), pasted=True)


def _stored_rows(ctx: Ctx, read: Rows, pasted: bool) -> Move:
    """Store what was read, and end with the table's state: the next question when it is complete, else
    what is still missing (and the same question again)."""
    if not read.rows:
        if read.header:
            ctx.say("（这是表头，已忽略。）请继续粘贴表三的数据行，或发送“行名 + 数字”。")
            return STAY
        raise AnswerError("没有从粘贴的内容中认出表三的任何一行。请从Word/WPS中复制整张表再粘贴，或发送“行名 + 数字”。")
    saved, refused = store_rows(ctx, read)
    lines = (["（表头已忽略）"] if read.header else []) + saved + read.notes
    if pasted and len(read.rows) == len(ctx.fmt.table3.row_keys) and not refused:
        lines.insert(0, f"已读取整张表三（{len(read.rows)}行）：")
    if refused:
        lines += ["以下没有保存，请核对后重发这些行：", *refused]
    if refused and not saved and not pasted:
        raise AnswerError("\n".join(refused).replace("这一行没有保存。", f"请核对后重发（也可以只发{len(parts_cols(ctx))}个数，总计自动算出）。"))
    answers = ctx.answers()
    missing = [r.name for r in ctx.fmt.table3.entry_rows if any(answers.get(f"table3.{r.key}.{c}") is None for c in parts_cols(ctx))]
    step = ctx.step()
    if not missing and step is not None and step.kind == "t3_mode":
        return advance("\n".join(lines))  # to the table's check, then the next question
    if missing and (pasted or ctx.sub(Table3Entry).flow == "paste"):
        lines.append(f"表三还缺{len(missing)}行：{'、'.join(missing[:8])}{'等' if len(missing) > 8 else ''}。"
                     f"请继续粘贴这些行，或发送“行名 + 数字”（例如：{example(ctx)}）。")
    return again("\n".join(lines))


def row_edit(ctx: Ctx, step: Step, text: str) -> Move | None:
    """'予以公开 1 0 0 0 0 0' (6 numbers, total computed, or 7 with the total) sets one row of 表三, the
    same way as a pasted table. None when the text is not such a line."""
    if "\n" in text.strip():
        return None
    read = read_line(ctx, text)
    if read is None:
        return None
    return _stored_rows(ctx, Rows(rows={read[0]: (read[1], read[2])}), pasted=False)


# ---- the check when the table is complete ---------------------------------------------------------


class TableCheck(Kind):
    """表三's rules as soon as it is complete; passes on by itself when they hold."""

    name = "table_check"
    needs = ("back_to",)

    def ask(self, ctx: Ctx, step: Step, header: str, preface: str) -> Move:
        report = ctx.report()
        blanks = [c.path for c in ctx.fmt.cells() if c.table == "table3" and report.cells[c.path] is None]
        findings = [f for f in validate(report, only=RULES) if any(c.startswith("table3.") for c in f.cells)]
        if not findings and not blanks:
            return advance((preface + "\n" if preface else "") + "表三检查通过 ✔（勾稽关系正确）。")
        lines = [head(header, preface) + f"表三有{len(findings)}处需要改正："]
        lines += [f"{i}. {f.message}" for i, f in enumerate(findings[:12], start=1)]
        if len(findings) > 12:
            lines.append(f"……另有{len(findings) - 12}处。")
        lines.append(f"请发送“行名 + 数字”改正，例如：{example(ctx)}（总计自动算出），或点“重新填写表三”。")
        ctx.say("\n".join(lines), [[ctx.button("重新填写表三", "redo")]])
        return STAY

    def answer(self, ctx: Ctx, step: Step, text: str) -> Move:
        raise AnswerError(f"请发送“行名 + 数字”改正表三中的某一行，例如：{example(ctx)}；或点“重新填写表三”。")

    def press(self, ctx: Ctx, step: Step, verb: str, arg: str) -> Move:
        return goto(step.back_to, "请重新选择表三的填写方式：") if verb == "redo" else STAY
