"""People on the web page: sessions, log in and out, joining by invite, the operator's set-up link,
password change and reset.

A session cookie holds a random 256-bit id (only its hash is stored); forms before log-in carry a
double-submit token; every POST after log-in carries the session's CSRF token.
"""

from __future__ import annotations

import logging
import re
import secrets
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, urlsplit

from aiohttp import web

from bot.channels.web import pages, security
from bot.channels.web.chat import CHANNEL
from bot.channels.web.passwords import password_problem
from bot.channels.web.state import STATE, WebState
from bot.interview.types import Input, Outcome
from bot.storage import web_accounts as wa

log = logging.getLogger(__name__)
COOKIE = "nb_session"
PRE = "nb_pre"
LOGIN_RE = re.compile(r"[\w.@-]{2,32}")


@dataclass(frozen=True)
class Auth:
    """The logged-in person of a request."""

    account_id: int
    login: str
    user_id: int
    external_id: str
    operator: bool
    csrf: str
    token: str
    coordinator: bool = False  # coordinates a county (pages only: the header's 县级汇总 link); False on API requests


def _lookup(store: Any, token: str, now: Any, page: bool = False) -> Auth | None:
    """The session's person; for a page (not an API call) also whether they coordinate a county."""
    found = wa.find_session(store, token, now)
    if found is None:
        return None
    row, account = found
    user = store.get_user(account.user_id)
    if user is None:
        return None
    coordinator = page and bool(store.coordinated_counties(store.person(user)))
    return Auth(account.id or 0, account.login, account.user_id, user.external_id, account.operator, row.csrf, token, coordinator)


# The request's person; a typed key where aiohttp has them (3.12+), a plain one before.
AUTH: Any = web.RequestKey("auth", object) if hasattr(web, "RequestKey") else "auth"


@web.middleware
async def session_middleware(request: web.Request, handler: security.Handler) -> web.StreamResponse:
    """The session is looked up in the database on every request (one indexed read): a logout, a password
    change or a reset in any process ends it at once in every other process too."""
    state: WebState = request.app[STATE]
    token = request.cookies.get(COOKIE, "")
    request[AUTH] = None
    if token and not request.path.startswith(("/static/", "/healthz")) and len(token) < 100:
        request[AUTH] = await state.read(_lookup, token, state.clock.now(), not request.path.startswith("/api/"))
    return await handler(request)


def require(request: web.Request) -> Auth:
    """The logged-in person, or: to the login page (pages), 401 (API)."""
    auth: Auth | None = request[AUTH]
    if auth is not None:
        return auth
    if request.path.startswith("/api/") or request.path.startswith("/doc/"):
        raise web.HTTPUnauthorized(text='{"error": "请先登录。"}', content_type="application/json")
    state: WebState = request.app[STATE]
    raise web.HTTPFound(state.url("/login") + "?next=" + quote(_safe_next(request.path_qs), safe="/"))


async def require_post(request: web.Request) -> tuple[Auth, Any]:
    """A logged-in POST with the session's CSRF token; the form (if any) is returned."""
    auth = require(request)
    form = await request.post() if request.content_type in ("application/x-www-form-urlencoded", "multipart/form-data") else {}
    if not security.csrf_ok(auth.csrf, request, str(form.get("csrf", "")) if form else ""):
        log.warning("CSRF token missing or wrong: %s %s (account %s)", request.method, request.path, auth.account_id)
        raise web.HTTPForbidden(text="请求无效（缺少安全令牌），请刷新页面后重试。")
    return auth, form


def _safe_next(path: str) -> str:
    """`path` when it is a path on this site, else "/". Browsers drop tabs and line breaks from a Location
    and read a backslash as a slash, so `/\t/evil.example/` would lead to //evil.example/: any space,
    control character or backslash, a second leading slash, a scheme or a host is refused."""
    if not path.startswith("/") or path.startswith("//") or "\\" in path:
        return "/"
    if any(not c.isprintable() or c.isspace() for c in path):
        return "/"
    parts = urlsplit(path)
    return path if not parts.scheme and not parts.netloc and parts.path.startswith("/") and not parts.path.startswith("//") else "/"


def set_session_cookie(response: web.StreamResponse, state: WebState, token: str) -> None:
    response.set_cookie(COOKIE, token, httponly=True, samesite="Strict", secure=state.settings.secure,
                        path=state.settings.prefix or "/", max_age=wa.SESSION_DAYS * 86400)


