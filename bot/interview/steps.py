"""The kinds of step, one class each, and the functions the engine calls on the current step.

The interview definition says which kind a step is; `KINDS` maps each kind to its class.
"""

from __future__ import annotations

from decimal import Decimal

from bot.core.numbers import display
from bot.format.interview import KINDS as DEFINED_KINDS
from bot.format.interview import Script, ScriptError, Step
from bot.interview import confirm, parse, table3, unitsteps
from bot.interview.context import Ctx
from bot.interview.moves import STAY, Move, advance, again, back, goto
from bot.interview.narrative import Draft, Fee, OtherItemsKind
from bot.interview.parse import AnswerError
from bot.interview.show import check, findings_text, missing_text, parts_done
from bot.interview.stepkind import FillsTable, Kind, chosen, extras, head, option_rows, short


class Choice(Kind):
    name = "choice"
    needs = ("key", "options")

    def ask(self, ctx: Ctx, step: Step, header: str, preface: str) -> Move:
        ctx.say(head(header, preface) + step.prompt, option_rows(ctx, step) + [extras(ctx, step)])
        return STAY

    def answer(self, ctx: Ctx, step: Step, text: str) -> Move:
        return self.press(ctx, step, "opt", chosen(step, text))

    def applies(self, ctx: Ctx, step: Step) -> bool:
        answers = ctx.answers()
        if step.read_from:  # not asked when the answer it is read from states it (the unit's name, its level)
            return not answers.get(step.key) or answers.get(step.key) != parse.level_of(str(answers.get(step.read_from, "")))
        if step.ask_if:  # asked when another answer says so, or when chosen other than the default
            return step.ask_if.holds(answers) or answers.get(step.key) not in (None, step.default)
        return True

    def press(self, ctx: Ctx, step: Step, verb: str, arg: str) -> Move:
        if verb != "opt" or arg not in {o.value for o in step.options}:
            return STAY
        ctx.save({step.key: arg})
        if step.also_sets == "unit.level":  # the unit's own row keeps its level too
            unitsteps.set_level(ctx, arg)
        elif step.also_sets == "report.profile":
            record = ctx.record
            if record is not None:
                record.profile = arg
                ctx.store.save(record)
        label = next(o.label for o in step.options if o.value == arg)
        ctx.outcome.ack = f"已选择：{label}"
        return advance(f"已选择：{label}")


class TableMode(Choice):
    """All zero in one tap, or fill the table's questions one by one."""

    name = "table_mode"
    needs = ("table", "options")

    def applies(self, ctx: Ctx, step: Step) -> bool:
        return ctx.answers().get(f"meta.{step.table}_mode") != "zero"  # all zero already (the one tap for all three)

    def press(self, ctx: Ctx, step: Step, verb: str, arg: str) -> Move:
        if verb != "opt":
            return STAY
        if arg == "all_zero":  # 表二、表三、表四 in one tap: what most townships have
            tables = tuple(ctx.fmt.tables)
            zeros = {c.path: (Decimal("0") if c.kind == "money" else 0) for c in ctx.fmt.cells() if c.table in tables}
            meta = {f"meta.{t}_mode": "zero" for t in tables}
            done = f"{'、'.join(t.name for t in ctx.fmt.tables.values())}已全部填为0（共{len(zeros)}个格子）。"
            return confirm.offer(ctx, {**meta, **zeros}, what="“三张表都为0”", done=done)
        table = step.table
        if arg == "zero":
            zeros = {c.path: (Decimal("0") if c.kind == "money" else 0) for c in ctx.fmt.cells() if c.table == table}
            name = ctx.fmt.table(table).name
            return confirm.offer(ctx, {f"meta.{table}_mode": arg, **zeros}, what=f"“{name}全部为0”", done=f"{name}已全部填为0。")
        ctx.save({f"meta.{table}_mode": arg})
        # a row not asked of the unit's level is zero (a township makes no 规章)
        level = ctx.answers().get("unit.level", "township")
        skipped = [s for s in ctx.script.steps if s.part == step.part and level in s.skip_for_levels and s.row]
        if skipped:
            ctx.save({f"{table}.{s.row}.{c}": 0 for s in skipped for c in s.columns})
        return advance()


