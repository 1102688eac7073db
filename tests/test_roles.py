"""Units, counties and roles through the real service and a real SQLite file: review before final,
comments where they apply, the coordinator's dashboard, nudges and collection, invites, leaving."""

from __future__ import annotations

import io
import threading
import zipfile
from datetime import timedelta

import docx
import pytest
from driver import Clerk, make_service, onboard
from factories import zero_report
from openpyxl import load_workbook
from roles import build_county, fill_complete, tokens
from sqlmodel import select

from bot.importer import import_bytes
from bot.storage.models import AuditLog, Delivery, Document, utcnow

pytestmark = pytest.mark.both_databases  # tests/conftest.py: SQLite and PostgreSQL


@pytest.fixture
def county(tmp_path):
    return build_county(tmp_path)


def deliveries(county, person, kind: str) -> list[Delivery]:
    with county.service.repo.transaction() as store:
        user = store.user(person.channel, person.id)
        return list(store.session.exec(select(Delivery).where(Delivery.user_id == user.id, Delivery.kind == kind)).all())


def audit_actions(county) -> list[str]:
    record = county.record()
    with county.service.repo.transaction() as store:
        query = select(AuditLog).where(AuditLog.report_id == record.id, AuditLog.key == "status").order_by(AuditLog.id)
        return [a.action for a in store.session.exec(query).all()]


def test_report_goes_clerk_returned_with_comment_fixed_approved_final(county):
    clerk, reviewer = county.clerk, county.reviewer
    fill_complete(clerk)
    clerk.say("/submit")
    assert "已提交审核" in clerk.texts() and county.record().status == "review"
    assert deliveries(county, reviewer, "review"), "the reviewer is told"

    reviewer.say("/review")
    assert "待审核" in reviewer.texts()
    reviewer.tap("退回修改")  # not without a comment
    assert "请先添加至少一条意见" in reviewer.texts() and county.record().status == "review"
    reviewer.tap("表二 主动公开")
    reviewer.say("行政许可 应为3件，请核对台账")
    assert "表二「行政许可」本年处理决定数量" in reviewer.texts()
    reviewer.tap("退回修改")
    assert county.record().status == "draft"
    news = deliveries(county, clerk, "review")
    assert news and "退回修改" in news[-1].text and "应为3件" in news[-1].text

    # the clerk sees the comment in /status, in /menu and at the question it is about
    clerk.say("/status")
    assert "应为3件" in clerk.texts()
    clerk.say("/menu")
    clerk.tap("✔ 2. 表二 主动公开（有审核意见）")
    clerk.tap("有，逐项填写")
    clerk.say("0 0 0")
    assert "审核意见（表二「行政许可」本年处理决定数量）：应为3件" in clerk.texts()
    clerk.say("3 0 0")
    clerk.say("/submit")
    assert county.record().status == "review"
    report_id = county.record().id
    with county.service.repo.transaction() as store:
        assert store.comments(report_id) == []  # resubmitting answers them

    reviewer.say("/review")
    assert "已有" not in reviewer.texts()
    reviewer.tap("审核通过")
    assert county.record().status == "final"
    name, data = reviewer.document()
    assert docx.Document(io.BytesIO(data)).core_properties.content_status == "定稿"
    assert import_bytes(data, name).report.cells["table2.LIC"] == 3
    assert "审核通过" in deliveries(county, clerk, "review")[-1].text

    clerk.say("/docx")  # the approved document, byte for byte
    assert "定稿文档" in clerk.texts() and clerk.document()[1] == data
    assert audit_actions(county) == ["submit", "return", "submit", "approve"]

    # changing a final report reopens it, logged
    clerk.say("/menu")
    clerk.tap("✔ 2. 表二 主动公开")
    clerk.tap("有，逐项填写")
    clerk.say("0 0 0")
    clerk.say("4 0 0")
    assert "原已定稿" in clerk.texts() and county.record().status == "draft"
    assert audit_actions(county)[-1] == "reopen"
    clerk.say("/history")
    assert "定稿后修改（已定稿 → 填报中）" in clerk.texts() and "表二「行政许可」本年处理决定数量 3 → 4" in clerk.texts()


