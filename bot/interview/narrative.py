"""The narrative steps: a drafted section (accept, keep, rewrite over several messages, append, start
from last year's), the items of 六, and the fee question with its two follow-ups."""

from __future__ import annotations

from typing import Any

from bot.interview import confirm, drafts, lastyear, parse
from bot.interview.context import Ctx
from bot.interview.moves import STAY, Move, advance, again
from bot.interview.parse import AnswerError
from bot.interview.state import DraftText, FeeDetail, OtherItems
from bot.interview.stepkind import Kind, chosen, extras, head, option_rows, short
from bot.interviewdef import Step
from bot.limits import MAX_TEXT


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
        buttons = [[ctx.button("采用草稿", "accept"), ctx.button("重新编写", "rewrite")], [ctx.button("在草稿后补充", "append")]]
        prev = ctx.previous()
        if prev is not None and prev.text.get(step.key[5:], "").strip():
            buttons.append([ctx.button("以去年文字为底稿", "last_year")])
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

    def _last_year(self, ctx: Ctx, step: Step, sub: DraftText) -> Move:
        """Last year's text as the base: years and table figures made this year's (bot/interview/lastyear.py)."""
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
        sub.collect = "append"
        done = (
            f"已把去年的文字作为底稿保存（共{len(result.text)}字）。请务必结合今年的实际修改，避免年年雷同：\n\n" + result.text
            + ("\n\n" + "\n".join(notes) if notes else "")
        )
        return confirm.offer(ctx, {step.key: result.text}, what="以去年文字为底稿", then="resume", done=done)

    def press(self, ctx: Ctx, step: Step, verb: str, arg: str) -> Move:
        sub = ctx.sub(DraftText)
        if verb == "accept":
            proposal = sub.proposal or drafts.draft(step.template, ctx.report(), _facts(ctx))
            ctx.outcome.ack = "已采用"
            return confirm.offer(ctx, {step.key: proposal}, what="采用草稿", done=f"已采用草稿（共{len(proposal)}字）。")
        if verb == "keep":
            return advance("已保留现有文字。")
        if verb == "rewrite":
            sub.collect = "rewrite"
            ctx.say("请发送这一部分的全文（可以分几条发送），发完点“完成”。", [[ctx.button("完成", "done")]])
        elif verb == "append":
            sub.collect = "append"
            done = "已采用草稿。请发送要补充的文字（可以分几条发送），发完点“完成”。"
            return confirm.offer(ctx, {step.key: sub.proposal}, what="采用草稿再补充", then="resume", done=done)
        elif verb == "last_year":
            return self._last_year(ctx, step, sub)
        elif verb == "done":
            sub.collect = ""
            if not (ctx.answers().get(step.key) or "").strip():
                ctx.say("这一部分还没有文字。请发送内容，或点“采用草稿”。")
                return again()
            return advance("已保存。")
        return STAY


# ---- section 六 -----------------------------------------------------------------------------------


def _other_items(ctx: Ctx) -> list[tuple[str, str]]:
    """(answer key, question) of the items to ask in 六 for the report's profile; the profile's fee item
    (`fee: true` in the format definition) is asked by the fee step."""
    record = ctx.record
    profile = ctx.fmt.profiles[record.profile if record else "national"]
    if profile.other_items:
        return [(f"fact.other{i}", heading) for i, heading in enumerate(profile.other_items, start=1) if i - 1 != profile.fee_item]
    return [("fact.other", "还有其他需要报告的事项吗？（例如人大代表建议和政协提案办理结果公开情况）")]


class OtherItemsKind(Kind):
    name = "other_items"

    def ask(self, ctx: Ctx, step: Step, header: str, preface: str) -> Move:
        items = _other_items(ctx)
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
        items = _other_items(ctx)
        i = sub.item
        if len(text) > 4000:
            raise AnswerError("这一项请控制在4000字以内。")
        value = "" if text.strip() in ("无", "无。", "没有") and items[i][0] == "fact.other" else text.strip()
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
        ctx.say(head(header, preface) + step.prompt, option_rows(ctx, step) + [extras(ctx, step)])
        return STAY

    def answer(self, ctx: Ctx, step: Step, text: str) -> Move:
        sub = ctx.sub(FeeDetail)
        if sub.stage == "cases":
            ctx.save({"fee.cases": parse.count(text)})
            sub.stage = "amount"
            ctx.say("合计收取多少元？请发一个数（单位：元）。")
            return STAY
        if sub.stage == "amount":
            amount = parse.money(text)
            cases = ctx.answers().get("fee.cases", 0)
            ctx.save({"fee.amount_yuan": float(amount), "info_fee": {"cases": cases, "amount_yuan": float(amount)}})
            return advance(f"已记录：收取信息处理费{cases}件，合计{amount}元。")
        return self.press(ctx, step, "opt", chosen(step, text))

    def press(self, ctx: Ctx, step: Step, verb: str, arg: str) -> Move:
        if verb != "opt":
            return STAY
        if arg == "no":
            ctx.save({"fee.cases": 0, "fee.amount_yuan": 0, "info_fee": {"cases": 0, "amount_yuan": 0}})
            return advance("已记录：本年度未收取信息处理费。")
        ctx.state.sub = FeeDetail(stage="cases")
        ctx.say("收取了几件申请的信息处理费？请发一个数。")
        return STAY