def pre_form(request: web.Request) -> tuple[str, str]:
    """(token, hidden field) of the pre-login double-submit token."""
    token = request.cookies.get(PRE, "") or secrets.token_urlsafe(24)
    return token, f'<input type="hidden" name="csrf" value="{pages.escape(token)}">'


def html_response(request: web.Request, html: str, pre: str = "", status: int = 200) -> web.Response:
    state: WebState = request.app[STATE]
    response = web.Response(text=html, content_type="text/html", status=status)
    if pre and request.cookies.get(PRE) != pre:
        response.set_cookie(PRE, pre, httponly=True, samesite="Strict", secure=state.settings.secure, path=state.settings.prefix or "/")
    return response


async def pre_post(request: web.Request) -> Any:
    form = await request.post()
    given = str(form.get("csrf", ""))
    if not request.cookies.get(PRE) or not secrets.compare_digest(given, request.cookies.get(PRE, "")):
        log.warning("pre-login form without its token: %s", request.path)
        raise web.HTTPForbidden(text="请求无效（缺少安全令牌），请刷新页面后重试。")
    return form


def new_account_problem(form: Any) -> str:
    login = str(form.get("login", "")).strip()
    password = str(form.get("password", ""))
    if not LOGIN_RE.fullmatch(login):
        return "登录名应为2–32个字母、数字、汉字或 . _ - @，不能有空格。"
    problem = password_problem(password, login)
    if problem:
        return problem
    if password != str(form.get("password2", "")):
        return "两次输入的密码不一致。"
    return ""


def create_person(store: Any, login: str, password: str, now: Any) -> tuple[str, str] | None:
    """A new web person (engine user + account) and their session; None when the name is taken."""
    if wa.account_by_login(store, login) is not None:
        return None
    user = store.user("web", secrets.token_hex(8), display_name=login)
    account = wa.create_account(store, login, password, user.id)
    token, _ = wa.open_session(store, account, now)
    return token, user.external_id


async def login_page(request: web.Request) -> web.Response:
    state: WebState = request.app[STATE]
    if request[AUTH] is not None:
        raise web.HTTPFound(state.url(_safe_next(request.query.get("next", "/"))))
    pre, hidden = pre_form(request)
    return html_response(request, _login_html(state, hidden, request.query.get("next", "/")), pre)


def _login_html(state: WebState, hidden: str, next_path: str, error: str = "") -> str:
    action = state.url("/login") + "?next=" + quote(_safe_next(next_path), safe="/")
    fields = [pages.field("login", "登录名", autocomplete="username"), pages.field("password", "密码", "password", autocomplete="current-password")]
    return pages.form_page(state.settings.prefix, "登录", action, fields, error=error, csrf_field=hidden, submit="登录",
                           intro="请用加入时设置的登录名和密码登录。忘记密码请联系管理员重置。")


async def login_post(request: web.Request) -> web.Response:
    state: WebState = request.app[STATE]
    form = await pre_post(request)
    login = str(form.get("login", "")).strip()[:64]
    password = str(form.get("password", ""))[:200]
    ip = security.client_ip(request, state.settings.trusted_proxies)
    pre, hidden = pre_form(request)
    if state.by_ip.blocked(ip) or state.by_login.blocked(login):
        log.warning("login rate-limited: ip %s", ip)  # never the login name: it may be a password typed there
        return html_response(request, _login_html(state, hidden, request.query.get("next", "/"), "尝试次数过多，请15分钟后再试。"), pre, 429)

    def check(store: Any) -> str | None:
        account = wa.verify(store, login, password)
        if account is None:
            return None
        token, _ = wa.open_session(store, account, state.clock.now())
        return token

    token = await state.db(check)
    if token is None:
        state.by_ip.fail(ip)
        state.by_login.fail(login)
        log.info("login failed from %s", ip)  # never the login name: it may be a password typed there
        return html_response(request, _login_html(state, hidden, request.query.get("next", "/"), "登录名或密码不正确。"), pre, 401)
    state.by_login.clear(login)
    response = web.HTTPFound(state.url(_safe_next(request.query.get("next", "/"))))
    set_session_cookie(response, state, token)
    raise response


async def logout(request: web.Request) -> web.Response:
    state: WebState = request.app[STATE]
    auth, _ = await require_post(request)
    await state.db(lambda store: wa.revoke_session(store, auth.token))
    response = web.HTTPFound(state.url("/login"))
    response.del_cookie(COOKIE, path=state.settings.prefix or "/")
    raise response