class Row(FillsTable):
    """A row of 表二: its columns' numbers in one message."""

    name = "row"
    needs = ("row", "columns")

    def ask(self, ctx: Ctx, step: Step, header: str, preface: str) -> Move:
        prompt = step.prompt
        prev = ctx.previous() if step.previous else None
        last = prev.cells.get(f"{step.table}.{step.row}.{step.previous}") if prev is not None else None
        if last is not None:
            prompt += "\n" + step.previous_note.format(previous=last)
        ctx.say(head(header, preface) + prompt, [extras(ctx, step)])
        return STAY

    def answer(self, ctx: Ctx, step: Step, text: str) -> Move:
        block = next(b for b in ctx.fmt.table2.blocks if any(r.key == step.row for r in b.rows))
        labels = [c.label for c in block.columns if c.key in step.columns]
        values, _ = parse.counts(text, len(step.columns), what="顺序：" + "、".join(labels))
        ctx.save({f"table2.{step.row}.{c}": v for c, v in zip(step.columns, values, strict=True)})
        label = next(r.label for r in ctx.fmt.table2.data_rows if r.key == step.row)
        kept = [ctx.answers()[f"table2.{step.row}.{c}"] for c in step.columns]
        named = "、".join(f"{lab.removesuffix('件数')}{v}件" for lab, v in zip(labels, kept, strict=True))
        return advance(f"已保存：{label} {' '.join(map(str, kept))}（{named}）。")


def row_label(ctx: Ctx, key: str) -> str:
    """The 表二 row a one-value key is: 'table2.LIC' → 行政许可."""
    return next((r.label for r in ctx.fmt.table2.data_rows if r.key == key.split(".")[1]), key)


class Values(FillsTable):
    name = "values"
    needs = ("keys",)

    def answer(self, ctx: Ctx, step: Step, text: str) -> Move:
        values, _ = parse.counts(text, len(step.keys))
        ctx.save(dict(zip(step.keys, values, strict=True)))
        return advance("已保存：" + "、".join(f"{row_label(ctx, k)}{ctx.answers()[k]}件" for k in step.keys) + "。")


class Money(FillsTable):
    name = "money"
    needs = ("key",)

    def answer(self, ctx: Ctx, step: Step, text: str) -> Move:
        ctx.save({step.key: parse.money(text)})
        return advance(f"已保存：{row_label(ctx, step.key)}{display(ctx.answers()[step.key])}万元。")


class Group4(FillsTable):
    """A row of 表四: four results, the total computed."""

    name = "group4"
    needs = ("row",)

    def ask(self, ctx: Ctx, step: Step, header: str, preface: str) -> Move:
        ctx.say(head(header, preface) + step.prompt, [[ctx.button("全为0", "zero")]])
        return STAY

    def answer(self, ctx: Ctx, step: Step, text: str) -> Move:
        parts = ctx.fmt.table4.part_columns
        values, total = parse.counts(text, len(parts), allow_total=True, what="顺序：" + "、".join(c.label for c in parts))
        table4_row(ctx, step.row, values, total)
        grid = ctx.fmt.table4
        stored = [ctx.answers()[f"table4.{step.row}.{c.key}"] for c in grid.columns]
        return advance(f"已保存：{' '.join(map(str, stored[:-1]))}，总计{stored[-1]}件。")

    def press(self, ctx: Ctx, step: Step, verb: str, arg: str) -> Move:
        return self.answer(ctx, step, "0") if verb == "zero" else STAY


def table4_row(ctx: Ctx, row: str, values: list[int], total: int | None) -> None:
    """Save a row of 表四 (its four results, the total computed); a stated total that disagrees with them is
    refused (AnswerError naming both), nothing saved. The chat's row and the web grid's row alike."""
    if total is not None and total != sum(values):
        raise AnswerError(f"总计应为 {'+'.join(map(str, values))} = {sum(values)}，您写的是{total}。请核对后重发（也可以只发四个数）。")
    grid = ctx.fmt.table4
    parts = [c.key for c in grid.columns if not c.sum_of]
    cells = {f"table4.{row}.{m}": v for m, v in zip(parts, values, strict=True)}
    cells.update({f"table4.{row}.{c.key}": sum(values) for c in grid.columns if c.sum_of})
    ctx.save(cells)


class Fact(Kind):
    """A fact behind a draft, in the clerk's words; may be skipped."""

    name = "fact"
    needs = ("key",)

    def applies(self, ctx: Ctx, step: Step) -> bool:
        """A fact behind a draft is not asked when last year's report has the section: its draft step offers
        last year's text, and a button to answer the questions after all."""
        if step.key.startswith("unit.") or ctx.answers().get(f"meta.{step.part}_facts"):
            return True
        draft = next((s for s in ctx.script.steps if s.part == step.part and s.kind == "draft"), None)
        prev = ctx.previous() if draft else None
        return not (prev is not None and draft is not None and prev.text.get(draft.key[5:], "").strip())

    def ask(self, ctx: Ctx, step: Step, header: str, preface: str) -> Move:
        current = ctx.answers().get(step.key)
        note = f"\n（已填写：{short(current)}；发新内容将替换，不变请点“保留”）" if current else ""
        buttons = extras(ctx, step, skip=not current) + ([ctx.button("保留", "keep")] if current else [])
        ctx.say(head(header, preface) + step.prompt + note, [buttons])
        return STAY

    def press(self, ctx: Ctx, step: Step, verb: str, arg: str) -> Move:
        if verb == "keep":
            return advance(f"已保留：{short(ctx.answers().get(step.key) or '')}")
        return STAY

    def answer(self, ctx: Ctx, step: Step, text: str) -> Move:
        if len(text) > 4000:
            raise AnswerError("这一项请控制在4000字以内。")
        ctx.save({step.key: text.strip()})
        return advance(f"已保存（共{len(text.strip())}字）。")

    def skip(self, ctx: Ctx, step: Step) -> Move:
        if ctx.answers().get(step.key):  # skipping what is filled keeps it: nothing is erased by a skip
            return self.press(ctx, step, "keep", "")
        ctx.save({step.key: ""})
        return advance("已跳过。")


