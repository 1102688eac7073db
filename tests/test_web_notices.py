"""The web inbox (/inbox, /api/notices, the header's badge) and the e-mail address for notices (/profile,
a unit's members on its page), over real HTTP on 127.0.0.1 with a real SQLite file; and the storage
queries behind them (bot/storage/notices.py) and the use case (bot/workplace/email.py) on their own."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from html import escape
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event
from sqlmodel import select
from webharness import Client, Server, World

from bot.storage import notices
from bot.storage import web_accounts as wa
from bot.storage.models import Delivery, User
from bot.storage.repository import Repository
from bot.workplace.email import check_address, set_email, shown

NOW = datetime(2026, 11, 23, 1, 0, tzinfo=UTC)  # 09:00 in Beijing: make_service's clock


def identity_id(store: Any, login: str) -> int:
    """The id of the web identity (the `User` row of channel "web") of a login."""
    account = wa.account_by_login(store, login)
    assert account is not None
    return account.user_id


def web_user(server: Server, login: str) -> int:
    with server.state.repo.transaction() as store:
        return identity_id(store, login)


def queue(server: Server, login: str, text: str, kind: str = "review", later: timedelta | None = None) -> int:
    """A notice to a login through the delivery queue, as the bot queues its own messages."""
    with server.state.repo.transaction() as store:
        user = store.get_user(identity_id(store, login))
        not_before = server.state.clock.now() + later if later else None
        assert store.notify([user], text, kind, not_before=not_before) >= 1
        return int(max(d.id for d in store.session.exec(select(Delivery).where(Delivery.user_id == user.id)).all()))


def email_of(server: Server, login: str) -> str:
    with server.state.repo.transaction() as store:
        return store.person(store.get_user(identity_id(store, login))).email


def badge(html: str) -> str:
    found = re.search(r'<span id="notice-badge" class="badge"( hidden)?>([^<]*)</span>', html)
    assert found, "no badge in the header"
    return "" if found.group(1) else found.group(2)


# ---- the inbox ----------------------------------------------------------------------------------------


def test_badge_inbox_listing_marks_read_and_the_json_endpoint(world: World) -> None:
    server, clerk = world.server, world.clerk
    first = queue(server, "次营填报", "【提醒】距截止日期还有7天，请尽快完成年报。", "reminder")
    second = queue(server, "次营填报", "【退回修改】审核人退回了报告：请核对表三。", "review")
    queue(server, "北留填报", "【催办】北留镇的报告还未开始填写。", "nudge")

    summary = clerk.get("/api/notices")
    assert summary.status == 200 and summary.headers["Cache-Control"] == "no-store"
    data = summary.json()
    assert data["unread"] == 2
    assert [n["id"] for n in data["latest"]] == [second, first]  # newest first
    assert data["latest"][0] == {"id": second, "kind": "review", "label": "审核", "text": "【退回修改】审核人退回了报告：请核对表三。",
                                 "at": "2026-11-23 09:00"}  # Beijing time
    assert data["latest"][1]["label"] == "提醒"

    home = clerk.get("/")  # every page of a logged-in person: 通知 with its badge, 个人信息, the polling script
    assert 'href="/inbox"' in home.text and 'href="/profile"' in home.text and "/static/notices.js" in home.text
    assert badge(clerk.get("/profile").text) == "2"  # counted at the server where the handler knows it

    inbox = clerk.get("/inbox")
    assert inbox.status == 200
    text = inbox.text
    assert text.index("请核对表三") < text.index("距截止日期还有7天")  # newest first
    assert "北留镇" not in text  # another person's notices never
    assert text.count('<span class="tag new">新</span>') == 2 and "本页有2条新通知，现已标为已读。" in text
    assert '<span class="kind review">审核</span><time>2026-11-23 09:00</time>' in text  # Beijing time
    assert '<span class="kind reminder">提醒</span>' in text
    assert badge(text) == ""  # what the page shows is read now
    assert clerk.get("/api/notices").json() == {"unread": 0, "latest": []}

    again = clerk.get("/inbox").text
    assert 'class="tag new"' not in again and again.count('<span class="tag">已读</span>') == 2 and "本页没有新通知" in again

    other = world.other_clerk.get("/api/notices").json()
    assert other["unread"] == 1 and other["latest"][0]["label"] == "催办" and "北留镇" in other["latest"][0]["text"]
    other_inbox = world.other_clerk.get("/inbox").text
    assert "北留镇的报告" in other_inbox and "请核对表三" not in other_inbox and "距截止" not in other_inbox


def test_a_clerks_text_is_escaped_and_only_due_visible_notices_count(world: World) -> None:
    server, clerk = world.server, world.clerk
    queue(server, "次营填报", "<script>alert(1)</script> 审核意见", "review")
    queue(server, "次营填报", "明天才到的提醒", "reminder", later=timedelta(hours=1))
    failed = queue(server, "次营填报", "发送失败的通知", "review")
    with server.state.repo.transaction() as store:
        row = store.session.get(Delivery, failed)
        row.state = "failed"
        store.session.add(row)
    assert clerk.get("/api/notices").json()["unread"] == 1
    text = clerk.get("/inbox").text
    assert "&lt;script&gt;alert(1)&lt;/script&gt; 审核意见" in text and "<script>alert" not in text
    assert "明天才到" not in text and "发送失败" not in text
    server.state.clock.advance(timedelta(hours=2))
    assert clerk.get("/api/notices").json()["latest"][0]["text"] == "明天才到的提醒"


def test_inbox_pages_and_mark_all_read_with_csrf(world: World) -> None:
    server, clerk = world.server, world.clerk
    ids = [queue(server, "次营填报", f"第{i}条通知", "reminder") for i in range(1, 36)]
    page = clerk.get("/inbox").text
    assert page.count('class="notice new"') == 30 and "第35条通知" in page and "第5条通知<" not in page
    assert "其他通知中还有5条未读。" in page
    older = re.search(r'href="(/inbox\?before=\d+)" id="older"', page)
    assert older and older.group(1) == f"/inbox?before={ids[5]}"
    assert clerk.get("/api/notices").json()["unread"] == 5

    # 全部标为已读: a POST with the session's token only.
    assert clerk.form("/inbox/read-all", {}, csrf=False).status == 403
    assert clerk.request("POST", "/inbox/read-all", b"", {"X-CSRF-Token": "wrong"}).status == 403
    assert clerk.get("/api/notices").json()["unread"] == 5
    done = clerk.form("/inbox/read-all", {})
    assert done.status == 303 and done.headers["Location"] == "/inbox"
    assert clerk.get("/api/notices").json()["unread"] == 0
    second = clerk.get(older.group(1)).text
    assert second.count('<li class="notice"') == 5 and "第1条通知" in second and 'class="tag new"' not in second
    assert 'id="older"' not in second and 'href="/inbox">最新通知' in second
    assert clerk.get("/inbox?before=abc").status == 200  # a bad page number: the newest page


def test_logged_out_the_api_says_401_and_the_pages_go_to_login(server: Server) -> None:
    client = Client(server.url)
    assert client.get("/api/notices").status == 401
    for path in ("/inbox", "/profile"):
        response = client.get(path)
        assert response.status == 302 and response.headers["Location"].startswith("/login")


# ---- the e-mail address ------------------------------------------------------------------------------


def test_profile_sets_shows_and_clears_the_address(world: World) -> None:
    server, clerk = world.server, world.clerk
    page = clerk.get("/profile")
    assert page.status == 200 and "个人信息" in page.text and '<span id="email-stored" class="note">未设置</span>' in page.text
    saved = clerk.form("/profile", {"email": " zhangsan@YC.gov.cn ", "action": "save"})
    assert saved.status == 200 and "已保存邮箱地址：zhangsan@yc.gov.cn" in saved.text
    assert '<strong id="email-stored">zhangsan@yc.gov.cn</strong>' in saved.text
    assert email_of(server, "次营填报") == "zhangsan@yc.gov.cn"
    assert 'id="email-stored">zhangsan@yc.gov.cn' in clerk.get("/profile").text

    idn = clerk.form("/profile", {"email": "wang@政务.中国"})
    assert idn.status == 200 and email_of(server, "次营填报") == "wang@xn--zfr164b.xn--fiqs8s"
    assert "wang@政务.中国" in idn.text  # shown in its own script

    cleared = clerk.form("/profile", {"email": "wang@政务.中国", "action": "clear"})
    assert cleared.status == 200 and "已清除" in cleared.text and email_of(server, "次营填报") == ""
    assert clerk.form("/profile", {"email": "a@b.cn"}, csrf=False).status == 403
    assert email_of(server, "次营填报") == ""


@pytest.mark.parametrize(("typed", "says"), [
    ("zhangsan", "应包含@"),
    ("zhangsan@yc", "域名不完整"),
    ("a@b.cn, c@d.cn", "只能填写一个"),
    ("a@b.cn;c@d.cn", "只能填写一个"),
    ("zhang san@yc.gov.cn", "不能有空格"),
    ("a@b.cn\nBcc: victim@example.com", "不能有换行"),
    ("张三@yc.gov.cn", "@前面只能用英文字母"),
    ("a@-yc.gov.cn", "域名无效"),
    ("x" * 300_000 + "@yc.gov.cn", "太长"),
])
def test_profile_refuses_a_bad_address_and_keeps_the_stored_one(world: World, typed: str, says: str) -> None:
    clerk = world.clerk
    assert clerk.form("/profile", {"email": "keep@yc.gov.cn"}).status == 200
    bad = clerk.form("/profile", {"email": typed})
    assert bad.status == 400 and says in bad.text and 'role="alert"' in bad.text
    assert '<strong id="email-stored">keep@yc.gov.cn</strong>' in bad.text
    assert email_of(world.server, "次营填报") == "keep@yc.gov.cn"
    assert len(bad.body) < 20_000  # a huge input is not echoed back whole


def test_a_coordinator_sets_a_members_address_and_a_clerk_of_another_unit_is_refused(world: World) -> None:
    server = world.server
    clerk_id = web_user(server, "次营填报")
    page = world.coordinator.get(f"/county/unit/{world.unit_id}")
    assert page.status == 200 and 'id="members"' in page.text and "次营填报" in page.text and "次营审核" in page.text
    assert f'action="/county/unit/{world.unit_id}/email"' in page.text
    path = f"/county/unit/{world.unit_id}/email"
    done = world.coordinator.form(path, {"user": str(clerk_id), "email": "ciying@yc.gov.cn"})
    assert done.status == 200 and "次营填报：已保存邮箱地址：ciying@yc.gov.cn" in done.text
    assert email_of(server, "次营填报") == "ciying@yc.gov.cn"
    assert 'class="address">ciying@yc.gov.cn<' in world.coordinator.get(f"/county/unit/{world.unit_id}").text
    bad = world.coordinator.form(path, {"user": str(clerk_id), "email": "ciying@@yc.gov.cn"})
    assert bad.status == 400 and "只能填写一个" in bad.text and email_of(server, "次营填报") == "ciying@yc.gov.cn"
    assert world.coordinator.form(path, {"user": str(clerk_id), "email": "x@y.cn"}, csrf=False).status == 403

    # A clerk of 北留镇, a coordinator of another county, and the unit's own clerk (not its owner): refused, logged.
    for stranger in (world.other_clerk, world.far_coordinator, world.reviewer):
        refused = stranger.form(path, {"user": str(clerk_id), "email": "evil@example.com"})
        assert refused.status == 403 and "无权设置" in refused.text
    assert world.clerk.form(path, {"user": str(web_user(server, "次营审核")), "email": "x@yc.gov.cn"}).status == 403
    assert world.other_clerk.form(path, {"user": "999999", "email": "x@yc.gov.cn"}).status == 403
    assert email_of(server, "次营填报") == "ciying@yc.gov.cn" and email_of(server, "次营审核") == ""
    with server.state.repo.transaction() as store:
        refusals = [r for r in store.refusals() if r.action == "email"]
        assert len(refusals) == 5 and {r.target for r in refusals} >= {f"user:{clerk_id}", "user:?"}
    # Members who may not set addresses do not see them.
    assert 'id="members"' not in world.clerk.get(f"/county/unit/{world.unit_id}").text
    assert "ciying@yc.gov.cn" not in world.reviewer.get(f"/county/unit/{world.unit_id}").text
    # Clearing through the same form: an empty field.
    assert world.coordinator.form(path, {"user": str(clerk_id), "email": ""}).status == 200
    assert email_of(server, "次营填报") == ""


# ---- the storage queries and the use case, on their own ----------------------------------------------


def statements(repo: Repository) -> list[str]:
    seen: list[str] = []
    event.listen(repo.engine, "before_cursor_execute", lambda *args: seen.append(args[2]))
    return seen


def test_each_inbox_query_is_one_statement_whatever_the_number_of_notices(tmp_path: Path) -> None:
    repo = Repository(data_dir=tmp_path, now=lambda: NOW)
    with repo.transaction() as store:
        me = store.user("web", "me1", "我")
        other = store.user("web", "other1", "别人")
        for i in range(500):
            store.notify([me], f"通知{i}", "reminder")
        store.notify([other], "别人的通知", "review")
    seen = statements(repo)
    calls: list[tuple[str, Any]] = []
    with repo.transaction() as store:
        me = store.session.exec(select(User).where(User.external_id == "me1")).one()
        other = store.session.exec(select(User).where(User.external_id == "other1")).one()
        for name, call in (("count", lambda: notices.unread_count(store, me, NOW)),
                           ("latest", lambda: notices.unread_latest(store, me, NOW, 5)),
                           ("page", lambda: notices.inbox_page(store, me, NOW, 30)),
                           ("older", lambda: notices.inbox_page(store, me, NOW, 30, before_id=100)),
                           ("mark", lambda: notices.mark_read(store, me, [1, 2, 3, 501], NOW)),
                           ("all", lambda: notices.mark_all_read(store, me, NOW))):
            before = len(seen)
            calls.append((name, call()))
            assert len(seen) - before == 1, (name, seen[before:])
    results = dict(calls)
    assert results["count"] == 500
    assert results["latest"][0] == 500 and [d.text for d in results["latest"][1]] == [f"通知{i}" for i in (499, 498, 497, 496, 495)]
    assert len(results["page"]) == 30 and results["page"][0].text == "通知499"
    assert [d.id for d in results["older"]][:2] == [99, 98]
    assert results["mark"] == 3  # 501 is the other person's: left alone
    assert results["all"] == 497
    with repo.transaction() as store:
        assert notices.unread_count(store, other, NOW) == 1 and notices.unread_count(store, me, NOW) == 0
        assert notices.unread_latest(store, me, NOW) == (0, [])


def test_the_address_check() -> None:
    assert check_address("  ZhangSan@YC.GOV.CN ") == ("ZhangSan@yc.gov.cn", "")
    assert check_address("li＠yc。gov。cn") == ("li@yc.gov.cn", "")  # typed with a Chinese input method
    assert check_address("") == ("", "")
    address, problem = check_address("a@中文.中国")
    assert problem == "" and address == "a@xn--fiq228c.xn--fiqs8s" and shown(address) == "a@中文.中国"
    for bad in ("a@b", "@b.cn", "a.@b.cn", "a..b@b.cn", "a@b..cn", "a@b.cn.", "a@b.123", "a@b\u200b.cn", "a\t@b.cn",
                "a@" + "x" * 64 + ".cn", "x" * 65 + "@b.cn", "a@" + ".".join(["abcdefghi"] * 26) + ".cn", "a,b@c.cn", "a@b.cn、c@d.cn"):
        assert check_address(bad)[1], bad
    assert len(check_address("a@" + ".".join(["abcdefghi"] * 24) + ".cn")[0]) <= 254


def test_who_may_set_whose_address(tmp_path: Path) -> None:
    repo = Repository(data_dir=tmp_path, now=lambda: NOW)
    with repo.transaction() as store:
        county = store.create_county("阳城县")
        owner = store.user("telegram", "1", "负责人")
        unit = store.create_unit(owner, "次营镇人民政府", county=county)
        clerk = store.user("telegram", "2", "填报人")
        store.add_member(clerk, unit.id, "clerk")
        coordinator = store.user("telegram", "3", "协调人")
        store.add_coordinator(coordinator, county.id)
        stranger = store.user("telegram", "4", "外人")
        store.create_unit(stranger, "北留镇人民政府", county=county)
        web = store.account("web", "w1", "网页")  # the clerk's web login, linked to the clerk
        web.person_id = clerk.id
        store.save(web)

        assert set_email(store, web, web, "me@yc.gov.cn").ok  # through the linked login: the person's row
        assert clerk.email == "me@yc.gov.cn" and web.email == ""
        assert set_email(store, owner, clerk, "o@yc.gov.cn").address == "o@yc.gov.cn"
        assert set_email(store, coordinator, web, "c@yc.gov.cn").ok and clerk.email == "c@yc.gov.cn"
        refused = set_email(store, stranger, clerk, "s@yc.gov.cn")
        assert refused.refused and not refused.ok and "无权" in refused.message and clerk.email == "c@yc.gov.cn"
        assert not set_email(store, clerk, owner, "x@yc.gov.cn").ok  # a clerk is not their owner's manager
        assert not set_email(store, coordinator, stranger, "x@y.cn").refused  # the stranger is in the county too
        assert [r.target for r in store.refusals() if r.action == "email"] == [f"user:{clerk.id}", f"user:{owner.id}"]
        assert set_email(store, clerk, clerk, "bad").message.startswith("邮箱地址应包含@")
        assert clerk.email == "c@yc.gov.cn"


def test_a_coordinators_nudge_reaches_the_clerks_inbox(world: World) -> None:
    """The whole way: the coordinator's 提醒落后的单位 (the engine's /nudge) queues a notice, the clerk's badge
    counts it and /inbox lists it as 催办."""
    assert world.coordinator.form("/county/nudge", {}).status == 200
    data = world.clerk.get("/api/notices").json()
    assert data["unread"] == 1 and data["latest"][0]["label"] == "催办"
    inbox = world.clerk.get("/inbox").text
    assert '<span class="kind nudge">催办</span>' in inbox and escape(data["latest"][0]["text"]) in inbox
    assert world.coordinator.get("/api/notices").json()["unread"] == 0  # not to the one who nudged
