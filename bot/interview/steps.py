"""How each kind of step is asked and answered. The interview definition says which kind a step is."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from bot.interview import drafts, parse, table3
from bot.interview.parse import AnswerError
from bot.interview.progress import default_year
from bot.interview.script import Step
from bot.interview.types import Button

if TYPE_CHECKING:
    from bot.interview.engine import Ctx

MAX_TEXT = 20000


# ---- which steps apply ---------------------------------------------------------------------------


def applies(ctx: "Ctx", step: Step) -> bool:
    answers = ctx.answers()
    level = answers.get("unit.level", "township")
    if level in step.skip_for_levels:
        return False
    if step.kind in ("row", "values", "money") and step.id.startswith("t2_"):
        return answers.get("meta.table2_mode") != "zero"
    if step.kind == "group4":
        return answers.get("meta.table4_mode") != "zero"
    return True


# ---- asking ---------------------------------------------------------------------------------------


def _option_rows(ctx: "Ctx", step: Step) -> list[list[Button]]:
    rows = [[ctx.button(o.label, f"opt:{o.value}")] for o in step.options]
    if len(step.options) == 2:
        rows = [[ctx.button(o.label, f"opt:{o.value}") for o in step.options]]
    return rows


def _extras(ctx: "Ctx", step: Step, skip: bool = False) -> list[Button]:
    row = []
    if step.help:
        row.append(ctx.button("说明", "help"))
    if skip:
        row.append(ctx.button("跳过", "skip"))
    return row


def ask(ctx: "Ctx", step: Step, header: str, preface: str) -> None:
    head = (preface + "\n" if preface else "") + header + "\n"
    kind = step.kind
    if kind in ("choice", "table_mode"):
        ctx.say(head + step.prompt, _option_rows(ctx, step) + [_extras(ctx, step)])
    elif kind == "year":
        y = default_year(ctx.engine.today())
        ctx.say(head + step.prompt, [[ctx.button(f"{y}年度", f"opt:{y}"), ctx.button(f"{y - 1}年度", f"opt:{y - 1}")], _extras(ctx, step)])
    elif kind == "fact":
        current = ctx.answers().get(step.key)
        note = f"\n（已填写：{_short(current)}；发新内容将替换）" if current else ""
        ctx.say(head + step.prompt + note, [_extras(ctx, step, skip=True)])
    elif kind in ("unit_name", "region", "phone", "money", "values"):
        ctx.say(head + step.prompt, [_extras(ctx, step)] if step.help else [])
    elif kind == "row":
        prompt = step.prompt
        prev = ctx.previous()
        if prev is not None and step.row == "NORM" and prev.cells.get("table2.NORM.valid") is not None:
            prompt += f"\n（上年报告现行有效{prev.cells['table2.NORM.valid']}件，本年现行有效 = 上年现行有效 + 本年制发 − 本年废止）"
        ctx.say(head + prompt, [_extras(ctx, step)])
    elif kind == "group4":
        ctx.say(head + step.prompt, [[ctx.button("全为0", "zero")]])
    elif kind == "t3_mode":
        table3.ask_mode(ctx, step, head)
    elif kind == "table_check":
        table3.ask_check(ctx, step, header, preface)
    elif kind == "draft":
        ask_draft(ctx, step, head)
    elif kind == "fee":
        ctx.say(head + step.prompt, _option_rows(ctx, step) + [_extras(ctx, step)])
    elif kind == "other_items":
        ask_other_item(ctx, step, head)
    elif kind == "finish":
        ask_finish(ctx, head)
    else:  # pragma: no cover - the definition test checks every kind
        raise KeyError(kind)


def _short(value: Any, n: int = 40) -> str:
    text = str(value)
    return text if len(text) <= n else text[:n] + "……"


# ---- answering ------------------------------------------------------------------------------------


def answer(ctx: "Ctx", step: Step, text: str) -> None:
    """A typed answer to the current step. Invalid answers change nothing and say what to send."""
    try:
        _answer(ctx, step, text)
    except AnswerError as exc:
        ctx.say(f"{exc}\n（这一项尚未保存，请重新发送。）")


def _answer(ctx: "Ctx", step: Step, text: str) -> None:
    engine = ctx.engine
    kind = step.kind
    if kind != "unit_name" and not ctx.conv.report_id:
        engine.ask(ctx, "unit_name", "请先填写单位名称。")
        return
    if step.part == "table3" and table3.row_edit(ctx, text):
        return
    if kind == "unit_name":
        set_unit_name(ctx, parse.unit_name(text))
        engine.advance(ctx)
    elif kind == "region":
        province, city, county = parse.region(text)
        ctx.save({"unit.province": province, "unit.city": city, "unit.county": county})
        engine.advance(ctx)
    elif kind == "year":
        this = engine.today()
        set_year(ctx, parse.year(text, ctx.fmt.first_year, this.year))
    elif kind in ("choice", "table_mode", "fee"):
        if kind == "fee" and answer_fee_detail(ctx, step, text):
            return
        match = [o for o in step.options if o.label == text.strip() or o.value == text.strip()]
        if not match:
            raise AnswerError("请点下面的按钮选择。")
        press(ctx, step, "opt", match[0].value)
    elif kind == "row":
        values, _ = parse.counts(text, len(step.columns), what="顺序：" + "、".join(_col_labels(ctx, step)))
        ctx.save({f"table2.{step.row}.{c}": v for c, v in zip(step.columns, values)})
        engine.advance(ctx, f"已保存：{step_label(ctx, step)} {' '.join(map(str, values))}")
    elif kind == "values":
        values, _ = parse.counts(text, len(step.keys))
        ctx.save(dict(zip(step.keys, values)))
        engine.advance(ctx, "已保存。")
    elif kind == "money":
        ctx.save({step.key: parse.money(text)})
        engine.advance(ctx, "已保存。")
    elif kind == "group4":
        save_group4(ctx, step, text)
    elif kind == "fact":
        if len(text) > 4000:
            raise AnswerError("这一项请控制在4000字以内。")
        ctx.save({step.key: text.strip()})
        engine.advance(ctx, "已保存。")
    elif kind == "phone":
        ctx.save({step.key: parse.phone(text)})
        engine.advance(ctx, "已保存。")
    elif kind == "t3_mode":
        table3.answer_mode(ctx, step, text)
    elif kind == "table_check":
        raise AnswerError("请发送“行名 + 数字”改正表三中的某一行，例如：予以公开 1 0 0 0 0 0；或点“重新填写表三”。")
    elif kind == "draft":
        answer_draft(ctx, step, text)
    elif kind == "other_items":
        answer_other_item(ctx, step, text)
    elif kind == "finish":
        raise AnswerError("请点下面的按钮，或发送 /menu 选择要修改的部分。")


def press(ctx: "Ctx", step: Step, verb: str, arg: str) -> None:
    """A button of the current prompt."""
    try:
        _press(ctx, step, verb, arg)
    except AnswerError as exc:
        ctx.say(str(exc))


def _press(ctx: "Ctx", step: Step, verb: str, arg: str) -> None:
    engine = ctx.engine
    if verb == "skip":
        skip(ctx, step)
        return
    if step.kind == "choice" and verb == "opt":
        if arg not in {o.value for o in step.options}:
            return
        if step.key == "unit.level":
            ctx.save({"unit.level": arg})
            record = ctx.record
            unit = ctx.store.unit(record.unit_id) if record else None
            if unit is not None:
                unit.level = arg
                ctx.store.save(unit)
        elif step.key == "meta.profile":
            record = ctx.record
            if record is not None:
                record.profile = arg
                ctx.store.save(record)
            ctx.save({"meta.profile": arg})
        else:
            ctx.save({step.key: arg})
        ctx.outcome.ack = "已选择"
        engine.advance(ctx)
    elif step.kind == "year" and verb == "opt":
        set_year(ctx, int(arg))
    elif step.kind == "table_mode" and verb == "opt":
        table = step.table
        ctx.save({f"meta.{table}_mode": arg})
        if arg == "zero":
            ctx.save({c.path: (Decimal("0") if c.kind == "money" else 0) for c in ctx.fmt.cells() if c.table == table})
            engine.advance(ctx, f"{ctx.fmt.table(table).name}已全部填为0。")
        else:
            if table == "table2" and ctx.answers().get("unit.level", "township") == "township":
                ctx.save({f"table2.REG.{c}": 0 for c in ("made", "repealed", "valid")})
            engine.advance(ctx)
    elif step.kind == "group4" and verb == "zero":
        save_group4(ctx, step, "0")
    elif step.kind == "t3_mode" or step.kind == "table_check":
        table3.press(ctx, step, verb, arg)
    elif step.kind == "draft":
        press_draft(ctx, step, verb)
    elif step.kind == "fee" and verb == "opt":
        if arg == "no":
            ctx.save({"fee.cases": 0, "fee.amount_yuan": 0, "info_fee": {"cases": 0, "amount_yuan": 0}})
            engine.advance(ctx, "已记录：本年度未收取信息处理费。")
        else:
            ctx.state["sub"] = {"fee": "cases"}
            ctx.say("收取了几件申请的信息处理费？请发一个数。")
    elif step.kind == "other_items" and verb in ("none", "opt"):
        answer_other_item(ctx, step, "无。" if verb == "none" else arg)
    elif step.kind == "finish" and verb == "recheck":
        engine.prompt(ctx)


def skip(ctx: "Ctx", step: Step | None) -> None:
    if step is None:
        return
    if step.kind == "fact":
        ctx.save({step.key: ""})
        ctx.engine.advance(ctx, "已跳过。")
    elif step.kind == "other_items":
        answer_other_item(ctx, step, "无。")
    else:
        ctx.say("这一项不能跳过。如无此类情况请填0或点相应的按钮。")


# ---- unit, year ---------------------------------------------------------------------------------


def set_unit_name(ctx: "Ctx", name: str) -> None:
    """The first answer: creates the unit (owned by this person) and this year's report."""

    record = ctx.record
    if record is None:
        unit = ctx.store.create_unit(ctx.user, name)
        record = ctx.store.report_for(unit.id, default_year(ctx.engine.today()))  # type: ignore[arg-type]
        assert record is not None
        ctx.conv.report_id = record.id
        ctx._answers = None
    else:
        unit = ctx.store.unit(record.unit_id)
        assert unit is not None
        unit.name = name
        ctx.store.save(unit)
    ctx.save({"unit.name": name})


