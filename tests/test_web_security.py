"""The web page's protections over real HTTP: another unit's report refused (by URL, by API, by crafted
posts) and logged; CSRF; escaping; sessions after logout; login rate limits; one-time links; uploads."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlmodel import select
from webharness import Client, Server, World, account, refusals

from bot.channels.cli.commands import main
from bot.storage.models import Answer, ReportRecord, Unit, User


def answers_of(server: Server, unit_id: int) -> dict[str, object]:
    with server.state.repo.transaction() as store:
        record = store.session.exec(select(ReportRecord).where(ReportRecord.unit_id == unit_id)).first()
        if record is None:
            return {}
        return {a.key: a.value for a in store.session.exec(select(Answer).where(Answer.report_id == record.id)).all()}


def test_another_units_report_by_url_is_refused_and_logged(world: World, server: Server) -> None:
    world.clerk.tap("全部为0")
    stranger = account(server, "路人")
    for person, login in ((stranger, "路人"), (world.other_clerk, "北留填报"), (world.far_coordinator, "沁水协调人")):
        before = len(refusals(server, login))
        page = person.get(f"/county/unit/{world.unit_id}")
        assert page.status == 403 and "次营镇" not in page.text
        assert len(refusals(server, login)) == before + 1
    assert world.coordinator.get(f"/county/unit/{world.unit_id}").status == 200
    assert world.clerk.get("/county").status == 403  # a clerk is no coordinator: refused and logged
    assert any(r.action == "county" for r in refusals(server, "次营填报"))


def test_another_units_report_by_api_and_crafted_posts_is_refused(world: World, server: Server) -> None:
    world.clerk.tap("全部为0")
    before = answers_of(server, world.unit_id)
    intruder = world.other_clerk
    # The chat API: the engine's /open and a forged button naming 次营镇's report.
    said = intruder.say(f"/open {world.unit_id}")
    assert any("无权" in m["text"] for m in said)
    with server.state.repo.transaction() as store:
        record_id = store.session.exec(select(ReportRecord).where(ReportRecord.unit_id == world.unit_id)).one().id
        token = store.conversation(store.session.exec(select(User).where(User.display_name == "北留填报")).one()).prompt_token
    forged = intruder.api("/api/send", {"kind": "button", "text": f"{token}:rdocx:{record_id}"}).json()["messages"]
    assert not any(m.get("doc") for m in forged)
    # The grid API only ever touches the person's own report.
    intruder.api("/api/grid/table3", {"rows": {"NEW": ["9", "9", "9", "9", "9", "9"]}})
    assert answers_of(server, world.unit_id) == before
    # A clerk posting the coordinator's forms gets the engine's refusal, not the collection.
    collected = intruder.form("/county/collect", {})
    assert collected.headers["Content-Type"].startswith("text/html") and "协调人" in collected.text
    assert len(refusals(server, "北留填报")) >= 3
    # The far coordinator's collection holds only their own county.
    assert world.far_coordinator.get("/county").status == 200
    assert "次营镇" not in world.far_coordinator.get("/county").text


def test_csrf_missing_or_wrong_is_refused(world: World) -> None:
    clerk = world.clerk
    assert clerk.api("/api/send", {"kind": "text", "text": "/menu"}, csrf=False).status == 403
    assert clerk.api("/api/grid/table3", {"rows": {}}, csrf=False).status == 403
    assert clerk.form("/logout", {}, csrf=False).status == 403
    assert world.coordinator.form("/county/collect", {}, csrf=False).status == 403
    assert world.operator.form("/operator", {"name": "某县"}, csrf=False).status == 403
    clerk.csrf = "forged-token"
    assert clerk.api("/api/send", {"kind": "text", "text": "/menu"}).status == 403
    fresh = Client(world.server.url)
    assert fresh.form("/login", {"login": "次营填报", "password": "correct-horse-1"}, csrf=False).status == 403


def test_script_in_a_clerks_text_is_shown_as_text(world: World) -> None:
    script = "<script>alert(1)</script>"
    assert "单位名称应为" in world.coordinator.say(f"/addunit {script}镇人民政府")[-1]["text"]  # refused as a name now
    with world.server.state.repo.transaction() as store:  # as stored by an older release
        store.session.get(Unit, world.other_unit_id).name = f"{script}镇人民政府"  # type: ignore[union-attr]
    page = world.coordinator.get("/county")
    assert script not in page.text and "&lt;script&gt;alert(1)&lt;/script&gt;镇人民政府" in page.text
    said = world.clerk.say(script)
    assert said[0]["text"] == script  # JSON data, put into the page with textContent by chat.js
    assert world.clerk.get("/api/messages").headers["Content-Type"].startswith("application/json")


def test_stolen_cookie_after_logout_is_refused(world: World) -> None:
    clerk = world.clerk
    stolen = clerk.cookie("nb_session")
    thief = Client(world.server.url)
    thief.opener.addheaders = [("Cookie", f"nb_session={stolen}")]
    assert thief.get("/api/messages").status == 200
    assert clerk.form("/logout", {}).status == 302
    assert thief.get("/api/messages").status == 401
    assert thief.get("/").status == 302


def test_session_cookie_flags(server: Server) -> None:
    client = Client(server.url)
    client.get(server.setup_path())
    response = client.form(server.setup_path(), {"login": "甲", "password": "12345678", "password2": "12345678"})
    assert response.status == 400  # a one-character name
    link = server.setup_path()
    client.get(link)
    response = client.form(link, {"login": "管理员", "password": "12345678x", "password2": "12345678x"})
    cookie = next(v for k, v in response.headers.items() if k == "Set-Cookie" and v.startswith("nb_session="))
    assert "HttpOnly" in cookie and "SameSite=Strict" in cookie and "Secure" not in cookie
    assert client.get(link).status == 404  # the set-up link works once


def test_login_rate_limited_per_name(world: World) -> None:
    thief = Client(world.server.url)
    thief.get("/login")
    for _ in range(5):
        assert thief.form("/login", {"login": "次营填报", "password": "wrong-password"}).status == 401
    assert thief.form("/login", {"login": "次营填报", "password": "correct-horse-1"}).status == 429
    other = Client(world.server.url)
    assert other.login("北留填报").status == 302


def test_password_reset_link_from_the_cli_ends_old_sessions(
    world: World, server: Server, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("NIANBAO_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("NIANBAO_WEB_PORT", str(server.port))
    monkeypatch.chdir(tmp_path)
    assert main(["user", "reset", "次营填报"]) == 0
    link = capsys.readouterr().out.strip().splitlines()[-1]
    path = link.removeprefix(server.url)
    assert path.startswith("/reset/")
    helper = Client(server.url)
    helper.get(path)
    assert helper.form(path, {"password": "new-password-9", "password2": "new-password-9"}).status == 200
    assert world.clerk.get("/api/messages").status == 401  # the old session ended
    assert Client(server.url).login("次营填报", "correct-horse-1").status == 401
    assert Client(server.url).login("次营填报", "new-password-9").status == 302
    assert helper.get(path).status == 404
    assert main(["user", "reset", "没有这个人"]) == 1


def test_upload_type_and_size_limits(world: World) -> None:
    clerk = world.clerk

    def upload(name: str, data: bytes) -> list[dict[str, object]]:
        boundary = "----nianbao"
        body = (f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{name}"\r\n'
                "Content-Type: application/octet-stream\r\n\r\n").encode() + data + f"\r\n--{boundary}--\r\n".encode()
        response = clerk.request("POST", "/api/upload", body, {"Content-Type": f"multipart/form-data; boundary={boundary}", "X-CSRF-Token": clerk.csrf})
        assert response.status in (200, 413), response.text[:200]
        return response.json()["messages"] if response.status == 200 else [{"text": "413"}]

    assert "只能上传" in upload("a.exe", b"MZ")[-1]["text"]  # type: ignore[operator]
    big = upload("big.txt", b"x" * (10 * 1024 * 1024 + 10))
    assert any("太大" in str(m["text"]) or m["text"] == "413" for m in big)


def test_rate_limit_window_and_per_address_limit(world: World) -> None:
    from datetime import UTC, datetime, timedelta

    from bot.channels.web.security import RateLimiter

    now = [datetime(2026, 11, 23, 1, 0, tzinfo=UTC)]
    limiter = RateLimiter(lambda: now[0], limit=2)
    limiter.fail("甲")
    limiter.fail("甲")
    assert limiter.blocked("甲") and not limiter.blocked("乙")
    now[0] += timedelta(minutes=15, seconds=1)
    assert not limiter.blocked("甲")
    # Over HTTP: many names guessed from one address end up refused for every name.
    thief = Client(world.server.url)
    thief.get("/login")
    for i in range(60):
        assert thief.form("/login", {"login": f"猜{i}", "password": "x" * 8}).status == 401
    assert thief.form("/login", {"login": "北留填报", "password": "correct-horse-1"}).status == 429


def test_documents_kept_for_download_are_bounded(world: World) -> None:
    from bot.channels.web import chat

    keep = world.server.state.chat
    before = chat.DOCUMENT_BYTES
    chat.DOCUMENT_BYTES = 1000
    try:
        first = keep._keep_document("a", "a.docx", b"x" * 600)
        second = keep._keep_document("a", "b.docx", b"y" * 600)
        assert keep.document("a", first) is None and keep.document("a", second) == ("b.docx", b"y" * 600)
        assert keep.document("b", second) is None
    finally:
        chat.DOCUMENT_BYTES = before
