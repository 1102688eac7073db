"""A person's own settings on the web page (`/profile`: the e-mail address for notices), and the members'
addresses on a unit's page for those who may set them (its owner, its county's coordinators).

The use case is the conversation layer's (bot/workplace/email.py): the right, the check of the address,
the refusal logged. This module only translates forms into it and its results into pages.
"""

from __future__ import annotations

import logging
from html import escape
from typing import Any

from aiohttp import web

from bot.channels.web import pages
from bot.channels.web.api import nav
from bot.channels.web.auth import require, require_post
from bot.channels.web.state import STATE, WebState
from bot.storage import notices
from bot.workplace import email

log = logging.getLogger(__name__)
MAX_FIELD = 1000  # characters of a submitted address kept for the check (anything longer is refused anyway)
HINT = ("填写后，截止提醒、审核结果和县里的催办等通知除了显示在本网页的“通知”中，还会发到这个邮箱（只使用网页版的人员；"
        "在 Telegram 或钉钉接收通知的人员，发送 /link 全部 后也会收到邮件）。")
MEMBERS_HINT = ("设置后，成员的截止提醒、审核结果和催办等通知还会发到其邮箱（只使用网页版的成员；在 Telegram 或钉钉接收通知的成员，"
                "发送 /link 全部 后也会收到邮件）。留空并保存即清除。")


def _profile(store: Any, state: WebState, user_id: int) -> tuple[str, int]:
    identity = store.get_user(user_id)
    return store.person(identity).email, notices.unread_count(store, identity, state.clock.now())


def _set_own(store: Any, state: WebState, user_id: int, text: str) -> tuple[email.EmailResult, int]:
    identity = store.get_user(user_id)
    return email.set_email(store, identity, identity, text), notices.unread_count(store, identity, state.clock.now())


def profile_html(prefix: str, csrf: str, login: str, stored: str, result: email.EmailResult | None = None, typed: str = "") -> str:
    message = ""
    if result is not None:
        kind = "ok" if result.ok else "error"
        role = "status" if result.ok else "alert"
        message = f'<p class="{kind}" role="{role}" id="email-result">{escape(result.message)}</p>'
    current = (f'<strong id="email-stored">{escape(email.shown(stored))}</strong>' if stored
               else '<span id="email-stored" class="note">未设置</span>')
    value = typed if result is not None and not result.ok else email.shown(stored)
    clear = ('<button type="submit" name="action" value="clear" id="email-clear" class="secondary">清除邮箱</button>'
             if stored else "")
    return (
        '<section class="card narrow profile"><h1>个人信息</h1>'
        f'<p>登录名：{escape(login)}</p>'
        f"<p>通知邮箱：{current}</p>{message}"
        f'<form method="post" action="{prefix}/profile"><input type="hidden" name="csrf" value="{escape(csrf)}">'
        '<label>通知邮箱（如政务邮箱，只填一个地址）'
        f'<input name="email" id="email" type="text" inputmode="email" autocomplete="email" maxlength="{email.MAX_LENGTH}"'
        f' value="{escape(value)}" placeholder="zhangsan@yc.gov.cn"></label>'
        f'<p class="note">{escape(HINT)}</p>'
        f'<div class="actions"><button type="submit" name="action" value="save" id="submit">保存</button>{clear}</div>'
        "</form></section>"
    )


async def profile(request: web.Request) -> web.Response:
    state: WebState = request.app[STATE]
    prefix = state.settings.prefix
    if request.method == "POST":
        auth, form = await require_post(request)
        typed = str(form.get("email", "") if form else "")[:MAX_FIELD]
        text = "" if (form and form.get("action") == "clear") else typed
        result, unread = await state.db(_set_own, state, auth.user_id, text)
        stored = result.address  # on a bad address: the one still stored
        if result.ok:
            log.info("account %s %s their e-mail address", auth.account_id, "set" if result.address else "cleared")
        body = profile_html(prefix, auth.csrf, auth.login, stored, result, typed)
        status = 200 if result.ok else 400
    else:
        auth = require(request)
        stored, unread = await state.db(_profile, state, auth.user_id)
        body = profile_html(prefix, auth.csrf, auth.login, stored)
        status = 200
    html = pages.page(prefix, "个人信息", body, csrf=auth.csrf, user=auth.login, nav=nav(state, auth), unread=unread)
    return web.Response(text=html, content_type="text/html", status=status)