async def join_page(request: web.Request) -> web.Response:
    """/join/TOKEN: a logged-in person joins at once; anyone else first sets a login name and password."""
    state: WebState = request.app[STATE]
    token = request.match_info["token"][:64]
    auth: Auth | None = request[AUTH]
    if auth is not None and request.method == "POST":
        await require_post(request)
        await _start_with(state, auth.external_id, auth.login, token)
        raise web.HTTPFound(state.url("/"))
    unusable = await state.db(lambda store: store.invite_problem(token, state.clock.now()))
    if unusable:  # used, revoked, expired or unknown: no account is made for it
        return html_response(request, pages.message(state.settings.prefix, "邀请无效", unusable), status=404)
    if auth is not None:
        body = (f'<section class="card narrow"><h1>加入</h1><p>您已以“{pages.escape(auth.login)}”登录。确认用此账号接受邀请？</p>'
                f'<form method="post"><input type="hidden" name="csrf" value="{auth.csrf}"><button id="submit">接受邀请</button></form></section>')
        return html_response(request, pages.page(state.settings.prefix, "加入", body, csrf=auth.csrf, user=auth.login))
    pre, hidden = pre_form(request)
    if request.method == "POST":
        form = await pre_post(request)
        problem = new_account_problem(form)
        if not problem:
            login = str(form["login"]).strip()
            try:
                session_token, external_id, outcome = await state.db(_join_new, state, token, login, str(form["password"]))
            except Refused as exc:
                problem = str(exc)
            else:
                state.chat.translate(state.chat.person(external_id, login), outcome)
                response = web.HTTPFound(state.url("/"))
                set_session_cookie(response, state, session_token)
                raise response
        return html_response(request, _join_html(state, hidden, token, problem, str(form.get("login", ""))), pre, 400)
    return html_response(request, _join_html(state, hidden, token), pre)


class Refused(Exception):
    """A join that did not happen (its transaction rolled back); the message is for the person."""


def _join_new(store: Any, state: WebState, token: str, login: str, password: str) -> tuple[str, str, Outcome]:
    """One transaction: the invite is checked, the account made and the invite redeemed by the engine's own
    `/start TOKEN` (the chat's redemption and checks). A used, revoked or expired invite (also one used by
    someone else a moment ago) makes no account: everything is rolled back (Refused)."""
    now = state.clock.now()
    problem = store.invite_problem(token, now)
    if problem:
        raise Refused(problem)
    if wa.account_by_login(store, login) is not None:
        raise Refused("这个登录名已被使用，请换一个。")
    identity = store.account(CHANNEL, secrets.token_hex(8), login, lock=True)
    user = store.person(identity)
    account = wa.create_account(store, login, password, user.id)
    session_token, _ = wa.open_session(store, account, now)
    outcome = state.engine.handle(store, user, Input(kind="command", text="start", args=token))
    invite = store.invite(token)
    joined = invite is not None and (store.coordinates(user, invite.county_id) if invite.county_id is not None
                                     else invite.unit_id is not None and store.role(user, invite.unit_id) is not None)
    if not joined:  # the engine did not let this new person in (someone else took the invite): no account either
        raise Refused(store.invite_problem(token, now) or "该邀请已被使用过，请向邀请人重新索取。")
    return session_token, identity.external_id, outcome


def _join_html(state: WebState, hidden: str, token: str, error: str = "", login: str = "") -> str:
    login_link = state.url("/login") + f"?next=/join/{token}"
    intro = "您收到了加入年报填报的邀请。请设置登录名和密码，以后用它们登录。"
    html = pages.form_page(state.settings.prefix, "加入年报助手", state.url(f"/join/{token}"), pages.new_account_fields(login),
                           intro=intro, error=error, csrf_field=hidden, submit="设置并加入")
    return html.replace("</section>", f'<p class="note">已有账号？<a href="{pages.escape(login_link)}">先登录</a>再打开此链接。</p></section>', 1)


async def _start_with(state: WebState, external_id: str, name: str, token: str) -> None:
    """The invite goes to the engine as the chat's `/start TOKEN`: the same redemption, the same checks."""
    person = state.chat.person(external_id, name)
    await state.chat.send(person, Input(kind="command", text="start", args=token), echo=False)


def routes(app: web.Application) -> None:
    app.router.add_get("/login", login_page)
    app.router.add_post("/login", login_post)
    app.router.add_post("/logout", logout)
    app.router.add_route("*", "/join/{token}", join_page)
