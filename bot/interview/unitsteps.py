"""The unit's questions: its name (and the level a name states), the year, the region.

The short path asks only what it cannot know: a name such as …镇人民政府 states the level, the default
year is taken (the region question offers to change it), and outside 山东 the 六 profile is 全国通用.
"""

from __future__ import annotations

from bot.core.progress import default_year
from bot.format.interview import Step
from bot.interview import parse
from bot.interview.context import Ctx
from bot.interview.moves import STAY, Move, advance, goto
from bot.interview.stepkind import Kind, extras, head
from bot.storage.models import id_of


class UnitName(Kind):
    """The unit's name; its level when the name states it (…镇人民政府 is a township, no question asked)."""

    name = "unit_name"
    needs = ("key",)

    def ask(self, ctx: Ctx, step: Step, header: str, preface: str) -> Move:
        answers = ctx.answers()
        record = ctx.record
        if record is None or not answers.get("unit.name"):
            return super().ask(ctx, step, header, preface)
        level = ctx.fmt.levels.get(answers.get("unit.level", ""), "未填")
        where = " ".join(str(answers.get(k) or "") for k in ("unit.province", "unit.city", "unit.county")).strip() or "未填"
        profile = ctx.fmt.profiles[record.profile].label if record.profile in ctx.fmt.profiles else record.profile
        card = f"当前：{answers['unit.name']}（{level}），{where}，{record.year}年度，第六部分按{profile}格式。"
        buttons = [[ctx.button("名称不变，继续", "keep")], [ctx.button("改层级", "edit:unit_level"), ctx.button("改所在地", "edit:unit_region")],
                   [ctx.button("改年度", "edit:year"), ctx.button("改第六部分格式", "edit:profile")], extras(ctx, step)]
        ctx.say(head(header, preface) + card + "\n" + step.prompt + "（发送新名称即修改；其他各项请点下面的按钮）", buttons)
        return STAY

    def answer(self, ctx: Ctx, step: Step, text: str) -> Move:
        name = parse.unit_name(text)
        set_unit_name(ctx, name)
        level = parse.level_of(name)
        if level and ctx.answers().get("unit.level") in (None, level):
            set_level(ctx, level)
            return advance(f"已保存单位名称：{ctx.answers()['unit.name']}（按名称识别为{ctx.fmt.levels[level]}）。")
        return advance(f"已保存单位名称：{ctx.answers()['unit.name']}。")

    def press(self, ctx: Ctx, step: Step, verb: str, arg: str) -> Move:
        if verb == "edit" and arg in ("unit_level", "unit_region", "year", "profile"):
            return goto(arg)
        if verb == "keep":
            return advance()
        return STAY


def set_level(ctx: Ctx, level: str) -> None:
    """The report's answer and the unit's own row keep the level."""
    ctx.save({"unit.level": level})
    unit = ctx.unit()
    if unit is not None:
        unit.level = level
        ctx.store.save(unit)


class Region(Kind):
    """省 市 县; the report's year is offered here to change (the default year is not asked), and the
    section-六 profile follows the province (山东 is asked; elsewhere 全国通用)."""

    name = "region"
    needs = ("keys",)

    def applies(self, ctx: Ctx, step: Step) -> bool:
        answers = ctx.answers()
        return not (answers.get(step.keys[0]) and answers.get(step.keys[1]))  # known (from last year's report)

    def ask(self, ctx: Ctx, step: Step, header: str, preface: str) -> Move:
        record = ctx.record
        row = []
        if record is not None:
            preface = (preface + "\n" if preface else "") + f"（将填写{record.year}年度的报告。）"
            row.append(ctx.button(f"改年度（现为{record.year}年度）", "year"))
        answers = ctx.answers()
        if answers.get("unit.level") and answers.get("unit.level") == parse.level_of(str(answers.get("unit.name", ""))):
            row.append(ctx.button(f"不是{ctx.fmt.levels[answers['unit.level']]}？改层级", "level"))
        ctx.say(head(header, preface) + step.prompt, [row, extras(ctx, step)])
        return STAY

    def answer(self, ctx: Ctx, step: Step, text: str) -> Move:
        province, city, county = parse.region(text)
        ctx.save(dict(zip(step.keys, (province, city, county), strict=True)))
        unit = ctx.unit()
        if unit is not None and unit.county_id is None:  # a lone unit: the county it names is how a county's date reaches it
            unit.province, unit.city, unit.county = province, city, county
            ctx.store.save(unit)
        record = ctx.record
        if not province.startswith("山东") and "meta.profile" not in ctx.answers() and record is not None:
            ctx.save({"meta.profile": "national"})
            record.profile = "national"
            ctx.store.save(record)
        stored = " ".join(ctx.answers()[k] for k in step.keys if ctx.answers()[k])
        return advance(f"已保存所在地：{stored}。")

    def press(self, ctx: Ctx, step: Step, verb: str, arg: str) -> Move:
        if verb == "year":
            return goto("year")
        if verb == "level":
            return goto("unit_level")
        return STAY


class Year(Kind):
    name = "year"

    def ask(self, ctx: Ctx, step: Step, header: str, preface: str) -> Move:
        y = default_year(ctx.engine.today())
        ctx.say(head(header, preface) + step.prompt, [[ctx.button(f"{y}年度", f"opt:{y}"), ctx.button(f"{y - 1}年度", f"opt:{y - 1}")], extras(ctx, step)])
        return STAY

    def applies(self, ctx: Ctx, step: Step) -> bool:
        return False  # the default year is taken; the region question and the unit card offer to change it

    def answer(self, ctx: Ctx, step: Step, text: str) -> Move:
        return advance(set_year(ctx, parse.year(text, ctx.fmt.first_year, ctx.engine.today().year)))

    def press(self, ctx: Ctx, step: Step, verb: str, arg: str) -> Move:
        return advance(set_year(ctx, int(arg))) if verb == "opt" else STAY



def set_unit_name(ctx: Ctx, name: str) -> None:
    """The first answer: creates the unit (owned by this person) and this year's report."""
    record = ctx.record
    if record is None:
        unit = ctx.store.create_unit(ctx.user, name)
        record = ctx.store.report_for(id_of(unit), default_year(ctx.engine.today()))
        assert record is not None
        ctx.conv.report_id = record.id
        ctx.reset_answers()
    else:
        found = ctx.store.unit(record.unit_id)
        assert found is not None
        unit = found
        unit.name = name
        ctx.store.save(unit)
    ctx.save({"unit.name": name})


def set_year(ctx: Ctx, year: int) -> str:
    """Switch to the unit's report of that year (created when new), keeping what was answered; says so."""
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
    return preface