def test_report_with_errors_cannot_be_submitted_and_roles_keep_to_their_side(county):
    clerk, reviewer = county.clerk, county.reviewer
    clerk.say("/submit")
    assert "改正后才能提交审核" in clerk.texts() and county.record().status == "draft"
    fill_complete(clerk)
    clerk.say("/submit")
    before = county.answers()
    # the reviewer reads but does not edit
    reviewer.say("3 0 0")
    assert "审核" in reviewer.texts() and county.answers() == before
    reviewer.say("/menu")
    assert "无权修改" in reviewer.texts()
    changed = zero_report(2026, "次营镇人民政府")
    changed.cells["table2.LIC"] = 7
    reviewer.upload("report.json", changed.to_json().encode("utf-8"))
    assert "无权修改" in reviewer.texts() and county.answers() == before
    # the clerk does not approve their own report
    token = county.prompt_token(clerk)
    clerk.press_data(f"{token}:approve:{county.record().id}")
    assert "只有本单位的审核人可以审核" in clerk.texts() and county.record().status == "review"
    assert county.refusals(clerk) >= 1 and county.refusals(reviewer) >= 2


def test_two_reviewers_at_once_produce_one_outcome(county):
    second = Clerk(county.service, "9103", channel="telegram", name="钱审核")
    county.clerk.say("/invite 审核人")
    assert "您无权邀请这一角色" in county.clerk.texts()  # a clerk does not pick their own reviewer
    county.reviewer.say("/invite 审核人")
    second.say(f"/start {tokens(county.reviewer.texts())[0]}")
    assert "审核人" in second.texts()
    fill_complete(county.clerk)
    county.clerk.say("/submit")
    for reviewer in (county.reviewer, second):
        reviewer.say("/review")
    county.reviewer.tap("添加意见")
    county.reviewer.tap("一、总体情况")
    county.reviewer.say("请补充培训情况")
    county.reviewer.say("/review")
    approve = second.button_data("审核通过")
    send_back = county.reviewer.button_data("退回修改")
    barrier = threading.Barrier(2)
    errors: list[BaseException] = []

    def press(person: Clerk, data: str) -> None:
        try:
            barrier.wait(5)
            person.press_data(data)
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=press, args=(second, approve)), threading.Thread(target=press, args=(county.reviewer, send_back))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert not errors
    actions = audit_actions(county)
    assert actions[0] == "submit" and len(actions) == 2 and actions[1] in ("approve", "return")
    outcome = county.record().status
    assert outcome == ("final" if actions[1] == "approve" else "draft")
    loser = county.reviewer if actions[1] == "approve" else second
    assert "已由他人处理" in loser.texts()


def test_invites_expired_used_revoked_and_forged_are_refused_clearly(county):
    owner = Clerk(county.service, "9401", channel="telegram", name="吴负责")
    onboard(owner, name="润城镇人民政府")
    owner.say("/invite")
    used = tokens(owner.texts())[0]
    Clerk(county.service, "9402", channel="telegram").say(f"/start {used}")
    owner.say("/invite 审核人")
    expired = tokens(owner.texts())[0]
    owner.say("/invite")
    revoked = tokens(owner.texts())[0]
    with county.service.repo.transaction() as store:
        row = store.invite(expired)  # looked up by its hash
        row.expires_at = utcnow() - timedelta(minutes=1)
        store.save(row)
    owner.say("/members")
    owner.tap(next(b.label for r in owner.last.replies for row in r.buttons for b in row if b.label.startswith("撤销填报人邀请")))
    assert "已撤销" in owner.texts()

    someone = Clerk(county.service, "9403", channel="telegram")
    for token, message in ((used, "已被使用过"), (expired, "已过期"), (revoked, "已被撤销"), ("A" * 32, "邀请码无效"), ("../../etc", "邀请码无效")):
        someone.say(f"/start {token}")
        assert message in someone.texts(), (token, someone.texts())
    assert county.refusals(someone) == 5
    with county.service.repo.transaction() as store:
        assert store.memberships(store.user("telegram", "9403")) == []


