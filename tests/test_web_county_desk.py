"""The county's desk on the web page over real HTTP (issue 25): every form of the coordinator's pages and the
clerk's bar, each through the conversation layer's use cases, and the refusals (403, logged)."""

from __future__ import annotations

import io
import re
import zipfile
from urllib.parse import unquote

from docx import Document
from driver import narratives
from openpyxl import load_workbook
from sqlmodel import select
from webharness import LINK, Client, World, refusals, unit_ids

from bot.storage.models import ReportRecord, User
from bot.storage.people import invite_key


def links(html: str) -> list[str]:
    return [m.group(1) for m in LINK.finditer(html)]


def filename(response: object) -> str:
    disposition = response.headers["Content-Disposition"]  # type: ignore[attr-defined]
    return unquote(disposition.split("filename*=UTF-8''", 1)[1])


def fill_and_submit(clerk: Client) -> None:
    clerk.tap("全部为0")
    clerk.tap("没有，全部为0")
    clerk.tap("没有，全部为0")
    narratives(clerk)
    assert clerk.form("/my/submit", {}).status == 302


def test_add_one_unit_and_many_with_invalid_names_and_their_invitation_links(world: World) -> None:
    coordinator, server = world.coordinator, world.server
    page = coordinator.get("/county")
    assert page.status == 200 and 'id="names"' in page.text and 'for="names"' in page.text and "/" + "addunit" not in page.text
    one = coordinator.form("/county/units", {"names": "町店镇人民政府", "level": "township"})
    assert one.status == 200 and "已在阳城县添加1个单位" in one.text
    assert len(links(one.text)) == 2 and 'class="copy secondary"' in one.text and "copy.js" in one.text
    many = coordinator.form("/county/units", {"names": "润城镇人民政府\r\n\r\n阳城县教育局\n次营镇人民政府\nabc\n润城镇人民政府\n",
                                              "level": "county_department"})
    assert many.status == 200 and "已在阳城县添加2个单位" in many.text
    problems = many.text.split("以下名称没有添加", 1)[1]
    assert "“次营镇人民政府”：阳城县已有这个单位" in problems and "“abc”" in problems and problems.count("润城镇人民政府") == 1
    ids = unit_ids(server)
    assert {"町店镇人民政府", "润城镇人民政府", "阳城县教育局"} <= set(ids)
    with server.state.repo.transaction() as store:
        assert store.unit(ids["阳城县教育局"]).level == "county_department"
    # The links work: a clerk joins 润城镇 by the first one.
    clerk = Client(server.url)
    clerk.join(links(many.text)[0], "润城填报")
    with server.state.repo.transaction() as store:
        user = store.session.exec(select(User).where(User.display_name == "润城填报")).one()
        assert store.role(user, ids["润城镇人民政府"]) == "clerk"
    # Nothing valid: 400, nothing added.
    bad = coordinator.form("/county/units", {"names": "x\n", "level": "township"})
    assert bad.status == 400 and "没有添加" in bad.text and len(unit_ids(server)) == len(ids)
    # The same form and the chat's /addunit are one use case: the chat refuses the duplicate the same way.
    assert any("已有“町店镇人民政府”" in m["text"] for m in coordinator.say("/addunit 町店镇人民政府"))


def test_a_clerk_or_another_countys_coordinator_is_refused_and_logged(world: World) -> None:
    server = world.server
    for client, login in ((world.clerk, "次营填报"), (world.far_coordinator, "沁水协调人")):
        before = len(refusals(server, login))
        with server.state.repo.transaction() as store:
            yangcheng = store.unit(world.unit_id).county_id
        assert client.form("/county/units", {"names": "冒充镇人民政府", "county": str(yangcheng)}).status == 403
        assert client.form("/county/collect", {"year": "2026", "county": str(yangcheng)}).status == 403
        assert client.form("/county/nudge", {"year": "2026", "county": str(yangcheng)}).status == 403
        assert client.get(f"/county/summary?year=2026&county={yangcheng}").status == 403
        assert client.form(f"/county/unit/{world.other_unit_id}/invite", {"role": "reviewer"}).status == 403
        assert len(refusals(server, login)) >= before + 5
    assert "冒充镇人民政府" not in unit_ids(server)
    assert world.far_coordinator.get(f"/county/unit/{world.unit_id}").status == 403
    assert world.far_coordinator.get(f"/county/unit/{world.unit_id}/docx").status == 403
    assert world.clerk.get("/county").status == 403
    # The review form, posted by the unit's clerk or a coordinator: refused before the engine, and logged.
    before = len(refusals(server, "次营填报"))
    assert world.clerk.form(f"/county/unit/{world.unit_id}/review", {"action": "approve", "year": "2026"}).status == 403
    assert world.coordinator.form(f"/county/unit/{world.unit_id}/review", {"action": "approve"}).status == 403
    assert len(refusals(server, "次营填报")) == before + 1 and refusals(server, "阳城协调人")[-1].action == "review"