def set_year(ctx: "Ctx", year: int) -> None:
    """Switch to the unit's report of that year (created when new), keeping what was answered."""
    record = ctx.record
    assert record is not None
    if record.year != year:
        other = ctx.store.report_for(record.unit_id, year, create=False)
        if other is not None:
            ctx.conv.report_id = other.id
            ctx._answers = None
        else:
            record.year = year
            ctx.store.save(record)
    province = ctx.answers().get("unit.province", "")
    preface = f"已选择{year}年度。"
    if province.startswith("山东"):
        preface += "山东省的报告第六部分一般按七项填写，下面请确认。"
    ctx.engine.advance(ctx, preface)


# ---- tables 二 and 四 ---------------------------------------------------------------------------


def _col_labels(ctx: "Ctx", step: Step) -> list[str]:
    block = next(b for b in ctx.fmt.table2.blocks if any(r.key == step.row for r in b.rows))
    return [c.label for c in block.columns if c.key in step.columns]


def step_label(ctx: "Ctx", step: Step) -> str:
    return next(r.label for r in ctx.fmt.table2.data_rows if r.key == step.row)


def save_group4(ctx: "Ctx", step: Step, text: str) -> None:
    values, total = parse.counts(text, 4, allow_total=True, what="顺序：结果维持、结果纠正、其他结果、尚未审结")
    if total is not None and total != sum(values):
        raise AnswerError(f"总计应为 {'+'.join(map(str, values))} = {sum(values)}，您写的是{total}。请核对后重发（也可以只发四个数）。")
    cells = {f"table4.{step.row}.{m}": v for m, v in zip("MCOP", values)}
    cells[f"table4.{step.row}.T"] = sum(values)
    ctx.save(cells)
    ctx.engine.advance(ctx, f"已保存，总计{sum(values)}件。")


