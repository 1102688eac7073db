"""The web page's hardening over real HTTP (issue 24): `next` only to this site, invites checked before an
account is made, tokens stored hashed, password rules and the old-password limit, sessions ended at once
in every process, JSON and server errors in Chinese, /healthz failing when writes fail, and the client
address taken from a proxy's header only when the peer is a configured proxy."""

from __future__ import annotations

import logging
from datetime import timedelta
from pathlib import Path
from typing import Any
from unittest import mock

import pytest
from aiohttp.test_utils import make_mocked_request
from driver import make_service
from sqlalchemy import text, update
from sqlmodel import select
from webharness import Client, Server, World, county_link, link_in

from bot.channels.web import security
from bot.channels.web.passwords import common, password_problem
from bot.storage import web_accounts as wa
from bot.storage.models import Invite, utcnow
from bot.storage.people import invite_key

PASSWORD = "correct-horse-1"


def accounts(server: Server) -> list[str]:
    with server.state.repo.transaction() as store:
        return [a.login for a in store.session.exec(select(wa.WebAccount)).all()]


def token_of(path: str) -> str:
    return path.rsplit("/", 1)[1]


# ---- next= after login --------------------------------------------------------------------------


@pytest.mark.parametrize("evil", ["/%09/evil.example/", "//evil.example/", "/%5Cevil.example/", "/%0d%0a//evil.example/",
                                  "https://evil.example/", "/%20/evil.example/", "%2F%2Fevil.example/", "/\\/evil.example/"])
def test_login_leads_only_to_a_path_on_this_site(world: World, server: Server, evil: str) -> None:
    client = Client(server.url)
    client.get("/login?next=" + evil)
    response = client.form("/login?next=" + evil, {"login": "次营填报", "password": PASSWORD})
    assert response.status == 302 and response.headers["Location"] == "/"
    assert "evil" not in world.clerk.get("/login?next=" + evil).headers.get("Location", "")


def test_login_still_leads_back_to_the_page_asked_for(world: World, server: Server) -> None:
    client = Client(server.url)
    login = client.get(f"/county/unit/{world.unit_id}?year=2025").headers["Location"]
    assert login.startswith("/login?next=/county/unit/")
    client.get(login)
    response = client.form(login, {"login": "阳城协调人", "password": PASSWORD})
    assert response.headers["Location"] == f"/county/unit/{world.unit_id}?year=2025"


# ---- invitations --------------------------------------------------------------------------------


def test_used_revoked_and_expired_invites_make_no_account(world: World, server: Server) -> None:
    added = world.coordinator.say("/addunit 芹池镇人民政府")
    clerk_link, reviewer_link = link_in(added, "填报人"), link_in(added, "审核人")
    Client(server.url).join(clerk_link, "芹池填报")
    other = county_link(world.operator, "泽州县")
    with server.state.repo.transaction() as store:
        store.invite(token_of(reviewer_link)).revoked = True  # type: ignore[union-attr]
        store.invite(token_of(other)).expires_at = utcnow() - timedelta(minutes=1)  # type: ignore[union-attr]
    before = accounts(server)
    for path, reason in ((clerk_link, "已被使用过"), (reviewer_link, "已被撤销"), (other, "已过期"), ("/join/" + "A" * 32, "邀请码无效")):
        late = Client(server.url)
        page = late.get(path)
        assert page.status == 404 and reason in page.text, (path, page.text[:300])
        response = late.form(path, {"login": "迟到的人", "password": PASSWORD, "password2": PASSWORD})
        assert response.status in (400, 404) and reason in response.text
    assert accounts(server) == before


def test_an_invite_used_between_the_page_and_the_form_makes_no_account(world: World, server: Server) -> None:
    link = link_in(world.coordinator.say("/addunit 芹池镇人民政府"), "填报人")
    first, second = Client(server.url), Client(server.url)
    first.get(link)
    second.get(link)  # both see the form while the invite is still good
    assert first.form(link, {"login": "先到", "password": PASSWORD, "password2": PASSWORD}).status == 302
    response = second.form(link, {"login": "后到", "password": PASSWORD, "password2": PASSWORD})
    assert response.status in (400, 404) and "已被使用过" in response.text
    assert "后到" not in accounts(server) and "先到" in accounts(server)
    first.get("/")
    assert any("芹池镇人民政府" in m["text"] for m in first.messages())  # the engine's own welcome


