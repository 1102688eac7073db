"""Filling 表三 fast: all zero in one tap, applications one by one, a row per message, a pasted table.

Whatever way the numbers come in, the totals (总计 column, （七）总计 row) are computed where the
clerk did not give them, and the table's rules run as soon as it is complete.
"""

from __future__ import annotations

import re
from typing import Any

from bot.formatdef import Row, strip_ordinal
from bot.importer.cells import norm_label, rows_from_lines
from bot.importer.tables import grid3_matcher, parse_grid3
from bot.interview import confirm, parse
from bot.interview.context import Ctx
from bot.interview.moves import STAY, Move, advance, again, goto
from bot.interview.parse import AnswerError
from bot.interview.state import Table3Entry
from bot.interview.stepkind import Kind, chosen, head
from bot.interviewdef import Step
from bot.validate import validate

APPLICANTS = [("NP", "自然人"), ("BIZ", "商业企业"), ("RES", "科研机构"), ("NGO", "社会公益组织"), ("LAW", "法律服务机构"), ("OTHORG", "其他组织")]
RESULT_GROUPS = [
    ("OPEN", "予以公开", ["OPEN"]),
    ("PART", "部分公开", ["PART"]),
    ("DEN", "不予公开", [f"DEN{i}" for i in range(1, 9)]),
    ("UNA", "无法提供", ["UNA1", "UNA2", "UNA3"]),
    ("NOP", "不予处理", [f"NOP{i}" for i in range(1, 6)]),
    ("OTH", "其他处理", ["OTH1", "OTH2", "OTH3"]),
    ("FWD", "尚未办结（结转下年度）", ["FWD"]),
]
RULES = ["E-T3-COLSUM", "E-T3-TOTAL", "E-T3-BALANCE", "E-BLANK"]


def entry_rows(ctx: Ctx) -> list[Row]:
    """The rows a clerk fills: every data row except the computed （七）总计."""
    grid = ctx.fmt.table3
    total = grid.total_row()
    return [r for r in grid.data_rows if r is not total]


def parts_cols(ctx: Ctx) -> list[str]:
    return [c.key for c in ctx.fmt.table3.columns if not c.sum_of]


def write(ctx: Ctx, cells: dict[str, Any], compute: bool = True) -> None:
    """Store table-三 cells; then fill each total whose parts are all known (unless the clerk gave it)."""
    ctx.save(cells)
    if not compute:
        return
    grid = ctx.fmt.table3
    answers = ctx.answers()
    totals: dict[str, int | None] = {}
    given = set(cells)
    for row in grid.row_keys:
        parts = [answers.get(f"table3.{row}.{c}") for c in parts_cols(ctx)]
        path = f"table3.{row}.SUM"
        if None not in parts and path not in given:
            totals[path] = sum(parts)  # type: ignore[arg-type]
    total_row = grid.total_row()
    assert total_row is not None
    for col in grid.col_keys:
        leaves = [answers.get(f"table3.{r}.{col}", None) if f"table3.{r}.{col}" not in totals else totals[f"table3.{r}.{col}"] for r in grid.leaves()]
        path = f"table3.{total_row.key}.{col}"
        if None not in leaves and path not in given:
            totals[path] = sum(leaves)  # type: ignore[arg-type]
    if totals:
        ctx.save(totals)


# ---- the menu -------------------------------------------------------------------------------------


class Table3Mode(Kind):
    """How 表三 is filled: all zero, application by application, a row per message, or pasted."""

    name = "t3_mode"
    needs = ("options",)

    def ask(self, ctx: Ctx, step: Step, header: str, preface: str) -> Move:
        flow = ctx.sub(Table3Entry).flow
        if flow == "apps":
            ask_app(ctx)
        elif flow == "rows":
            ask_row(ctx)
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
    cells = {c.path: 0 for c in ctx.fmt.cells() if c.table == "table3"}
    for app in ctx.store.applications(ctx.conv.report_id):
        for row in (app.arrival, app.result):
            cells[f"table3.{row}.{app.applicant}"] += 1
            cells[f"table3.{row}.SUM"] += 1
        if app.result != "FWD":
            cells[f"table3.TOTAL.{app.applicant}"] += 1
            cells["table3.TOTAL.SUM"] += 1
    ctx.save(cells)


def _apps_summary(ctx: Ctx) -> str:
    apps = ctx.store.applications(ctx.conv.report_id)  # type: ignore[arg-type]
    if not apps:
        return "还没有录入申请。"
    new = sum(1 for a in apps if a.arrival == "NEW")
    done = sum(1 for a in apps if a.result != "FWD")
    return f"已录入{len(apps)}件（本年新收{new}件、上年结转{len(apps) - new}件；已办结{done}件、结转下年度{len(apps) - done}件）。"