# ---- drafts ---------------------------------------------------------------------------------------


def _split_fact_keys(ctx: "Ctx") -> dict[str, Any]:
    return {k: v for k, v in ctx.answers().items() if k.startswith(("fact.", "fee."))}


def ask_draft(ctx: "Ctx", step: Step, head: str) -> None:
    report = ctx.report()
    sub = ctx.state.setdefault("sub", {})
    if sub.get("collect"):
        ctx.say(head + "请继续发送文字，发完点“完成”。", [[ctx.button("完成", "done")]])
        return
    current = (ctx.answers().get(step.key) or "").strip()
    proposal = drafts.draft(step.template, report, _split_fact_keys(ctx))
    sub["proposal"] = proposal
    buttons = [[ctx.button("采用草稿", "accept"), ctx.button("重新编写", "rewrite")], [ctx.button("在草稿后补充", "append")]]
    prev = ctx.previous()
    if prev is not None and prev.text.get(step.key[5:], "").strip():
        buttons.append([ctx.button("以去年文字为底稿", "last_year")])
    if current and current != proposal:
        buttons.insert(0, [ctx.button("保留现有文字", "keep")])
        ctx.say(head + f"这一部分已有文字：\n\n{current}\n\n也可以改用新草稿：")
    ctx.say((head if not current or current == proposal else "") + step.prompt + "\n\n" + proposal, buttons)