def test_invites_per_role_members_and_revoking(world: World) -> None:
    coordinator, server = world.coordinator, world.server
    page = coordinator.get(f"/county/unit/{world.unit_id}").text
    for role in ("clerk", "reviewer", "owner"):
        assert f'id="invite-{role}"' in page
    assert 'id="members"' in page and "次营填报" in page and "次营审核" in page  # the members with their roles
    made = {}
    for role, label in (("clerk", "填报人"), ("reviewer", "审核人"), ("owner", "负责人")):
        response = coordinator.form(f"/county/unit/{world.unit_id}/invite", {"role": role})
        assert response.status == 200 and f"发给{label}" in response.text and 'data-copy="invite-link"' in response.text
        made[role] = links(response.text)[0]
    page = coordinator.get(f"/county/unit/{world.unit_id}").text
    keys = re.findall(r'name="key" value="([0-9a-f]{12})"', page)
    assert len(keys) >= 3 and "负责人，" in page
    # Revoke the owner's invitation: its link no longer works.
    owner_key = invite_key(made["owner"].rsplit("/", 1)[1])[:12]
    assert coordinator.form(f"/county/unit/{world.unit_id}/revoke", {"key": owner_key}).status == 302
    assert owner_key not in coordinator.get(f"/county/unit/{world.unit_id}").text
    stranger = Client(server.url)
    stranger.get(made["owner"])
    joined = stranger.form(made["owner"], {"login": "迟到者", "password": "correct-horse-1", "password2": "correct-horse-1"})
    assert joined.status != 302 and "撤销" in joined.text
    # A clerk may invite clerks only, sees no other invite buttons and no revoke; revoking is refused and logged.
    clerk_page = world.clerk.get(f"/county/unit/{world.unit_id}").text
    assert 'id="invite-clerk"' in clerk_page and 'id="invite-reviewer"' not in clerk_page and 'name="key"' not in clerk_page
    assert world.clerk.form(f"/county/unit/{world.unit_id}/invite", {"role": "clerk"}).status == 200
    before = len(refusals(server, "次营填报"))
    assert world.clerk.form(f"/county/unit/{world.unit_id}/invite", {"role": "reviewer"}).status == 403
    assert world.clerk.form(f"/county/unit/{world.unit_id}/revoke", {"key": keys[0]}).status == 403
    assert len(refusals(server, "次营填报")) == before + 2
    # Another unit's invitation cannot be revoked through this unit's page.
    other = coordinator.form(f"/county/unit/{world.other_unit_id}/invite", {"role": "clerk"})
    other_key = invite_key(links(other.text)[0].rsplit("/", 1)[1])[:12]
    assert coordinator.form(f"/county/unit/{world.unit_id}/revoke", {"key": other_key}).status == 403


def test_unit_page_shows_the_whole_report_and_its_documents(world: World) -> None:
    clerk, coordinator = world.clerk, world.coordinator
    fill_and_submit(clerk)
    page = coordinator.get(f"/county/unit/{world.unit_id}")
    assert page.status == 200
    text = page.text
    for heading in ("一、总体情况", "二、主动公开政府信息情况", "三、收到和处理政府信息公开申请情况", "五、存在的主要问题及改进情况", "六、其他需要报告的事项"):
        assert f">{heading}</h2>" in text
    assert "三、本年度办理结果" in text and "法人或其他组织" in text and 'rowspan="' in text and 'colspan="' in text
    assert "修改记录" in text and "提交审核" in text  # the history
    assert 'id="grid-save"' not in text and 'id="review-form"' not in text  # read-only, no review for a coordinator
    desk = text.split('id="members"', 1)[0]  # (the members' e-mail hint speaks of the chat's /link, for chat users)
    assert "发送 /" not in desk and "请点下方按钮" not in desk  # no slash command to type
    docx = coordinator.get(f"/county/unit/{world.unit_id}/docx")
    assert docx.status == 200 and filename(docx).endswith("（草稿）.docx")
    body = "\n".join(p.text for p in Document(io.BytesIO(docx.body)).paragraphs)
    assert "次营镇人民政府" in body
    html = coordinator.get(f"/county/unit/{world.unit_id}/html")
    assert html.status == 200 and filename(html) == "次营镇人民政府2026年政府信息公开工作年度报告（网页版）.html"
    assert html.headers["Content-Type"].startswith("text/html") and "<table" in html.text and "三、本年度办理结果" in html.text
    assert coordinator.get(f"/county/unit/{world.unit_id}/docx?year=2025").status == 404  # no 2025 report


