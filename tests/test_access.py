"""Nobody reads or changes another unit's or another county's report: not through any command, not
with a forged button. Tried as a stranger, as a clerk of another unit (same county and another county)
and as a coordinator of another county; every attempt is refused and logged, and nothing changes."""

from __future__ import annotations

import io
import zipfile

import pytest
from roles import build_county, fill_complete, tokens
from sqlmodel import select

from bot.storage.models import Comment, Delivery, Member
from bot.storage.people import invite_key

TARGET_NAME = "次营镇"


@pytest.fixture(scope="module")
def county(tmp_path_factory):
    c = build_county(tmp_path_factory.mktemp("access"))
    fill_complete(c.clerk)
    c.clerk.say("/submit")
    c.reviewer.say("/review")
    c.reviewer.tap("添加意见")
    c.reviewer.tap("一、总体情况")
    c.reviewer.say("请补充培训情况")
    c.clerk.say("/invite")  # an open invite of the target unit, to try to revoke
    c.invite_prefix = invite_key(tokens(c.clerk.texts())[0])[:12]  # type: ignore[attr-defined]  # a /members button's: the hash's start
    c.other_coordinator.say("/dashboard")  # gives the coordinator a button token of their own
    return c


def snapshot(county) -> tuple:  # type: ignore[no-untyped-def]
    record = county.record()
    with county.service.repo.transaction() as store:
        members = sorted((m.user_id, m.role) for m in store.session.exec(select(Member).where(Member.unit_id == county.unit_id)).all())
        invites = sorted(i.token for i in store.open_invites(unit_id=county.unit_id))
        comments = len(store.session.exec(select(Comment).where(Comment.report_id == record.id)).all())
        nudges = len(store.session.exec(select(Delivery).where(Delivery.report_id == record.id, Delivery.kind == "nudge")).all())
        return (store.answers(record.id), record.status, members, invites, comments, nudges)


ATTACKERS = ["stranger", "other_clerk", "far_clerk", "other_coordinator"]


def attacker(county, who):  # type: ignore[no-untyped-def]
    return getattr(county, who)


def all_replies(person) -> str:  # type: ignore[no-untyped-def]
    names = [r.document[0] for r in person.last.replies if r.document]
    return person.texts() + "".join(names)


@pytest.mark.parametrize("who", ATTACKERS)
@pytest.mark.parametrize("command", ["/open {unit}", "/check {unit}", "/history {unit}", "/open #{unit}"])
def test_commands_naming_the_unit_are_refused(county, who, command):
    person = attacker(county, who)
    before, refusals = snapshot(county), county.refusals(person)
    person.say(command.format(unit=county.unit_id))
    assert "无权" in person.texts() and TARGET_NAME not in all_replies(person)
    assert county.refusals(person) == refusals + 1
    assert snapshot(county) == before


@pytest.mark.parametrize("who", ATTACKERS)
def test_county_commands_never_reach_another_county(county, who):
    person = attacker(county, who)
    before = snapshot(county)
    for command in ("/dashboard", "/collect", "/nudge", "/addunit 假冒镇人民政府", "/deadline 阳城县 2027-01-05", "/county 阳城县", "/invite 协调人"):
        refusals = county.refusals(person)
        person.say(command)
        assert TARGET_NAME not in all_replies(person), (command, person.texts())
        for reply in person.last.replies:  # the other coordinator's own collection holds no unit of 阳城县
            if reply.document and reply.document[0].endswith(".zip"):
                names = zipfile.ZipFile(io.BytesIO(reply.document[1])).namelist()
                assert not any(TARGET_NAME in n for n in names)
        if who != "other_coordinator" or command in ("/deadline 阳城县 2027-01-05", "/county 阳城县"):
            assert county.refusals(person) == refusals + 1, (command, person.texts())
    assert snapshot(county) == before
    county.coordinator.say("/dashboard")
    assert "假冒镇" not in county.coordinator.texts()
    county.clerk.say("/deadline")
    assert "2027-01-31（法定截止日）" in county.clerk.texts()


def forged(county) -> list[str]:  # type: ignore[no-untyped-def]
    record = county.record()
    with county.service.repo.transaction() as store:
        reviewer = store.user(county.reviewer.channel, county.reviewer.id)
        member = store.member(reviewer, county.unit_id)
    u, r, m = county.unit_id, record.id, member.id  # type: ignore[union-attr]
    return [
        f"open:{u}", f"cview:{u}", f"cdocx:{u}", f"chist:{u}", f"cmembers:{u}", f"cinv:{u}:clerk", f"cinv:{u}:reviewer",
        f"approve:{r}", f"return:{r}", f"comment:{r}", f"cpart:{r}:table2", f"rview:{r}", f"rdocx:{r}", f"final:{r}",
        f"mremove:{m}", f"mowner:{m}", f"revoke:{county.invite_prefix}", f"switch:{u}",
        "approve:x", "cpart:1:../../", f"cinv:{u}:owner",
    ]


@pytest.mark.parametrize("who", ATTACKERS)
def test_forged_buttons_are_refused_and_logged(county, who):
    person = attacker(county, who)
    before = snapshot(county)
    for action in forged(county):
        token = county.prompt_token(person)
        assert token, "the attacker has buttons of their own"
        refusals = county.refusals(person)
        person.press_data(f"{token}:{action}")
        assert TARGET_NAME not in all_replies(person), (action, person.texts())
        assert county.refusals(person) == refusals + 1, (action, person.texts())
    assert snapshot(county) == before


def test_an_old_button_of_someone_else_is_stale_and_logged(county):
    """A payload copied from the reviewer's chat carries the reviewer's token: not obeyed."""
    data = county.reviewer.button_data("审核通过") if any(
        b.label == "审核通过" for r in county.reviewer.last.replies for row in r.buttons for b in row
    ) else f"{county.prompt_token(county.reviewer)}:approve:{county.record().id}"
    before, refusals = snapshot(county), county.refusals(county.stranger)
    outcome = county.stranger.press_data(data)
    assert outcome.stale and snapshot(county) == before
    assert county.refusals(county.stranger) == refusals + 1


def test_members_of_the_unit_still_work(county):
    """The same commands by the people who may: the checks do not lock out the rightful."""
    county.coordinator.say(f"/open {county.unit_id}")
    assert "次营镇人民政府2026年政府信息公开工作年度报告（只读）" in county.coordinator.texts()
    county.reviewer.say("/history")
    assert "提交审核" in county.reviewer.texts()
    county.clerk.say("/status")
    assert "待审核" in county.clerk.texts() and "请补充培训情况" in county.clerk.texts()