def ask_app(ctx: Ctx) -> None:
    sub = ctx.sub(Table3Entry)
    n = len(ctx.store.applications(ctx.conv.report_id)) + 1  # type: ignore[arg-type]
    if sub.stage == "applicant":
        buttons = [[ctx.button(label, f"who:{key}") for key, label in APPLICANTS[i : i + 3]] for i in (0, 3)]
        buttons.append([ctx.button("录完了", "apps_done"), ctx.button("撤销上一件", "undo")])
        ctx.say(f"{_apps_summary(ctx)}\n第{n}件申请：申请人是？", buttons)
    elif sub.stage == "arrival":
        ctx.say(f"第{n}件：这件申请是本年新收的，还是上年结转的？",
                [[ctx.button("本年新收", "when:NEW"), ctx.button("上年结转", "when:CARRY")]])
    elif sub.stage == "result":
        buttons = [[ctx.button(label, f"res:{key}")] for key, label, _ in RESULT_GROUPS]
        ctx.say(f"第{n}件：办理结果是？（截至12月31日未办结的选最后一项）", buttons)
    elif sub.stage == "detail":
        group = next(g for g in RESULT_GROUPS if g[0] == sub.group)
        grid = ctx.fmt.table3
        buttons = [[ctx.button(strip_ordinal(grid.row(key).label)[:30], f"item:{key}")] for key in group[2]]
        ctx.say(f"第{n}件：{group[1]}的具体情形是？", buttons)


def press_app(ctx: Ctx, sub: Table3Entry, verb: str, arg: str) -> Move:
    if verb == "who" and arg in dict(APPLICANTS):
        sub.stage, sub.who = "arrival", arg
    elif verb == "when" and arg in ("NEW", "CARRY") and sub.who:
        sub.stage, sub.when = "result", arg
    elif verb == "res" and sub.when:
        group = next((g for g in RESULT_GROUPS if g[0] == arg), None)
        if group is None:
            return STAY
        if len(group[2]) == 1:
            _add_application(ctx, sub, group[2][0])
        else:
            sub.stage, sub.group = "detail", arg
    elif verb == "item" and sub.group:
        group = next(g for g in RESULT_GROUPS if g[0] == sub.group)
        if arg in group[2]:
            _add_application(ctx, sub, arg)
    elif verb == "undo":
        apps = ctx.store.applications(ctx.conv.report_id)  # type: ignore[arg-type]
        if apps:
            ctx.store.delete_application(apps[-1])
            _rebuild_from_applications(ctx)
            ctx.say("已撤销上一件。")
        sub.stage = "applicant"
    elif verb == "apps_done":
        _rebuild_from_applications(ctx)
        return advance(_apps_summary(ctx) + "表三已按录入的申请自动生成。")
    else:
        return STAY
    return again()


def _add_application(ctx: Ctx, sub: Table3Entry, result: str) -> None:
    ctx.store.add_application(ctx.conv.report_id, sub.who, sub.when, result, ctx.user)  # type: ignore[arg-type]
    _rebuild_from_applications(ctx)
    who = dict(APPLICANTS)[sub.who]
    when = "本年新收" if sub.when == "NEW" else "上年结转"
    what = "结转下年度" if result == "FWD" else strip_ordinal(ctx.fmt.table3.row(result).label)
    ctx.say(f"已保存：{who}·{when}·{what}。")
    sub.who = sub.when = sub.group = ""
    sub.stage = "applicant"


# ---- a row per message ----------------------------------------------------------------------------


def ask_row(ctx: Ctx) -> None:
    rows = entry_rows(ctx)
    i = ctx.sub(Table3Entry).i
    row = rows[i]
    labels = "、".join(label for _, label in APPLICANTS)
    ctx.say(
        f"表三第{i + 1}/{len(rows)}行“{row.label}”：\n请发6个数（{labels}），总计自动算出；本行没有请发 0。",
        [[ctx.button("本行全为0", "row_zero"), ctx.button("其余各行全为0", "rest_zero")]],
    )


def _next_row(ctx: Ctx, saved: str) -> Move:
    sub = ctx.sub(Table3Entry)
    sub.i += 1
    if sub.i >= len(entry_rows(ctx)):
        return advance(saved)
    return again(saved)


