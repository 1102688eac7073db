"""Which county a person acts for: the operators (ADMIN_IDS) and the counties' coordinators."""

from __future__ import annotations

from bot.interview.context import Ctx
from storage.models import County


def is_operator(ctx: Ctx) -> bool:
    return ctx.user.channel == "telegram" and ctx.user.external_id in ctx.engine.admin_ids


def current_county(ctx: Ctx, quiet: bool = False) -> County | None:
    """The county the coordinator acts for: the one chosen with /county, or their only one."""
    counties = ctx.store.coordinated_counties(ctx.user)
    chosen = next((c for c in counties if c.id == ctx.state.county), None)
    if chosen is None and len(counties) == 1:
        chosen = counties[0]
    if chosen is None and not quiet:
        if counties:
            ctx.say("您是多个县的协调人，请先选择：" + "、".join(f"/county {c.name}" for c in counties))
        else:
            ctx.store.refuse(ctx.user, "county", "", "not a coordinator")
            ctx.say("此命令仅供县级协调人使用。协调人需由管理员或其他协调人邀请。")
    return chosen


def county_for_deadline(ctx: Ctx, name: str) -> County | str | None:
    """The county a '/deadline 县名 日期' names, if this person may set its date: a coordinator of it, or an
    operator (who may also name a county known only from lone units' answers: returned as the name)."""
    mine = [c for c in ctx.store.coordinated_counties(ctx.user) if c.name == name]
    if mine:
        return mine[0]
    if is_operator(ctx):
        named = ctx.store.counties_named(name)
        return named[0] if len(named) == 1 else name
    ctx.store.refuse(ctx.user, "deadline", f"county:{name[:40]}", "not a coordinator of this county")
    return None
