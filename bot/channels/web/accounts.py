"""One-time links and an account's own settings: the first operator's set-up link, a password reset
link (`nianbao user reset NAME`), changing one's password, and the operator's page (create a county
and its first coordinator's invitation, as `nianbao county create` does at the server).
"""

from __future__ import annotations

import logging
from typing import Any

from aiohttp import web

from bot.channels.web import pages
from bot.channels.web.auth import (
    create_person,
    html_response,
    new_account_problem,
    pre_form,
    pre_post,
    require,
    require_post,
    set_session_cookie,
)
from bot.channels.web.state import STATE, WebState
from bot.storage import web_accounts as wa

log = logging.getLogger(__name__)


async def setup(request: web.Request) -> web.Response:
    """/setup/TOKEN: the first operator creates their account; the token then stops working."""
    state: WebState = request.app[STATE]
    token = request.match_info["token"][:100]
    now = state.clock.now()
    valid = await state.db(lambda store: wa.peek_token(store, token, "setup", now) is not None)
    if not valid:
        return html_response(request, pages.message(state.settings.prefix, "链接无效", "该设置链接无效、已过期或已使用。"), status=404)
    pre, hidden = pre_form(request)
    problem = ""
    login = ""
    if request.method == "POST":
        form = await pre_post(request)
        login = str(form.get("login", "")).strip()
        problem = new_account_problem(form)
        if not problem:

            def make(store: Any) -> tuple[str, str] | None:
                row = wa.peek_token(store, token, "setup", now)
                if row is None:
                    return None
                created = create_person(store, login, str(form["password"]), now)
                if created is None:
                    return None
                account = wa.account_by_login(store, login)
                assert account is not None
                account.operator = True
                wa.add(store, account)
                wa.use_token(store, row, now)
                return created

            created = await state.db(make)
            if created is not None:
                log.info("web operator %r set up", login)
                response = web.HTTPFound(state.url("/operator"))
                set_session_cookie(response, state, created[0])
                raise response
            problem = "这个登录名已被使用，请换一个。"
    html = pages.form_page(state.settings.prefix, "设置管理员账号", state.url(f"/setup/{token}"), pages.new_account_fields(login),
                           intro="这是一次性链接：设置后，此账号成为管理员，可以创建县并邀请县级协调人。", error=problem,
                           csrf_field=hidden, submit="设置")
    return html_response(request, html, pre, 400 if problem else 200)


async def reset(request: web.Request) -> web.Response:
    """/reset/TOKEN: a new password; every session of the account ends."""
    state: WebState = request.app[STATE]
    token = request.match_info["token"][:100]
    now = state.clock.now()
    login = await state.db(lambda store: _reset_login(store, token, now))
    if login is None:
        return html_response(request, pages.message(state.settings.prefix, "链接无效", "该重置链接无效、已过期或已使用。"), status=404)
    pre, hidden = pre_form(request)
    problem = ""
    if request.method == "POST":
        form = await pre_post(request)
        problem = new_account_problem({"login": login, "password": form.get("password", ""), "password2": form.get("password2", "")})
        if not problem:

            def apply(store: Any) -> int | None:
                row = wa.peek_token(store, token, "reset", now)
                account = wa.account_by_id(store, row.account_id) if row and row.account_id else None
                if row is None or account is None:
                    return None
                wa.set_password(store, account, str(form["password"]))
                wa.use_token(store, row, now)
                return account.id

            account_id = await state.db(apply)
            if account_id is not None:  # every session of the account ended with it (set_password)
                return html_response(request, pages.message(state.settings.prefix, "密码已重置", "请用新密码登录。", (state.url("/login"), "登录")))
            problem = "该重置链接已失效。"
    fields = [pages.field("password", "新密码（至少8位）", "password", autocomplete="new-password"),
              pages.field("password2", "再次输入新密码", "password", autocomplete="new-password")]
    html = pages.form_page(state.settings.prefix, f"重置“{login}”的密码", state.url(f"/reset/{token}"), fields, error=problem,
                           csrf_field=hidden, submit="重置密码")
    return html_response(request, html, pre, 400 if problem else 200)