def answer_row(ctx: Ctx, text: str) -> Move:
    row = entry_rows(ctx)[ctx.sub(Table3Entry).i]
    values, total = parse.counts(text, 6, allow_total=True, what="顺序：" + "、".join(label for _, label in APPLICANTS))
    if total is not None and total != sum(values):
        raise AnswerError(f"总计应为{sum(values)}，您写的是{total}。请核对后重发，也可以只发6个数。")
    write(ctx, {f"table3.{row.key}.{c}": v for c, v in zip(parts_cols(ctx), values, strict=True)})
    return _next_row(ctx, f"已保存“{row.name}”：{' '.join(map(str, values))}，总计{sum(values)}。")


def press_row(ctx: Ctx, sub: Table3Entry, verb: str) -> Move:
    rows = entry_rows(ctx)
    i = sub.i
    if verb == "row_zero":
        write(ctx, {f"table3.{rows[i].key}.{c}": 0 for c in parts_cols(ctx)})
        return _next_row(ctx, f"“{rows[i].name}”已填为0。")
    if verb == "rest_zero":
        cells = {f"table3.{r.key}.{c}": 0 for r in rows[i:] for c in parts_cols(ctx)}
        write(ctx, cells)
        return advance("其余各行已填为0。")
    return STAY


# ---- a pasted table, and “行名 + 数字” anywhere in 表三 --------------------------------------------


def answer_paste(ctx: Ctx, text: str) -> Move:
    result = parse_grid3(rows_from_lines(text.replace("\r", "").split("\n")), ctx.fmt)
    read = {p: v for p, v in result.values.items() if v is not None}
    if not read:
        raise AnswerError("没有从粘贴的内容中认出表三的任何一行。请从Word/WPS中复制整张表再粘贴，或发送“行名 + 数字”。")
    write(ctx, read, compute=False)
    read_rows = {p.split(".")[1] for p in read}
    missing = [r.name for r in ctx.fmt.table3.data_rows if r.key not in read_rows]
    problems = [p for p in result.problems if p.kind in ("not_integer", "blank") and p.raw]
    notes = [f"有{len(problems)}个格子不是整数或为空（如“{problems[0].raw}”），未保存。"] if problems else []
    if missing:
        ctx.say(
            f"已读取并保存{len(read_rows)}行。" + "".join(notes)
            + f"\n还缺：{'、'.join(missing[:8])}{'等' if len(missing) > 8 else ''}{len(missing)}行。"
            "请继续粘贴这些行，或发送“行名 + 数字”（例如：予以公开 1 0 0 0 0 0 1）。"
        )
        return STAY
    return advance(f"已读取整张表三（{len(read_rows)}行）。" + "".join(notes))


ROW_EDIT = re.compile(r"^(?P<label>.*?\S)\s+(?P<numbers>[\d０-９零〇一二两三四五六七八九十][\d０-９零〇一二两三四五六七八九十\s,，、]*)$")


def row_edit(ctx: Ctx, step: Step, text: str) -> Move | None:
    """'予以公开 1 0 0 0 0 0' (6 numbers, total computed, or 7 with the total) sets one row of 表三.
    None when the text is not such an edit."""
    m = ROW_EDIT.match(text.strip())
    if not m or "\n" in text.strip():
        return None
    grid = ctx.fmt.table3
    key, _ = grid3_matcher(ctx.fmt).match(m.group("label"), set())
    if key is None:
        key = {norm_label(r.name): r.key for r in grid.data_rows}.get(norm_label(m.group("label")))
    if key is None:
        return None
    values, total = parse.counts(m.group("numbers"), 6, allow_total=True)
    cells: dict[str, int | None] = {f"table3.{key}.{c}": v for c, v in zip(parts_cols(ctx), values, strict=True)}
    if total is not None:
        cells[f"table3.{key}.SUM"] = total
    write(ctx, cells)
    note = f"已修改“{grid.row(key).name}”：{' '.join(map(str, values))}，总计{total if total is not None else sum(values)}。"
    if step.kind == "table_check":
        return again(note)
    ctx.say(note)
    return STAY


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
        lines.append("请发送“行名 + 数字”改正，例如：予以公开 1 0 0 0 0 0（总计自动算出），或点“重新填写表三”。")
        ctx.say("\n".join(lines), [[ctx.button("重新填写表三", "redo")]])
        return STAY

    def answer(self, ctx: Ctx, step: Step, text: str) -> Move:
        raise AnswerError("请发送“行名 + 数字”改正表三中的某一行，例如：予以公开 1 0 0 0 0 0；或点“重新填写表三”。")

    def press(self, ctx: Ctx, step: Step, verb: str, arg: str) -> Move:
        return goto(step.back_to, "请重新选择表三的填写方式：") if verb == "redo" else STAY
