"""The narrative steps: a drafted section (accept, keep, rewrite over several messages, append, start
from last year's), the items of 六, and the fee question with its two follow-ups."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from bot.core.limits import MAX_TEXT
from bot.core.numbers import display
from bot.format.interview import Step
from bot.interview import confirm, drafts, lastyear, parse
from bot.interview.context import Ctx
from bot.interview.moves import STAY, Move, advance, again, goto
from bot.interview.parse import AnswerError
from bot.interview.state import DraftText, FeeDetail, OtherItems
from bot.interview.stepkind import Kind, chosen, extras, head, option_rows, short

FROM_FACTS_ONLY = ("preamble.j2",)  # drafts with no prose of their own: stored without asking when the section is empty
CASES_QUESTION = "收取了几件申请的信息处理费？请发一个数（单位：件），例如：1"
AMOUNT_QUESTION = "合计收取多少元？请发一个数（单位：元），例如：300 或 三百元"


def _facts(ctx: Ctx) -> dict[str, Any]:
    return {k: v for k, v in ctx.answers().items() if k.startswith(("fact.", "fee."))}


class Draft(Kind):
    name = "draft"
    needs = ("key", "template")

    def problems(self, step: Step) -> list[str]:
        found = not step.template or (drafts.TEMPLATES / step.template).is_file()
        return super().problems(step) + ([] if found else [f"template file {step.template} not found in {drafts.TEMPLATES}"])

    def ask(self, ctx: Ctx, step: Step, header: str, preface: str) -> Move:
        start = head(header, preface)
        report = ctx.report()
        sub = ctx.sub(DraftText)
        if sub.collect:
            row = [ctx.button("完成", "done")] + ([ctx.button("重新编写", "rewrite")] if sub.collect == "append" else [])
            ctx.say(start + "请继续发送文字（可以分几条发送，也可以上传.txt/.docx文件），发完点“完成”。", [row])
            return STAY
        current = (ctx.answers().get(step.key) or "").strip()
        proposal = drafts.draft(step.template, report, _facts(ctx))
        sub.proposal = proposal
        if step.template in FROM_FACTS_ONLY and not current:  # nothing in it but what the clerk just answered
            ctx.save({step.key: proposal})
            return advance(start + f"已按您的回答写好这一部分：\n\n{ctx.answers()[step.key]}\n\n（如需修改：/menu → {ctx.script.part(step.part).title}）")
        buttons = [[ctx.button("采用草稿", "accept"), ctx.button("重新编写", "rewrite")], [ctx.button("在草稿后补充", "append")]]
        prev = ctx.previous()
        if prev is not None and prev.text.get(step.key[5:], "").strip():
            buttons.insert(0, [ctx.button("以去年文字为底稿", "last_year")])
            if not ctx.answers().get(f"meta.{step.part}_facts"):
                buttons.append([ctx.button("按问题逐项起草", "by_facts")])
        if current and current != proposal:
            buttons.insert(0, [ctx.button("保留现有文字", "keep")])
            ctx.say(start + f"这一部分已有文字：\n\n{current}\n\n也可以改用新草稿：")
        ctx.say((start if not current or current == proposal else "") + step.prompt + "\n\n" + proposal, buttons)
        return STAY

    def take_text(self, ctx: Ctx, step: Step, text: str, source: str) -> Move:
        """A whole text from a file: added while collecting, else the section (asking before it replaces one)."""
        if ctx.sub(DraftText).collect:
            return self.answer(ctx, step, text)
        new = text.strip()
        if len(new) > MAX_TEXT:
            raise AnswerError(f"{source}有{len(new)}字，超过{MAX_TEXT}字，请精简。没有保存。")
        done = f"已保存{source}的文字（共{len(new)}字）。可以继续发送要补充的文字，发完点“完成”。"
        return confirm.offer(ctx, {step.key: new}, what=f"{source}的文字", then="collect", done=done)

    def answer(self, ctx: Ctx, step: Step, text: str) -> Move:
        """Typed text at a draft: in collect mode it is added; otherwise it replaces the whole section."""
        sub = ctx.sub(DraftText)
        current = ctx.answers().get(step.key) or ""
        mode = sub.collect
        new = (current.rstrip() + "\n" + text.strip()) if mode in ("append", "rewrite_more") else text.strip()
        if len(new) > MAX_TEXT:
            raise AnswerError(f"全文已超过{MAX_TEXT}字，请精简。刚才这条没有保存。")
        more = "可以继续发送（接在后面），发完点“完成”。"
        if not mode:  # typed straight at the draft: the section's text, perhaps in several messages
            return confirm.offer(ctx, {step.key: new}, what="您发送的文字", then="collect", done=f"已保存（共{len(new)}字）。{more}")
        ctx.save({step.key: new})
        if mode == "rewrite":
            sub.collect = "rewrite_more"
        ctx.say(f"已保存（共{len(new)}字）。{more}", [[ctx.button("完成", "done")]])
        return STAY

    def _last_year(self, ctx: Ctx, step: Step) -> Move:
        """Last year's text as the base, in one tap: years and table figures made this year's
        (bot/interview/lastyear.py), stored and shown; /back returns to it to rewrite or add."""
        prev = ctx.previous()
        record = ctx.record
        if prev is None or record is None:
            return STAY
        result = lastyear.carry(prev.text.get(step.key[5:], ""), record.year - 1, ctx.report())
        notes = []
        if result.replaced:
            notes.append(f"去年写表格数字的{len(result.replaced)}句已按今年的表三、表四重写。")
        if result.kept:
            notes.append("以下年份是文号、规划期、日期或引文，没有改动：" + "；".join(result.kept[:6]))
        if result.check:
            notes.append("请核对以下句子中的数字是否是今年的：\n" + "\n".join(f"· {c}" for c in result.check[:8]))
        done = (
            f"已把去年的文字作为底稿保存（共{len(result.text)}字）。请务必结合今年的实际修改，避免年年雷同：\n\n" + result.text
            + ("\n\n" + "\n".join(notes) if notes else "")
            + f"\n\n如需改写或补充：发送 /back 回到这一部分（或 /menu → {ctx.script.part(step.part).title}）。"
        )
        return confirm.offer(ctx, {step.key: result.text}, what="以去年文字为底稿", done=done)

    def press(self, ctx: Ctx, step: Step, verb: str, arg: str) -> Move:
        sub = ctx.sub(DraftText)
        if verb == "accept":
            proposal = sub.proposal or drafts.draft(step.template, ctx.report(), _facts(ctx))
            ctx.outcome.ack = "已采用"
            return confirm.offer(ctx, {step.key: proposal}, what="采用草稿", done=f"已采用草稿（共{len(proposal)}字）。")
        if verb == "keep":
            return advance("已保留现有文字。")
        if verb == "by_facts":  # the questions behind the draft, although last year's text is there
            ctx.save({f"meta.{step.part}_facts": "yes"})
            first = next(s for s in ctx.script.steps if s.part == step.part and s.kind == "fact")
            return goto(first.id)
        if verb == "rewrite":
            sub.collect = "rewrite"
            ctx.say("请发送这一部分的全文（可以分几条发送），发完点“完成”。", [[ctx.button("完成", "done")]])
        elif verb == "append":
            sub.collect = "append"
            done = "已采用草稿。请发送要补充的文字（可以分几条发送），发完点“完成”。"
            return confirm.offer(ctx, {step.key: sub.proposal}, what="采用草稿再补充", then="resume", done=done)
        elif verb == "last_year":
            return self._last_year(ctx, step)
        elif verb == "done":
            sub.collect = ""
            if not (ctx.answers().get(step.key) or "").strip():
                ctx.say("这一部分还没有文字。请发送内容，或点“采用草稿”。")
                return again()
            return advance("已保存。")
        return STAY


# ---- section 六 -----------------------------------------------------------------------------------


def _other_items(ctx: Ctx, step: Step) -> list[tuple[str, str]]:
    """(answer key, question) of the items to ask in 六 for the report's profile: the step's key numbered
    (fact.other1 …), the profile's fee item (`fee: true` in the format definition) left to the fee step; a
    profile without items is asked one question, answered under the step's key."""
    record = ctx.record
    profile = ctx.fmt.profiles[record.profile if record else "national"]
    if profile.other_items:
        return [(f"{step.key}{i}", heading) for i, heading in enumerate(profile.other_items, start=1) if i - 1 != profile.fee_item]
    return [(step.key, "还有其他需要报告的事项吗？（例如人大代表建议和政协提案办理结果公开情况）")]


