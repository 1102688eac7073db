"""The kinds of step, one class each, and the functions the engine calls on the current step.

The interview definition says which kind a step is; `KINDS` maps each kind to its class.
"""

from __future__ import annotations

from decimal import Decimal

from bot.interview import confirm, parse, table3
from bot.interview.context import Ctx
from bot.interview.moves import STAY, Move, advance, again, goto
from bot.interview.narrative import Draft, Fee, OtherItemsKind
from bot.interview.parse import AnswerError
from bot.interview.show import deadline_of, findings_text, parts_done
from bot.interview.stepkind import FillsTable, Kind, chosen, extras, head, option_rows, short
from bot.interviewdef import KINDS as DEFINED_KINDS
from bot.interviewdef import Script, ScriptError, Step
from bot.progress import default_year
from bot.validate import validate


class UnitName(Kind):
    name = "unit_name"
    needs = ("key",)

    def answer(self, ctx: Ctx, step: Step, text: str) -> Move:
        set_unit_name(ctx, parse.unit_name(text))
        return advance()


class Region(Kind):
    name = "region"
    needs = ("keys",)

    def answer(self, ctx: Ctx, step: Step, text: str) -> Move:
        province, city, county = parse.region(text)
        ctx.save(dict(zip(step.keys, (province, city, county), strict=True)))
        unit = ctx.unit()
        if unit is not None and unit.county_id is None:  # a lone unit: the county it names is how a county's date reaches it
            unit.province, unit.city, unit.county = province, city, county
            ctx.store.save(unit)
        return advance()


class Year(Kind):
    name = "year"

    def ask(self, ctx: Ctx, step: Step, header: str, preface: str) -> Move:
        y = default_year(ctx.engine.today())
        ctx.say(head(header, preface) + step.prompt, [[ctx.button(f"{y}年度", f"opt:{y}"), ctx.button(f"{y - 1}年度", f"opt:{y - 1}")], extras(ctx, step)])
        return STAY

    def answer(self, ctx: Ctx, step: Step, text: str) -> Move:
        return set_year(ctx, parse.year(text, ctx.fmt.first_year, ctx.engine.today().year))

    def press(self, ctx: Ctx, step: Step, verb: str, arg: str) -> Move:
        return set_year(ctx, int(arg)) if verb == "opt" else STAY


class Choice(Kind):
    name = "choice"
    needs = ("key", "options")

    def ask(self, ctx: Ctx, step: Step, header: str, preface: str) -> Move:
        ctx.say(head(header, preface) + step.prompt, option_rows(ctx, step) + [extras(ctx, step)])
        return STAY

    def answer(self, ctx: Ctx, step: Step, text: str) -> Move:
        return self.press(ctx, step, "opt", chosen(step, text))

    def press(self, ctx: Ctx, step: Step, verb: str, arg: str) -> Move:
        if verb != "opt" or arg not in {o.value for o in step.options}:
            return STAY
        ctx.save({step.key: arg})
        if step.key == "unit.level":  # the unit's own row keeps its level too
            unit = ctx.unit()
            if unit is not None:
                unit.level = arg
                ctx.store.save(unit)
        elif step.key == "meta.profile":
            record = ctx.record
            if record is not None:
                record.profile = arg
                ctx.store.save(record)
        ctx.outcome.ack = "已选择"
        return advance()


class TableMode(Choice):
    """All zero in one tap, or fill the table's questions one by one."""

    name = "table_mode"
    needs = ("table", "options")

    def press(self, ctx: Ctx, step: Step, verb: str, arg: str) -> Move:
        if verb != "opt":
            return STAY
        table = step.table
        if arg == "zero":
            zeros = {c.path: (Decimal("0") if c.kind == "money" else 0) for c in ctx.fmt.cells() if c.table == table}
            name = ctx.fmt.table(table).name
            return confirm.offer(ctx, {f"meta.{table}_mode": arg, **zeros}, what=f"“{name}全部为0”", done=f"{name}已全部填为0。")
        ctx.save({f"meta.{table}_mode": arg})
        if table == "table2" and ctx.answers().get("unit.level", "township") == "township":
            # a township makes no 规章: the question is skipped, its row is zero
            skipped = [s for s in ctx.script.steps if s.part == table and "township" in s.skip_for_levels and s.row]
            ctx.save({f"{table}.{s.row}.{c}": 0 for s in skipped for c in s.columns})
        return advance()


class Row(FillsTable):
    """A row of 表二: its columns' numbers in one message."""

    name = "row"
    needs = ("row", "columns")

    def ask(self, ctx: Ctx, step: Step, header: str, preface: str) -> Move:
        prompt = step.prompt
        prev = ctx.previous()
        if prev is not None and step.row == "NORM" and prev.cells.get("table2.NORM.valid") is not None:
            prompt += f"\n（上年报告现行有效{prev.cells['table2.NORM.valid']}件，本年现行有效 = 上年现行有效 + 本年制发 − 本年废止）"
        ctx.say(head(header, preface) + prompt, [extras(ctx, step)])
        return STAY

    def answer(self, ctx: Ctx, step: Step, text: str) -> Move:
        block = next(b for b in ctx.fmt.table2.blocks if any(r.key == step.row for r in b.rows))
        labels = [c.label for c in block.columns if c.key in step.columns]
        values, _ = parse.counts(text, len(step.columns), what="顺序：" + "、".join(labels))
        ctx.save({f"table2.{step.row}.{c}": v for c, v in zip(step.columns, values, strict=True)})
        label = next(r.label for r in ctx.fmt.table2.data_rows if r.key == step.row)
        return advance(f"已保存：{label} {' '.join(map(str, values))}")