def test_an_account_is_made_only_in_the_transaction_that_redeems_the_invite(world: World, server: Server) -> None:
    """Another process redeems the invite after this one checked it: the engine refuses, and the account
    made in the same transaction is rolled back with it."""
    link = link_in(world.coordinator.say("/addunit 芹池镇人民政府"), "填报人")
    engine = server.state.engine
    real = engine.handle

    def raced(store: Any, user: Any, inp: Any) -> Any:
        store.session.execute(update(Invite).where(Invite.token == invite_key(token_of(link))).values(uses=1))  # the other process
        return real(store, user, inp)

    client = Client(server.url)
    client.get(link)
    with mock.patch.object(engine, "handle", raced):
        response = client.form(link, {"login": "后到", "password": PASSWORD, "password2": PASSWORD})
    assert response.status == 400 and "已被使用过" in response.text
    assert "后到" not in accounts(server)
    with server.state.repo.transaction() as store:
        assert store.invite(token_of(link)).uses == 0  # type: ignore[union-attr]  # rolled back too


def test_invite_and_one_time_tokens_are_stored_only_hashed(world: World, server: Server) -> None:
    token = token_of(link_in(world.coordinator.say("/addunit 芹池镇人民政府"), "填报人"))
    with server.state.repo.transaction() as store:
        account = wa.account_by_login(store, "次营填报")
        reset = wa.issue_token(store, "reset", utcnow(), account.id)  # type: ignore[union-attr]
        setup = wa.issue_token(store, "setup", utcnow())
        assert store.session.get(Invite, token) is None and store.session.get(Invite, invite_key(token)) is not None
    raw = server.state.repo.engine.raw_connection()
    try:
        dump = "\n".join(raw.driver_connection.iterdump())  # type: ignore[union-attr]
    finally:
        raw.close()
    assert token not in dump and reset not in dump and setup not in dump
    assert invite_key(token) in dump
    Client(server.url).join(f"/join/{token}", "芹池填报")  # the link itself works
    assert "芹池填报" in accounts(server)


def test_an_invite_is_named_to_revoke_by_the_start_of_its_hash(world: World, server: Server) -> None:
    token = token_of(link_in(world.coordinator.say("/addunit 芹池镇人民政府"), "填报人"))
    with server.state.repo.transaction() as store:
        assert store.invite_by_prefix(invite_key(token)[:12]) is not None
        assert store.invite_by_prefix(token[:12]) is None
        assert store.invite(invite_key(token)) is None  # the stored hash is no token


# ---- passwords -----------------------------------------------------------------------------------


@pytest.mark.parametrize("password", ["12345678", "password", "qwertyui", "88888888", "123456789", "a1234567", "woaini1314", "Password", "aaaaaaaaaa"])
def test_common_passwords_are_refused(password: str) -> None:
    assert "太常见" in password_problem(password, "张三")


def test_the_list_is_a_few_hundred_and_real_passwords_pass() -> None:
    assert 300 <= len(common()) <= 2000
    assert password_problem(PASSWORD, "次营填报") == ""
    assert "至少8位" in password_problem("abc1234", "张三")
    assert "登录名" in password_problem("zhangsan", "zhangsan") and "登录名" in password_problem("my-zhangsan-2026", "ZhangSan")


def test_a_new_account_with_a_weak_password_is_refused(world: World, server: Server) -> None:
    link = link_in(world.coordinator.say("/addunit 芹池镇人民政府"), "填报人")
    client = Client(server.url)
    client.get(link)
    for password, reason in (("12345678", "太常见"), ("qinchi2026x", "登录名"), ("qinchi", "至少8位")):
        response = client.form(link, {"login": "qinchi", "password": password, "password2": password})
        assert response.status == 400 and reason in response.text
    assert "qinchi" not in accounts(server)


def test_old_password_guesses_are_limited(world: World) -> None:
    clerk = world.clerk
    clerk.get("/password")
    for n in range(5):
        response = clerk.form("/password", {"old": f"guess-{n}-xyz", "password": "new-horse-22", "password2": "new-horse-22"})
        assert response.status == 400 and "原密码不正确" in response.text
    response = clerk.form("/password", {"old": PASSWORD, "password": "new-horse-22", "password2": "new-horse-22"})
    assert response.status == 429 and "次数过多" in response.text
    assert Client(world.server.url).login("次营填报", PASSWORD).status == 302  # unchanged


def test_a_failed_login_never_logs_the_login_field(server: Server, caplog: pytest.LogCaptureFixture) -> None:
    client = Client(server.url)
    with caplog.at_level(logging.DEBUG):
        for _ in range(7):  # past the limit: the rate-limit line too
            client.login("MySecret-Pass-77", "x")
    assert "MySecret-Pass-77" not in caplog.text and "login failed" in caplog.text


# ---- sessions -----------------------------------------------------------------------------------


def test_logout_ends_the_session_at_once_in_another_process(world: World, server: Server, tmp_path: Path) -> None:
    other = Server(make_service(tmp_path))  # a second process serving the same database
    try:
        elsewhere = Client(other.url)
        for cookie in world.clerk.jar:  # the same cookie
            elsewhere.jar.set_cookie(cookie)
        assert elsewhere.get("/api/messages").status == 200
        assert world.clerk.form("/logout", {}).status == 302
        assert elsewhere.get("/api/messages").status == 401
    finally:
        other.stop()