# ---- the members' addresses on a unit's page -------------------------------------------------------


def unit_members(store: Any, user_id: int, unit_id: int) -> list[email.MemberEmail] | None:
    """The unit's members with their addresses when this person may set them, else None."""
    return email.unit_members(store, store.get_user(user_id), unit_id)


def members_html(prefix: str, csrf: str, unit_id: int, members: list[email.MemberEmail] | None) -> str:
    """The members list with a small form per member; '' for someone who may not set their addresses."""
    if members is None:
        return ""
    hidden = f'<input type="hidden" name="csrf" value="{escape(csrf)}">'
    rows = []
    for m in members:
        shown = escape(email.shown(m.address)) if m.address else '<span class="note">未设置</span>'
        rows.append(
            f'<tr data-user="{m.user_id}"><td>{escape(m.name)}</td><td>{escape(m.role)}</td><td class="address">{shown}</td>'
            f'<td><form method="post" action="{prefix}/county/unit/{unit_id}/email" class="email-form">{hidden}'
            f'<input type="hidden" name="user" value="{m.user_id}">'
            f'<input name="email" type="text" inputmode="email" maxlength="{email.MAX_LENGTH}" value="{escape(email.shown(m.address))}"'
            f' aria-label="{escape(m.name)}的通知邮箱" placeholder="留空并保存即清除">'
            '<button type="submit">保存</button></form></td></tr>'
        )
    table = ('<table class="members"><thead><tr><th>成员</th><th>角色</th><th>通知邮箱</th><th>设置</th></tr></thead>'
             f'<tbody>{"".join(rows)}</tbody></table>') if rows else '<p class="note">该单位还没有成员。</p>'
    return (f'<section class="card wide" id="members"><h2>成员与通知邮箱</h2><p class="note">{escape(MEMBERS_HINT)}</p>{table}</section>')


def _set_member(store: Any, user_id: int, target_id: int | None, text: str) -> tuple[email.EmailResult, str]:
    target = store.get_user(target_id) if target_id is not None else None
    result = email.set_email(store, store.get_user(user_id), target, text)
    return result, (target.display_name if target is not None else "")


async def member_email(request: web.Request) -> web.Response:
    """POST /county/unit/N/email: user, email (blank: clear). 403 when not allowed, 400 for a bad address."""
    state: WebState = request.app[STATE]
    auth, form = await require_post(request)
    unit = request.match_info["unit"]
    raw = str(form.get("user", "") if form else "").strip()
    target_id = int(raw) if raw.isascii() and raw.isdigit() and len(raw) < 12 else None
    text = str(form.get("email", "") if form else "")[:MAX_FIELD]
    result, name = await state.db(_set_member, auth.user_id, target_id, text)
    prefix = state.settings.prefix
    back = (state.url(f"/county/unit/{unit}#members"), "返回单位页面") if unit.isdigit() else None
    if result.refused:
        log.warning("account %s may not set the e-mail address of user %s", auth.account_id, target_id)
        title, status = "无权设置", 403
    elif result.ok:
        title, status = "已保存", 200
    else:
        title, status = "邮箱地址有误", 400
    text = result.message if result.refused else f"{name}：{result.message}"
    html = pages.message(prefix, title, text, back)
    return web.Response(text=html, content_type="text/html", status=status)


def routes(app: web.Application) -> None:
    app.router.add_route("GET", "/profile", profile)
    app.router.add_route("POST", "/profile", profile)
    app.router.add_post("/county/unit/{unit}/email", member_email)