class Values(FillsTable):
    name = "values"
    needs = ("keys",)

    def answer(self, ctx: Ctx, step: Step, text: str) -> Move:
        values, _ = parse.counts(text, len(step.keys))
        ctx.save(dict(zip(step.keys, values, strict=True)))
        return advance("已保存。")


class Money(FillsTable):
    name = "money"
    needs = ("key",)

    def answer(self, ctx: Ctx, step: Step, text: str) -> Move:
        ctx.save({step.key: parse.money(text)})
        return advance("已保存。")


class Group4(FillsTable):
    """A row of 表四: four results, the total computed."""

    name = "group4"
    needs = ("row",)

    def ask(self, ctx: Ctx, step: Step, header: str, preface: str) -> Move:
        ctx.say(head(header, preface) + step.prompt, [[ctx.button("全为0", "zero")]])
        return STAY

    def answer(self, ctx: Ctx, step: Step, text: str) -> Move:
        values, total = parse.counts(text, 4, allow_total=True, what="顺序：结果维持、结果纠正、其他结果、尚未审结")
        if total is not None and total != sum(values):
            raise AnswerError(f"总计应为 {'+'.join(map(str, values))} = {sum(values)}，您写的是{total}。请核对后重发（也可以只发四个数）。")
        grid = ctx.fmt.table4
        parts = [c.key for c in grid.columns if not c.sum_of]
        cells = {f"table4.{step.row}.{m}": v for m, v in zip(parts, values, strict=True)}
        cells.update({f"table4.{step.row}.{c.key}": sum(values) for c in grid.columns if c.sum_of})
        ctx.save(cells)
        return advance(f"已保存，总计{sum(values)}件。")

    def press(self, ctx: Ctx, step: Step, verb: str, arg: str) -> Move:
        return self.answer(ctx, step, "0") if verb == "zero" else STAY


class Fact(Kind):
    """A fact behind a draft, in the clerk's words; may be skipped."""

    name = "fact"
    needs = ("key",)

    def ask(self, ctx: Ctx, step: Step, header: str, preface: str) -> Move:
        current = ctx.answers().get(step.key)
        note = f"\n（已填写：{short(current)}；发新内容将替换）" if current else ""
        ctx.say(head(header, preface) + step.prompt + note, [extras(ctx, step, skip=True)])
        return STAY

    def answer(self, ctx: Ctx, step: Step, text: str) -> Move:
        if len(text) > 4000:
            raise AnswerError("这一项请控制在4000字以内。")
        ctx.save({step.key: text.strip()})
        return advance(f"已保存（共{len(text.strip())}字）。")

    def skip(self, ctx: Ctx, step: Step) -> Move:
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
        report = ctx.report()
        findings = validate(report, ctx.previous(), today=ctx.engine.today(), deadline=deadline_of(report))
        errors = [f for f in findings if f.level == "error"]
        warnings = [f for f in findings if f.level == "warning"]
        done = parts_done(ctx)
        todo = [p.title for p in ctx.script.parts if p.key not in done and p.key != "finish"]
        lines = [head(header, preface) + f"全部检查：{len(errors)}个错误、{len(warnings)}个提醒。"]
        if todo:
            lines.append("尚未完成：" + "、".join(todo))
        if errors:
            lines.append(findings_text("需要改正的错误：", errors, 15))
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
        UnitName(), Region(), Year(), Choice(), TableMode(), Row(), Values(), Money(), Group4(), Fact(), Phone(),
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


# ---- unit, year ---------------------------------------------------------------------------------


def set_unit_name(ctx: Ctx, name: str) -> None:
    """The first answer: creates the unit (owned by this person) and this year's report."""
    record = ctx.record
    if record is None:
        unit = ctx.store.create_unit(ctx.user, name)
        record = ctx.store.report_for(unit.id, default_year(ctx.engine.today()))  # type: ignore[arg-type]
        assert record is not None
        ctx.conv.report_id = record.id
        ctx.reset_answers()
    else:
        unit = ctx.store.unit(record.unit_id)  # type: ignore[assignment]
        assert unit is not None
        unit.name = name
        ctx.store.save(unit)
    ctx.save({"unit.name": name})


def set_year(ctx: Ctx, year: int) -> Move:
    """Switch to the unit's report of that year (created when new), keeping what was answered."""
    record = ctx.record
    assert record is not None
    if record.year != year:
        other = ctx.store.report_for(record.unit_id, year, create=False)
        if other is not None:
            ctx.conv.report_id = other.id
            ctx.reset_answers()
        else:
            record.year = year
            ctx.store.save(record)
    province = ctx.answers().get("unit.province", "")
    preface = f"已选择{year}年度。"
    if province.startswith("山东"):
        preface += "山东省的报告第六部分一般按七项填写，下面请确认。"
    return advance(preface)