def _profile_items(ctx: Ctx) -> tuple[str, ...]:
    record = ctx.record
    return tuple(ctx.fmt.profiles[record.profile if record else "national"].other_items)


class OtherItemsKind(Kind):
    name = "other_items"
    needs = ("key",)

    def ask(self, ctx: Ctx, step: Step, header: str, preface: str) -> Move:
        items = _other_items(ctx, step)
        i = ctx.sub(OtherItems).item
        key, question = items[i]
        current = ctx.answers().get(key)
        note = f"\n（已填写：{short(current)}）" if current else ""
        ctx.say(
            head(header, preface) + step.prompt + f"（{i + 1}/{len(items)}）\n{question}\n请简要填写；没有请点“无”。" + note,
            [[ctx.button("无", "none")]],
        )
        return STAY

    def answer(self, ctx: Ctx, step: Step, text: str) -> Move:
        sub = ctx.sub(OtherItems)
        items = _other_items(ctx, step)
        i = sub.item
        if len(text) > 4000:
            raise AnswerError("这一项请控制在4000字以内。")
        value = "" if text.strip() in ("无", "无。", "没有") and items[i][0] == step.key else text.strip()
        ctx.save({items[i][0]: value})
        if i + 1 < len(items):
            sub.item = i + 1
            return again()
        return advance("已保存。")

    def press(self, ctx: Ctx, step: Step, verb: str, arg: str) -> Move:
        if verb in ("none", "opt"):
            return self.answer(ctx, step, "无。" if verb == "none" else arg)
        return STAY

    def skip(self, ctx: Ctx, step: Step) -> Move:
        return self.answer(ctx, step, "无。")