def test_last_owner_cannot_leave_the_unit_ownerless(county):
    owner = Clerk(county.service, "9501", channel="telegram", name="冯负责")
    onboard(owner, name="町店镇人民政府")
    owner.say("/leave 确认")
    assert "唯一的负责人" in owner.texts()
    owner.say("/invite")
    colleague = Clerk(county.service, "9502", channel="telegram", name="陈同事")
    colleague.say(f"/start {tokens(owner.texts())[0]}")
    owner.say("/leave 确认")
    assert "唯一的负责人" in owner.texts() and "/members" in owner.texts()
    owner.say("/members")
    owner.tap("设为负责人 陈同事")
    owner.say("/leave")
    assert "确认请发送" in owner.texts()
    owner.say("/leave 确认")
    assert "已退出" in owner.texts()
    colleague.say("/members")
    assert "冯负责" not in colleague.texts() and "陈同事：负责人" in colleague.texts()
    owner.say("/status")  # no longer theirs
    assert "町店镇" not in owner.texts()


def test_lone_owner_without_a_reviewer_may_finalise_directly(tmp_path):
    service = make_service(tmp_path)
    owner = Clerk(service, "lone")
    fill_complete(owner, name="测试镇人民政府")
    owner.say("/submit")
    assert "还没有审核人" in owner.texts()
    owner.tap("不经审核直接定稿")
    assert "已定稿（未经审核）" in owner.texts()
    with service.repo.transaction() as store:
        record = store.report_for(1, 2026, create=False)
        assert record.status == "final" and store.document(record.id) is not None


def test_dashboard_nudge_and_collect(county):
    coordinator = county.coordinator
    fill_complete(county.clerk)
    county.clerk.say("/submit")
    county.reviewer.say("/review")
    county.reviewer.tap("审核通过")
    county.other_clerk.say("/menu")  # 北留镇 has begun (表二; its unit card came from the county) but not finished
    county.other_clerk.tap("2. 表二 主动公开")
    county.other_clerk.tap("全部为0")

    coordinator.say("/dashboard")
    text = coordinator.texts()
    assert "共2个单位：已定稿1，待审核0，填报中1" in text
    lines = {line.split("｜")[0]: line for line in text.splitlines() if line.startswith("#")}
    assert "已定稿" in lines[f"#{county.unit_id} 次营镇人民政府"] and "剩69天" in lines[f"#{county.unit_id} 次营镇人民政府"]
    assert "填报中" in lines[f"#{county.other_unit_id} 北留镇人民政府"]
    assert "郑庄镇" not in text  # another county's unit

    coordinator.say("/nudge")
    assert "已提醒1个落后单位（1人）" in coordinator.texts()
    nudges = deliveries(county, county.other_clerk, "nudge")
    assert len(nudges) == 1 and "北留镇人民政府" in nudges[0].text and nudges[0].state == "pending"
    coordinator.say("/nudge")
    assert "今天已提醒过" in coordinator.texts() and len(deliveries(county, county.other_clerk, "nudge")) == 1
    assert deliveries(county, county.clerk, "nudge") == []  # final: not behind

    coordinator.say("/collect")
    name, data = coordinator.document()
    assert name.endswith(".zip") and "1份定稿报告" in coordinator.texts()
    package = zipfile.ZipFile(io.BytesIO(data))
    assert sorted(package.namelist()) == ["次营镇人民政府2026年政府信息公开工作年度报告.docx", "汇总表.xlsx"]
    report_id = county.record().id
    with county.service.repo.transaction() as store:
        stored = store.session.get(Document, report_id)
        assert package.read("次营镇人民政府2026年政府信息公开工作年度报告.docx") == stored.data
    sheet = load_workbook(io.BytesIO(package.read("汇总表.xlsx"))).active
    rows = list(sheet.iter_rows(values_only=True))
    header = rows[1]
    by_name = {r[1]: dict(zip(header, r, strict=True)) for r in rows[2:]}
    assert by_name["次营镇人民政府"]["状态"] == "已定稿" and by_name["次营镇人民政府"]["本年新收申请"] == 0
    assert by_name["北留镇人民政府"]["状态"] == "填报中" and by_name["北留镇人民政府"]["本年新收申请"] is None
    assert by_name["合计（已定稿1个单位）"]["行政许可"] == 0