class Phone(Kind):
    name = "phone"
    needs = ("key",)

    def answer(self, ctx: Ctx, step: Step, text: str) -> Move:
        ctx.save({step.key: parse.phone(text)})
        return advance("已保存。")


class Finish(Kind):
    """The whole check, and the document."""

    name = "finish"

    def ask(self, ctx: Ctx, step: Step, header: str, preface: str) -> Move:
        result = check(ctx)
        errors, warnings = result.blocking, result.warnings
        done = parts_done(ctx, result)
        todo = [p.title for p in ctx.script.parts if p.key not in done and p.key != "finish"]
        lines = [head(header, preface) + "全部" + result.line()]
        if todo:
            lines.append("尚未完成：" + "、".join(todo))
        if result.missing:
            lines.append(missing_text(result))
        if errors:
            lines.append(findings_text("生成文档前需要改正或填写：", errors, 15))
        if warnings:
            lines.append(findings_text("提醒（可以确认后生成）：", warnings, 10))
        buttons = [[ctx.button("生成Word文档", "docx"), ctx.button("查看表格", "preview")], [ctx.button("重新检查", "recheck")]]
        record = ctx.record
        if not errors and record is not None and record.status == "draft":
            buttons[1].append(ctx.button("提交审核", "submit"))
        ctx.say("\n".join(lines), buttons)
        return STAY

    def answer(self, ctx: Ctx, step: Step, text: str) -> Move:
        raise AnswerError("请点下面的按钮，或发送 /menu 选择要修改的部分。")

    def press(self, ctx: Ctx, step: Step, verb: str, arg: str) -> Move:
        return again() if verb == "recheck" else STAY


KINDS: dict[str, Kind] = {
    k.name: k
    for k in (
        unitsteps.UnitName(), unitsteps.Region(), unitsteps.Year(), Choice(), TableMode(), Row(), Values(), Money(), Group4(), Fact(), Phone(),
        Finish(), table3.Table3Mode(), table3.TableCheck(), Draft(), Fee(), OtherItemsKind(),
    )
}
assert set(KINDS) == DEFINED_KINDS, set(KINDS) ^ DEFINED_KINDS


def check_script(script: Script) -> None:
    """Each step has what its kind needs (ScriptError naming the file, the step and the problem)."""
    for step in script.steps:
        problems = KINDS[step.kind].problems(step)
        if problems:
            raise ScriptError(script.path, f"step {step.id}", "; ".join(problems))


# ---- what the engine calls on the current step ----------------------------------------------------


def applies(ctx: Ctx, step: Step) -> bool:
    if ctx.answers().get("unit.level", "township") in step.skip_for_levels:
        return False
    return KINDS[step.kind].applies(ctx, step)


def ask(ctx: Ctx, step: Step, header: str, preface: str) -> Move:
    return KINDS[step.kind].ask(ctx, step, header, preface)


def answer(ctx: Ctx, step: Step, text: str) -> Move:
    """A typed answer to the current step. Invalid answers change nothing and say what to send."""
    try:
        if step.kind != "unit_name" and not ctx.conv.report_id:
            return goto("unit_name", "请先填写单位名称。")
        if step.part == "table3":
            edited = table3.row_edit(ctx, step, text)
            if edited is not None:
                return edited
        return KINDS[step.kind].answer(ctx, step, text)
    except AnswerError as exc:
        ctx.say(f"{exc}\n（这一项尚未保存，请重新发送。）")
        return STAY


def press(ctx: Ctx, step: Step, verb: str, arg: str) -> Move:
    """A button of the current prompt."""
    try:
        if verb == "skip":
            return KINDS[step.kind].skip(ctx, step)
        return KINDS[step.kind].press(ctx, step, verb, arg)
    except AnswerError as exc:
        ctx.say(str(exc))
        return STAY


def skip(ctx: Ctx, step: Step) -> Move:
    return KINDS[step.kind].skip(ctx, step)


def step_back(ctx: Ctx) -> Move:
    """/back: the previous follow-up question of the current step, else the step before."""
    step = ctx.step()
    inner = KINDS[step.kind].back(ctx, step) if step else None
    return inner or back()