class Fee(Kind):
    """收取了 or not; if so, how many applications and how many 元."""

    name = "fee"
    needs = ("options",)

    def ask(self, ctx: Ctx, step: Step, header: str, preface: str) -> Move:
        rows = option_rows(ctx, step)
        done = ctx.script.step(step.completes) if step.completes else None
        if done is not None and not _profile_items(ctx) and not (ctx.answers().get(done.key) or "").strip():
            rows.append([ctx.button("没有收取，也没有其他需要报告的事项", "opt:none_all")])
        ctx.say(head(header, preface) + step.prompt, rows + [extras(ctx, step)])
        return STAY

    def answer(self, ctx: Ctx, step: Step, text: str) -> Move:
        sub = ctx.sub(FeeDetail)
        if sub.stage == "cases":
            ctx.save({"fee.cases": parse.count(text)})
            sub.stage = "amount"
            ctx.say(f"已记录：收取了{ctx.answers()['fee.cases']}件申请的信息处理费。\n{AMOUNT_QUESTION}")
            return STAY
        if sub.stage == "amount":
            amount = float(parse.yuan(text))
            cases = ctx.answers().get("fee.cases", 0)
            ctx.save({"fee.amount_yuan": amount, "info_fee": {"cases": cases, "amount_yuan": amount}})
            stored = ctx.answers()["info_fee"]
            return advance(f"已记录：收取信息处理费{stored['cases']}件，合计{display(Decimal(str(stored['amount_yuan'])))}元。")
        return self.press(ctx, step, "opt", chosen(step, text))

    def press(self, ctx: Ctx, step: Step, verb: str, arg: str) -> Move:
        if verb != "opt":
            return STAY
        if arg in ("no", "none_all"):
            ctx.save({"fee.cases": 0, "fee.amount_yuan": 0, "info_fee": {"cases": 0, "amount_yuan": 0}})
            if arg == "none_all" and step.completes and not _profile_items(ctx):  # 六 is then fully known: written, shown, not asked
                done = ctx.script.step(step.completes)  # the draft step it completes; the questions before it answered empty
                between = ctx.script.steps[ctx.script.index(step.id) + 1 : ctx.script.index(done.id)]
                ctx.save({s.key: "" for s in between if s.key})
                if not (ctx.answers().get(done.key) or "").strip():
                    ctx.save({done.key: drafts.draft(done.template, ctx.report(), _facts(ctx))})
                text = ctx.answers()[done.key]
                return advance(f"已记录：本年度未收取信息处理费，没有其他需要报告的事项。第六部分写为：\n{text}", after=done.id)
            return advance("已记录：本年度未收取信息处理费。")
        ctx.state.sub = FeeDetail(stage="cases")
        ctx.say(CASES_QUESTION)
        return STAY

    def back(self, ctx: Ctx, step: Step) -> Move | None:
        """/back inside the follow-ups: from the amount to the number of cases, from there to the question."""
        sub = ctx.sub(FeeDetail)
        if sub.stage == "amount":
            sub.stage = "cases"
            ctx.say("回到上一步：" + CASES_QUESTION)
            return STAY
        if sub.stage == "cases":
            return again("回到上一步：", fresh=True)
        return None