def test_coordinator_opens_a_unit_read_only_and_runs_the_checker(county):
    fill_complete(county.clerk)
    before = county.answers()
    county.coordinator.say(f"/open {county.unit_id}")
    text = county.coordinator.texts()
    assert "次营镇人民政府2026年政府信息公开工作年度报告（只读）" in text and "0个错误" in text
    view, word, history = (county.coordinator.button_data(label) for label in ("查看表格", "下载Word", "修改记录"))
    county.coordinator.press_data(view)
    assert "表二 主动公开" in county.coordinator.texts()
    county.coordinator.press_data(word)
    name, data = county.coordinator.document()
    assert "草稿" in name and docx.Document(io.BytesIO(data)).core_properties.content_status == "草稿"
    county.coordinator.press_data(history)
    assert "上传文件填入" in county.coordinator.texts()
    county.coordinator.say("3 0 0")  # typing does not edit anything
    assert county.answers() == before


def test_bad_input_to_the_new_commands_gets_a_clear_message_and_changes_nothing(county):
    fill_complete(county.clerk)
    county.clerk.say("/submit")
    saved = (county.answers(), county.record().status)
    coordinator, reviewer, clerk = county.coordinator, county.reviewer, county.clerk
    for person, text, message in [
        (coordinator, "/open abc", "请写出单位编号（数字）"),
        (coordinator, "/open 123456789012345", "请写出单位编号（数字）"),
        (coordinator, "/addunit", "用法：/addunit 单位全称"),
        (coordinator, "/addunit " + "镇" * 100, "单位名称应为2到40个字"),  # the one check of a name (bot/core/limits.py)
        (coordinator, "/addunit 次营镇人民政府", "已有“次营镇人民政府”"),
        (coordinator, "/deadline 阳城县 2027-13-01", "日期应写成 YYYY-MM-DD"),
        (coordinator, "/deadline 阳城县 2030-01-01", "截止日期应在2026年12月至2027年之间"),
        (clerk, "/invite 局长", "用法：/invite 填报人"),
        (clerk, "/submit", "无需再次提交"),
        (clerk, "/leave", "确认请发送：/leave 确认"),
    ]:
        person.say(text)
        assert message in person.texts(), (text, person.texts())
    reviewer.say("/review")
    reviewer.tap("添加意见")
    reviewer.tap("表三 依申请公开")
    reviewer.say("意" * 1001)
    assert "意见太长（1001字）" in reviewer.texts()
    reviewer.say("   ")
    assert "意见不能为空" in reviewer.texts()
    reviewer.say("/cancel")  # a command ends the awaited comment
    reviewer.say("予以公开 自然人 请核对")
    assert "审核" in reviewer.texts()
    report_id = county.record().id
    with county.service.repo.transaction() as store:
        assert store.comments(report_id) == []
        assert [u.name for u in store.county_units(1)] == ["次营镇人民政府", "北留镇人民政府"]
    assert (county.answers(), county.record().status) == saved


def test_collect_and_nudge_take_the_year_named(county):
    """`/collect 2025` collects 2025, not the year being reported (the chat's command passes its argument on)."""
    fill_complete(county.clerk)
    county.clerk.say("/submit")
    county.reviewer.say("/review")
    county.reviewer.tap("审核通过")
    county.coordinator.say("/collect 2025")
    assert "阳城县2025年度：0份定稿报告和汇总表" in county.coordinator.texts()
    county.coordinator.say("/collect 2026")
    name, data = county.coordinator.document()
    assert "1份定稿报告" in county.coordinator.texts()
    assert "次营镇人民政府2026年政府信息公开工作年度报告.docx" in zipfile.ZipFile(io.BytesIO(data)).namelist()
    county.coordinator.say("/nudge 2025")
    assert "已提醒0个落后单位" in county.coordinator.texts(), "2025 has no report behind: nobody is nudged for it"
    assert deliveries(county, county.other_clerk, "nudge") == []


def test_an_invited_clerk_finds_the_unit_card_filled_and_done(county):
    """The county gave the unit's name, level and place: the invited clerk's 单位信息 is done from the start,
    not 'still to fill' after the .docx exists (the clerk never sees the 省市县 question)."""
    answers = county.answers()
    assert answers["unit.name"] == "次营镇人民政府" and answers["unit.level"] == "township"
    assert (answers["unit.province"], answers["unit.city"], answers["unit.county"]) == ("山西省", "晋城市", "阳城县")
    county.clerk.say("/status")
    assert "已完成 1/9 部分。\n✔单位信息、○表二" in county.clerk.texts()
    county.clerk.say("/history")
    assert "李填报：加入单位时带入单位信息，改动5项" in county.clerk.texts()