def answer_draft(ctx: "Ctx", step: Step, text: str) -> None:
    """Typed text at a draft: in collect mode it is added; otherwise it replaces the whole section."""
    sub = ctx.state.setdefault("sub", {})
    current = ctx.answers().get(step.key) or ""
    mode = sub.get("collect")
    new = (current.rstrip() + "\n" + text.strip()) if mode in ("append", "rewrite_more") else text.strip()
    if len(new) > MAX_TEXT:
        raise AnswerError(f"全文已超过{MAX_TEXT}字，请精简。刚才这条没有保存。")
    ctx.save({step.key: new})
    if mode == "rewrite":
        sub["collect"] = "rewrite_more"
    if mode:
        ctx.say(f"已保存（共{len(new)}字）。可以继续发送，发完点“完成”。", [[ctx.button("完成", "done")]])
    else:
        ctx.engine.advance(ctx, "已保存您写的文字。")


def press_draft(ctx: "Ctx", step: Step, verb: str) -> None:
    sub = ctx.state.setdefault("sub", {})
    engine = ctx.engine
    if verb == "accept":
        proposal = sub.get("proposal") or drafts.draft(step.template, ctx.report(), _split_fact_keys(ctx))
        ctx.save({step.key: proposal})
        ctx.outcome.ack = "已采用"
        engine.advance(ctx, "已采用草稿。")
    elif verb == "keep":
        engine.advance(ctx, "已保留现有文字。")
    elif verb == "rewrite":
        sub["collect"] = "rewrite"
        ctx.say("请发送这一部分的全文（可以分几条发送），发完点“完成”。", [[ctx.button("完成", "done")]])
    elif verb == "append":
        proposal = sub.get("proposal") or ""
        ctx.save({step.key: proposal})
        sub["collect"] = "append"
        ctx.say("已采用草稿。请发送要补充的文字（可以分几条发送），发完点“完成”。", [[ctx.button("完成", "done")]])
    elif verb == "last_year":
        prev = ctx.previous()
        record = ctx.record
        if prev is None or record is None:
            return
        text = re.sub(str(record.year - 1), str(record.year), prev.text.get(step.key[5:], ""))
        ctx.save({step.key: text})
        sub["collect"] = "append"
        ctx.say(
            "已把去年的文字（年份已改为今年）作为底稿保存。请务必结合今年的实际修改，避免年年雷同：\n\n" + text
            + "\n\n可以点“重新编写”整体替换，或直接发送要补充的文字，发完点“完成”。",
            [[ctx.button("完成", "done"), ctx.button("重新编写", "rewrite")]],
        )
    elif verb == "done":
        sub.pop("collect", None)
        if not (ctx.answers().get(step.key) or "").strip():
            ctx.say("这一部分还没有文字。请发送内容，或点“采用草稿”。")
            engine.prompt(ctx)
            return
        engine.advance(ctx, "已保存。")