def test_review_return_with_a_cell_comment_then_approve_and_the_final_docx(world: World) -> None:
    clerk, reviewer = world.clerk, world.reviewer
    fill_and_submit(clerk)
    page = reviewer.get(f"/county/unit/{world.unit_id}").text
    assert 'id="approve"' in page and 'id="return"' in page and 'data-label="本年新收 自然人"' in page
    refused = reviewer.form(f"/county/unit/{world.unit_id}/review", {"action": "return"})  # no comment yet: the engine says so
    assert refused.status == 409 and "意见" in refused.text and clerk.get("/api/grid").json()["status"] == "review"
    assert reviewer.form(f"/county/unit/{world.unit_id}/review", {"action": "comment", "part": "table3", "text": "本年新收 自然人：应为1件"}).status == 302
    assert reviewer.form(f"/county/unit/{world.unit_id}/review", {"action": "return"}).status == 302
    assert clerk.get("/api/grid").json()["comments"] == [{"target": "table3.NEW.NP", "text": "应为1件"}]
    page = reviewer.get(f"/county/unit/{world.unit_id}").text
    assert "审核意见（表三「本年新收」自然人）：应为1件" in page and 'class="value commented"' in page
    assert 'id="approve"' not in page  # returned: nothing to approve
    # The clerk submits again; the reviewer approves; the download is the stored final document.
    assert clerk.form("/my/submit", {}).status == 302
    assert reviewer.form(f"/county/unit/{world.unit_id}/review", {"action": "approve"}).status == 302
    assert clerk.get("/api/grid").json()["status"] == "final"
    docx = world.coordinator.get(f"/county/unit/{world.unit_id}/docx")
    assert docx.status == 200 and "草稿" not in filename(docx)
    with world.server.state.repo.transaction() as store:
        record = store.session.exec(select(ReportRecord).where(ReportRecord.unit_id == world.unit_id)).one()
        assert docx.body == store.document(record.id).data


def test_year_selector_the_clerks_year_and_the_chosen_years_zip_and_sheet(world: World) -> None:
    clerk, coordinator = world.clerk, world.coordinator
    home = clerk.get("/").text
    assert "次营镇人民政府" in home and "2026年度" in home and 'id="desk-year"' in home and 'id="desk-submit"' in home
    assert 'id="desk-docx"' in home and 'id="desk-html"' in home and 'id="desk-preview"' in home
    # Nothing filled yet: the year is changed on the report itself.
    assert clerk.form("/my/year", {"year": "2025"}).status == 302
    assert '<option value="2025" selected>' in clerk.get("/").text
    with world.server.state.repo.transaction() as store:
        record = store.session.exec(select(ReportRecord).where(ReportRecord.unit_id == world.unit_id)).one()
        assert record.year == 2025
        store.set_answers(record.id, {"table3.NEW.NP": 3, "table3.NEW.SUM": 3, "table3.OPEN.NP": 3}, None)
        record.status = "final"
        store.save(record)
    # Every county page has the year selector; 2025 chosen.
    county = coordinator.get("/county?year=2025").text
    assert '<option value="2025" selected>2025年度</option>' in county and 'id="year-select"' in county
    assert '<input type="hidden" name="year" value="2025">' in county
    unit = coordinator.get(f"/county/unit/{world.unit_id}?year=2025").text
    assert '<option value="2025" selected>2025年度</option>' in unit
    zipped = coordinator.form("/county/collect", {"year": "2025"})
    assert zipped.status == 200 and zipped.headers["Content-Type"] == "application/zip"
    assert filename(zipped).startswith("阳城县2025年度政府信息公开工作年度报告汇总")
    package = zipfile.ZipFile(io.BytesIO(zipped.body))
    assert "次营镇人民政府2025年政府信息公开工作年度报告.docx" in package.namelist()
    sheet = load_workbook(io.BytesIO(package.read("汇总表.xlsx"))).active
    assert "2025年度" in sheet["A1"].value
    headers = [c.value for c in sheet[2]]
    row = next(r for r in sheet.iter_rows(min_row=3, values_only=True) if r[1] == "次营镇人民政府")
    assert row[headers.index("本年新收申请")] == 3
    alone = coordinator.get("/county/summary?year=2025")
    assert alone.status == 200 and filename(alone) == "阳城县2025年度汇总表.xlsx"
    # The year being reported holds nothing final.
    this_year = zipfile.ZipFile(io.BytesIO(coordinator.form("/county/collect", {"year": "2026"}).body))
    assert this_year.namelist() == ["汇总表.xlsx"]


