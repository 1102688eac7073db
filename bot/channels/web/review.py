"""The reviewer's side of a unit's page: a comment on a part or a cell, approve, return — as the chat's
own buttons and messages (/review, 添加意见 → part → “行名 列名：意见”, 审核通过, 退回修改), so the engine
checks the reviewer's right and records everything exactly as in the chat.
"""

from __future__ import annotations

from html import escape
from typing import Any

from aiohttp import web

from bot.access import role_for
from bot.channels.web.api import person_of, year_asked
from bot.channels.web.auth import require_post
from bot.channels.web.chat import Person
from bot.channels.web.state import STATE, WebState
from bot.interview.types import Input

PARTS = ("table2", "table3", "table4", "overview", "problems", "other", "preamble")


def form_html(prefix: str, csrf: str, unit_id: int, year: int, script: Any, status: str) -> str:
    """The review form shown to the unit's reviewers (clicking a cell of the tables fills its name in)."""
    options = "".join(
        f'<option value="{p.key}">{escape(p.title)}</option>' for p in script.parts if p.key != "finish"
    )
    decide = (
        '<button name="action" value="approve" id="approve">审核通过</button>'
        '<button name="action" value="return" id="return" class="secondary">退回修改</button>'
        if status == "review" else '<span class="note">报告尚未提交审核，现在可以先添加意见。</span>'
    )
    return (
        f'<form method="post" action="{prefix}/county/unit/{unit_id}/review" class="review" id="review-form">'
        f'<input type="hidden" name="csrf" value="{escape(csrf)}"><input type="hidden" name="year" value="{year}"><h2>审核</h2>'
        f'<label>意见针对<select name="part" id="part">{options}</select></label>'
        '<label>意见（针对表格中的某一格，请以行名和列名开头，或直接点击表格中的格子）'
        '<textarea name="text" id="comment" rows="3"></textarea></label>'
        f'<div class="actions"><button name="action" value="comment" id="add-comment">添加意见</button>{decide}</div></form>'
    )


def may_review(store: Any, user_id: int, unit_id: int) -> bool:
    return role_for(store, store.get_user(user_id), unit_id) == "reviewer"


def _token(store: Any, external_id: str) -> str:
    return str(store.conversation(store.user("web", external_id)).prompt_token or "")


async def _press(state: WebState, person: Person, action: str, label: str) -> list[dict[str, Any]]:
    """A button of the reviewer's current prompt (as /review shows it), pressed."""
    token = await state.db(_token, person.external_id)
    return await state.chat.send_locked(person, Input(kind="button", text=f"{token}:{action}"), label=label)


async def review(request: web.Request) -> web.Response:
    state: WebState = request.app[STATE]
    auth, form = await require_post(request)
    unit_id = request.match_info["unit"]
    if not unit_id.isdigit() or len(unit_id) > 11:
        raise web.HTTPNotFound()
    year = year_asked(state, str(form.get("year", "")))
    record = await state.db(lambda store: store.report_for(int(unit_id), year, create=False))
    if record is None:
        raise web.HTTPNotFound(text="该单位还没有报告。")
    action = str(form.get("action", ""))
    person = person_of(state, auth)
    rid = record.id
    async with person.lock:
        new = await state.chat.send_locked(person, Input(kind="command", text="review"))
        if action == "comment":
            part = str(form.get("part", ""))
            text = str(form.get("text", "")).strip()
            if part not in {p.key for p in state.engine.script.parts} or not text:
                raise web.HTTPBadRequest(text="请选择部分并填写意见。")
            new += await _press(state, person, f"comment:{rid}", "添加意见")
            choose = next((b["data"] for m in new for line in m.get("buttons") or [] for b in line
                           if b["data"].endswith(f":cpart:{rid}:{part}")), None)
            if choose is not None:  # refused otherwise: the engine said why, and logged it
                new += await state.chat.send_locked(person, Input(kind="button", text=choose), label=part)
                new += await state.chat.send_locked(person, Input(kind="text", text=text))
        elif action in ("approve", "return"):
            new += await _press(state, person, f"{action}:{rid}", "审核通过" if action == "approve" else "退回修改")
        else:
            raise web.HTTPBadRequest(text="unknown action")
    raise web.HTTPFound(state.url(f"/county/unit/{unit_id}?year={year}"))


def routes(app: web.Application) -> None:
    app.router.add_post("/county/unit/{unit}/review", review)