# ---- section 六 -----------------------------------------------------------------------------------


def _other_items(ctx: "Ctx") -> list[tuple[str, str]]:
    """(answer key, question) of the items to ask in 六 for the report's profile."""
    record = ctx.record
    profile = ctx.fmt.profiles[record.profile if record else "national"]
    if profile.other_items:
        return [(f"fact.other{i}", heading) for i, heading in enumerate(profile.other_items, start=1) if i > 1]
    return [("fact.other", "还有其他需要报告的事项吗？（例如人大代表建议和政协提案办理结果公开情况）")]


def ask_other_item(ctx: "Ctx", step: Step, head: str) -> None:
    sub = ctx.state.setdefault("sub", {})
    items = _other_items(ctx)
    i = sub.get("item", 0)
    key, question = items[i]
    current = ctx.answers().get(key)
    note = f"\n（已填写：{_short(current)}）" if current else ""
    ctx.say(
        head + step.prompt + f"（{i + 1}/{len(items)}）\n{question}\n请简要填写；没有请点“无”。" + note,
        [[ctx.button("无", "none")]],
    )


def answer_other_item(ctx: "Ctx", step: Step, text: str) -> None:
    sub = ctx.state.setdefault("sub", {})
    items = _other_items(ctx)
    i = sub.get("item", 0)
    if len(text) > 4000:
        raise AnswerError("这一项请控制在4000字以内。")
    value = "" if text.strip() in ("无", "无。", "没有") and items[i][0] == "fact.other" else text.strip()
    ctx.save({items[i][0]: value})
    if i + 1 < len(items):
        sub["item"] = i + 1
        ctx.engine.prompt(ctx)
    else:
        ctx.engine.advance(ctx, "已保存。")


def answer_fee_detail(ctx: "Ctx", step: Step, text: str) -> bool:
    """The two follow-up questions after “收取了”: how many applications, how many 元."""
    sub = ctx.state.get("sub", {})
    stage = sub.get("fee")
    if stage == "cases":
        cases = parse.count(text)
        ctx.save({"fee.cases": cases})
        sub["fee"] = "amount"
        ctx.say("合计收取多少元？请发一个数（单位：元）。")
        return True
    if stage == "amount":
        amount = parse.money(text)
        cases = ctx.answers().get("fee.cases", 0)
        ctx.save({"fee.amount_yuan": float(amount), "info_fee": {"cases": cases, "amount_yuan": float(amount)}})
        ctx.engine.advance(ctx, f"已记录：收取信息处理费{cases}件，合计{amount}元。")
        return True
    return False


# ---- finish ---------------------------------------------------------------------------------------


def ask_finish(ctx: "Ctx", head: str) -> None:
    from bot.interview.engine import deadline_of, findings_text, parts_done
    from bot.validate import validate

    report = ctx.report()
    findings = validate(report, ctx.previous(), today=ctx.engine.today(), deadline=deadline_of(report))
    errors = [f for f in findings if f.level == "error"]
    warnings = [f for f in findings if f.level == "warning"]
    done = parts_done(ctx)
    todo = [p.title for p in ctx.script.parts if p.key not in done and p.key != "finish"]
    lines = [head + f"全部检查：{len(errors)}个错误、{len(warnings)}个提醒。"]
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