def _reset_login(store: Any, token: str, now: Any) -> str | None:
    row = wa.peek_token(store, token, "reset", now)
    account = wa.account_by_id(store, row.account_id) if row and row.account_id else None
    return account.login if account else None


async def password(request: web.Request) -> web.Response:
    state: WebState = request.app[STATE]
    auth = require(request)
    problem = ""
    status = 400
    guesses = f"password:{auth.account_id}"  # wrong old passwords of this account, limited as logins are
    if request.method == "POST":
        _, form = await require_post(request)
        problem = new_account_problem({"login": auth.login, "password": form.get("password", ""), "password2": form.get("password2", "")})
        if state.by_login.blocked(guesses):
            log.warning("password change rate-limited: account %s", auth.account_id)
            problem, status = "原密码输错次数过多，请15分钟后再试。", 429
        elif not problem:

            def change(store: Any) -> str | None:
                account = wa.verify(store, auth.login, str(form.get("old", "")))
                if account is None:
                    return None
                wa.set_password(store, account, str(form["password"]))
                token, _ = wa.open_session(store, account, state.clock.now())
                return token

            token = await state.db(change)
            if token is not None:  # every other session of the account ended (set_password)
                state.by_login.clear(guesses)
                response = web.HTTPFound(state.url("/"))
                set_session_cookie(response, state, token)
                raise response
            state.by_login.fail(guesses)
            problem = "原密码不正确。"
    fields = [pages.field("old", "原密码", "password", autocomplete="current-password"),
              pages.field("password", "新密码（至少8位）", "password", autocomplete="new-password"),
              pages.field("password2", "再次输入新密码", "password", autocomplete="new-password")]
    hidden = f'<input type="hidden" name="csrf" value="{pages.escape(auth.csrf)}">'
    html = pages.form_page(state.settings.prefix, "修改密码", state.url("/password"), fields, error=problem, csrf_field=hidden,
                           intro="修改后，其他设备上的登录会失效。", user=auth.login, csrf=auth.csrf)
    return html_response(request, html, status=status if problem else 200)


async def operator(request: web.Request) -> web.Response:
    """The operator creates a county and gets its first coordinator's /join link."""
    state: WebState = request.app[STATE]
    auth = require(request)
    if not auth.operator:
        await state.db(lambda store: store.refuse(store.get_user(auth.user_id), "operator", "web", "not a web operator"))
        raise web.HTTPForbidden(text="此页面仅供管理员使用。")
    result = ""
    if request.method == "POST":
        _, form = await require_post(request)
        name, province, city = (str(form.get(k, "")).strip()[:32] for k in ("name", "province", "city"))
        if not name:
            result = '<p class="error">请填写县名。</p>'
        else:

            def create(store: Any) -> tuple[str, int | None]:
                me = store.get_user(auth.user_id)
                county = next((c for c in store.counties_named(name) if c.province == province and c.city == city), None) \
                    or store.create_county(name, province, city, me)
                invite = store.create_invite(None, me, "coordinator", days=7, county_id=county.id)
                return invite.token, county.id

            token, county_id = await state.db(create)
            link = state.invite_link(token)
            result = (f'<p class="ok">已创建{pages.escape(name)}（编号{county_id}）。请把下面的链接发给该县的协调人（7天内有效，只能使用一次）：</p>'
                      f'<p><input class="copy" id="invite-link" readonly value="{pages.escape(link)}"></p>')
    fields = [pages.field("name", "县名"), pages.field("province", "省（可空）"), pages.field("city", "市（可空）")]
    for i in (1, 2):
        fields[i] = fields[i].replace(" required", "")
    hidden = f'<input type="hidden" name="csrf" value="{pages.escape(auth.csrf)}">'
    html = pages.form_page(state.settings.prefix, "管理：创建县", state.url("/operator"), fields, csrf_field=hidden, submit="创建并生成协调人邀请",
                           user=auth.login, csrf=auth.csrf)
    html = html.replace("</section>", result + "</section>", 1)
    return html_response(request, html)


def routes(app: web.Application) -> None:
    app.router.add_route("*", "/setup/{token}", setup)
    app.router.add_route("*", "/reset/{token}", reset)
    app.router.add_route("*", "/password", password)
    app.router.add_route("*", "/operator", operator)
