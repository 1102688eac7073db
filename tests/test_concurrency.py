"""Several processes, one database: what SQLite's single writer made safe must stay safe on PostgreSQL.

Each thread here has a Repository (engine, connections) of its own, as a separate bot process would;
a barrier starts them together. Runs on SQLite and on PostgreSQL.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from driver import Clerk, make_service, onboard
from sqlmodel import select

from bot.interview.types import Input
from bot.reminders.schedule import Reminders
from bot.reminders.workcalendar import WorkCalendar
from bot.storage import inbox
from bot.storage.models import AuditLog, Delivery, InboxUpdate, Member, Reminder, User

pytestmark = pytest.mark.both_databases  # tests/conftest.py: SQLite and PostgreSQL

N = 8


def together(n: int, work: Callable[[int], Any]) -> list[Any]:
    """`work(i)` in n threads started at the same instant; their results (an exception is raised here)."""
    barrier = threading.Barrier(n)
    results: list[Any] = [None] * n
    errors: list[BaseException] = []

    def run(i: int) -> None:
        try:
            barrier.wait(30)
            results[i] = work(i)
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    if errors:
        raise errors[0]
    return results


def services(tmp_path: Path, n: int) -> list:
    """n services on one database, each with its own engine (as n processes would have)."""
    return [make_service(tmp_path, today=date(2026, 11, 23)) for _ in range(n)]


def test_eight_people_redeeming_one_single_use_invite_at_once_let_one_in(tmp_path):
    first = make_service(tmp_path)
    owner = Clerk(first, "owner")
    onboard(owner)
    with first.repo.transaction() as store:
        user = store.user("test", "owner")
        unit_id = store.memberships(user)[0][1].id
        token = store.create_invite(unit_id, user, "clerk").token
        people = [store.user("test", f"p{i}") for i in range(N)]
    outs = services(tmp_path, N)

    def redeem(i: int) -> bool:
        with outs[i].repo.transaction() as store:
            invite, _ = store.redeem_invite(token, store.user("test", f"p{i}"))
            return invite is not None

    assert sum(together(N, redeem)) == 1
    with first.repo.transaction() as store:
        assert store.invite(token).uses == 1  # type: ignore[union-attr]
        joined = store.session.exec(select(Member).where(Member.user_id.in_([p.id for p in people]))).all()  # type: ignore[union-attr]
        assert len(joined) == 1


def test_one_update_received_by_eight_processes_is_kept_once(tmp_path):
    outs = services(tmp_path, N)
    kept = together(N, lambda i: inbox.keep(outs[i].repo, "telegram", 777, '{"update_id": 777}'))
    assert kept.count(True) == 1
    with outs[0].repo.transaction() as store:
        assert len(store.session.exec(select(InboxUpdate).where(InboxUpdate.update_id == 777)).all()) == 1
    assert inbox.waiting(outs[0].repo, "telegram") == [(777, '{"update_id": 777}')]


def test_a_new_persons_first_messages_in_several_processes_make_one_person(tmp_path):
    outs = services(tmp_path, 4)
    replies = together(4, lambda i: outs[i].handle("telegram", "5001", Input.parse_text("/start"), "王五", "5001"))
    assert all(r.replies for r in replies)
    with outs[0].repo.transaction() as store:
        assert len(store.session.exec(select(User).where(User.external_id == "5001")).all()) == 1


def test_one_input_handled_by_two_processes_at_once_is_applied_once(tmp_path):
    outs = services(tmp_path, 2)
    clerk = Clerk(outs[0])
    onboard(clerk)
    clerk.tap("有，逐项填写")
    with outs[0].repo.transaction() as store:
        before = len(store.session.exec(select(AuditLog)).all())
    replies = together(2, lambda i: outs[i].handle("test", "clerk1", Input(kind="text", text="1 0 1", seq=100), "测试"))
    texts = sorted(r.replies[0].text[:40] for r in replies)
    assert sum("已保存" in t for t in texts) == 1 and sum("上一条消息已处理" in t for t in texts) == 1, texts
    with outs[0].repo.transaction() as store:
        changes = store.session.exec(select(AuditLog)).all()[before:]
        assert [c.key for c in changes].count("table2.NORM.made") == 1


def test_a_persons_inputs_through_alternating_processes_stay_in_order(tmp_path):
    outs = services(tmp_path, 2)
    clerk = Clerk(outs[0])
    onboard(clerk)
    clerk.tap("有，逐项填写")
    for seq, text in enumerate(["3 0 1", "4 5 6"], start=200):  # 规章 then 许可 处罚 强制: one process each in turn
        out = outs[seq % 2].handle("test", "clerk1", Input(kind="text", text=text, seq=seq), "测试")
        assert "已保存" in out.replies[0].text, out.replies[0].text
    with outs[1].repo.transaction() as store:
        report = store.load_report(store.conversation(store.user("test", "clerk1")).report_id)
    assert (report.cells["table2.NORM.made"], report.cells["table2.NORM.valid"]) == (3, 1)
    assert (report.cells["table2.LIC"], report.cells["table2.PUN"], report.cells["table2.COE"]) == (4, 5, 6)


def test_several_processes_planning_and_releasing_reminders_at_once_do_each_once(tmp_path):
    """Each process plans reminders every minute and releases what is due: at the same instant on
    PostgreSQL they used to collide on the plan's unique key; now one does the job, the others skip it."""
    first = make_service(tmp_path, today=date(2024, 11, 20))
    for i in range(3):
        clerk = Clerk(first, f"4{i}")
        onboard(clerk, name=f"测试{i}镇人民政府", year="2024年度")
        with first.repo.transaction() as store:
            user = store.user("test", f"4{i}")
            user.chat_id = f"4{i}"
            store.save(user)
    planning = datetime(2024, 11, 20, 1, tzinfo=UTC)
    fleet = [Reminders(s.repo, WorkCalendar(), lambda: planning) for s in services(tmp_path, N)]
    changed = together(N, lambda i: fleet[i].refresh_plans())
    with first.repo.transaction() as store:
        planned = store.session.exec(select(Reminder)).all()
    assert len(planned) == 3 * 16 and sum(changed) >= 16  # every report's plan made once (by whoever got it)
    releasing = datetime(2024, 12, 27, 1, 1, tzinfo=UTC)  # before-30 of the 31 Jan deadline is due
    fleet = [Reminders(s.repo, WorkCalendar(), lambda: releasing) for s in services(tmp_path, N)]
    for _ in range(3):  # until whoever holds the job has released everything
        together(N, lambda i: fleet[i].release_due())
    with first.repo.transaction() as store:
        sent = store.session.exec(select(Delivery)).all()
    assert sorted(d.chat_id for d in sent) == ["40", "41", "42"]  # one reminder each, never two