def test_nudge_the_chosen_year(world: World) -> None:
    coordinator = world.coordinator
    world.clerk.tap("全部为0")
    done = coordinator.form("/county/nudge", {"year": "2026"})
    assert done.status == 200 and "已提醒" in done.text and "2026" in done.text
    again = coordinator.form("/county/nudge", {"year": "2026"})
    assert "今天已提醒过" in again.text
    old = coordinator.form("/county/nudge", {"year": "2024"}).text  # no 2024 report anywhere: nobody to remind
    assert "已提醒0个落后单位" in old and "次营镇人民政府（2024年度还没有报告）" in old


def test_the_reviewers_bar_and_the_chats_open_of_a_year(world: World) -> None:
    home = world.reviewer.get("/").text
    assert 'id="desk-review"' in home and 'id="desk-submit"' not in home and 'id="desk-year"' not in home
    with world.server.state.repo.transaction() as store:
        store.report_for(world.unit_id, 2025)
    said = "\n".join(m["text"] for m in world.coordinator.say(f"/open {world.unit_id} 2025"))
    assert "2025年政府信息公开工作年度报告" in said
    assert "年度应在2008至2026之间" in "\n".join(m["text"] for m in world.coordinator.say(f"/open {world.unit_id} 2099"))


def test_templates_escape_what_they_show() -> None:
    from bot.channels.web import pages

    shown = pages.message("", "<i>标题</i>", "<script>alert(1)</script>\n第二行", ("/x?a=1&b=2", "返回"))
    assert "<script>alert" not in shown and "&lt;script&gt;alert(1)&lt;/script&gt;" in shown and "&lt;i&gt;标题" in shown
    assert 'href="/x?a=1&amp;b=2"' in shown and "<p>第二行</p>" in shown
    page = pages.page("", "t", "<b>built</b>", user='"><img src=x>', csrf="c")
    assert "<b>built</b>" in page and '"><img' not in page and "&#34;&gt;&lt;img src=x&gt;" in page


def test_the_clerks_year_form_switches_relabels_or_makes_the_years_report(world: World) -> None:
    clerk, server = world.clerk, world.server

    def years() -> list[tuple[int, bool]]:
        with server.state.repo.transaction() as store:
            rows = store.session.exec(select(ReportRecord).where(ReportRecord.unit_id == world.unit_id)).all()
            return sorted((r.year, any(k.startswith("table2.") for k in store.answers(r.id))) for r in rows)

    clerk.tap("全部为0")  # 2026 has answers now: choosing 2025 makes that year's report, 2026's is kept
    assert clerk.form("/my/year", {"year": "2025"}).status == 302
    assert years() == [(2025, False), (2026, True)] and '<option value="2025" selected>' in clerk.get("/").text
    assert any("已新建“次营镇人民政府”2025年度报告" in m["text"] for m in clerk.messages())
    assert clerk.form("/my/year", {"year": "2026"}).status == 302  # back: switched to, not made again
    assert years() == [(2025, False), (2026, True)] and '<option value="2026" selected>' in clerk.get("/").text
    assert any("已切换到“次营镇人民政府”2026年度报告" in m["text"] for m in clerk.messages())
    assert clerk.form("/my/year", {"year": "20x5"}).status == 400
    assert clerk.form("/my/year", {"year": "2031"}).status == 302 and years() == [(2025, False), (2026, True)]


def test_the_header_shows_the_county_link_only_to_who_can_use_it(world: World) -> None:
    """Links a person cannot use are not shown: 县级汇总 for coordinators (and the operator), not for a clerk."""
    assert "县级汇总" not in world.clerk.get("/").text and "县级汇总" not in world.clerk.get("/inbox").text
    assert "县级汇总" in world.coordinator.get("/").text and "县级汇总" in world.coordinator.get("/county").text