def test_a_password_changed_in_one_process_ends_sessions_in_another(world: World, server: Server, tmp_path: Path) -> None:
    other = Server(make_service(tmp_path))
    try:
        elsewhere = Client(other.url)
        assert elsewhere.login("次营填报", PASSWORD).status == 302
        assert elsewhere.get("/api/messages").status == 200
        world.clerk.get("/password")
        assert world.clerk.form("/password", {"old": PASSWORD, "password": "new-horse-22", "password2": "new-horse-22"}).status == 302
        assert elsewhere.get("/api/messages").status == 401
    finally:
        other.stop()


# ---- errors --------------------------------------------------------------------------------------


@pytest.mark.parametrize("body", [b"{not json", b"\xff\xfe{}", b"[" * 100_000 + b"]" * 100_000, b'{"kind": "text", "text": ' + b"[" * 50_000])
def test_malformed_or_deeply_nested_json_is_a_400_in_chinese(world: World, body: bytes) -> None:
    clerk = world.clerk
    response = clerk.request("POST", "/api/send", body, {"Content-Type": "application/json", "X-CSRF-Token": clerk.csrf})
    assert response.status == 400, response.text[:200]
    assert "JSON" in response.json()["error"] and "请求内容" in response.json()["error"]


def test_a_request_the_api_refuses_is_said_in_chinese(world: World) -> None:
    response = world.clerk.api("/api/send", {"kind": "text", "text": ""})
    assert response.status == 400 and response.json()["error"] == security.BAD_REQUEST


def test_any_server_error_is_a_page_in_chinese(world: World, server: Server) -> None:
    def broken(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("boom")

    with mock.patch.object(server.state.chat, "send", broken):
        response = world.clerk.api("/api/send", {"kind": "text", "text": "/menu"})
    assert response.status == 500 and "服务器出错" in response.json()["error"]
    with mock.patch.object(server.state, "db", broken):
        page = world.clerk.get("/")
    assert page.status == 500 and "服务器出错了" in page.text and "Server got itself in trouble" not in page.text
    assert page.headers["X-Frame-Options"] == "DENY" and "boom" not in page.text


# ---- /healthz -----------------------------------------------------------------------------------


def test_healthz_fails_when_the_database_takes_no_writes(server: Server) -> None:
    client = Client(server.url)
    assert client.get("/healthz").json()["database"] == "ok"
    with server.state.repo.engine.begin() as conn:  # every insert fails (as on a full disk); reads still work
        tables = [row[0] for row in conn.execute(text("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"))]
        for table in tables:
            conn.execute(text(f'CREATE TRIGGER "full_{table}" BEFORE INSERT ON "{table}" BEGIN SELECT RAISE(ABORT, \'database or disk is full\'); END'))
    response = client.get("/healthz")
    assert response.status == 503 and response.json()["database"] == "not writable" and response.json()["ok"] is False
    with server.state.repo.engine.begin() as conn:
        for table in tables:
            conn.execute(text(f'DROP TRIGGER "full_{table}"'))
    assert client.get("/healthz").status == 200
    with server.state.repo.transaction() as store:  # the probe left nothing behind
        assert store.session.exec(select(wa.WebToken).where(wa.WebToken.kind == "health")).all() == []


# ---- the client's address -----------------------------------------------------------------------


def request_from(peer: str, headers: dict[str, str]) -> Any:
    transport = mock.Mock()
    transport.get_extra_info.side_effect = lambda name, default=None: (peer, 40000) if name == "peername" else default
    return make_mocked_request("POST", "/login", headers=headers, transport=transport)


def test_x_real_ip_counts_only_from_a_configured_proxy() -> None:
    forged = {"X-Real-IP": "203.0.113.9", "X-Forwarded-For": "198.51.100.1"}
    assert security.client_ip(request_from("127.0.0.1", forged)) == "127.0.0.1"  # no proxy configured
    assert security.client_ip(request_from("192.0.2.7", forged), ("127.0.0.1",)) == "192.0.2.7"
    assert security.client_ip(request_from("127.0.0.1", forged), ("127.0.0.1",)) == "203.0.113.9"
    assert security.client_ip(request_from("10.1.2.3", forged), ("10.1.0.0/16",)) == "203.0.113.9"
    chain = {"X-Forwarded-For": "198.51.100.1, 203.0.113.9, 10.1.0.5"}
    assert security.client_ip(request_from("10.1.2.3", chain), ("10.1.0.0/16",)) == "203.0.113.9"
    assert security.client_ip(request_from("10.1.2.3", {"X-Real-IP": "not an address"}), ("10.1.0.0/16",)) == "10.1.2.3"

