"""Two people writing one answer: both writes are in the audit log, and the later writer is told what the
colleague had stored (value and who). Two first answers at once, through two services on one SQLite file
(two connections, two threads), never fail."""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Iterator

import pytest
from driver import Clerk, make_service, onboard
from pgserver import database, server
from sqlmodel import select

from bot.storage.models import AuditLog, User
from bot.storage.reports import Replaced
from bot.storage.repository import Repository

IN_CI = os.environ.get("CI", "").lower() in ("true", "1", "yes")

KEY = "table2.NORM.made"


def _colleagues(tmp_path) -> tuple[Clerk, Clerk]:
    """The owner of 次营镇 and a colleague who joined by invite, each through their own service (connection)."""
    owner = Clerk(make_service(tmp_path), "owner", name="李填报")
    onboard(owner)
    owner.say("/invite")
    token = owner.texts().split("/start ")[1].split()[0]
    colleague = Clerk(make_service(tmp_path), "colleague", name="王同事")
    colleague.say(f"/start {token}")
    assert "您已加入" in colleague.texts()
    for clerk in (owner, colleague):
        clerk.say("/menu")
        clerk.tap("2. 表二 主动公开")
        clerk.tap("有，逐项填写")
    return owner, colleague


def _audit(clerk: Clerk, key: str) -> list[tuple[str, str | None, str]]:
    """(author's name, old, new) of every change of `key`, oldest first."""
    with clerk.service.repo.transaction() as store:
        rows = store.session.exec(select(AuditLog).where(AuditLog.key == key).order_by(AuditLog.id)).all()  # type: ignore[arg-type]
        return [(store.session.get(User, r.user_id).display_name, r.old, r.new) for r in rows]  # type: ignore[union-attr]


def test_the_later_writer_is_told_what_the_colleague_stored(tmp_path):
    owner, colleague = _colleagues(tmp_path)
    owner.say("1 0 1")
    assert "注意" not in owner.texts()
    colleague.say("2 0 2")
    told = colleague.texts()
    assert "注意：您修改了同事填写的内容" in told
    assert "· 表二「行政规范性文件」本年制发件数原为同事“李填报”填写的 1，现已改为您填写的 2" in told
    assert _audit(owner, KEY) == [("李填报", None, "1"), ("王同事", "1", "2")]
    colleague.say("3 0 3")  # their own value again: nothing to tell
    assert "注意" not in colleague.texts()


def test_two_first_answers_to_one_key_at_once_are_both_stored_or_told(tmp_path):
    owner, colleague = _colleagues(tmp_path)
    start = threading.Barrier(2)
    errors: list[BaseException] = []

    def answer(clerk: Clerk, text: str) -> None:
        try:
            start.wait(10)
            clerk.say(text)
        except BaseException as exc:  # any failure is the finding
            errors.append(exc)

    threads = [threading.Thread(target=answer, args=(owner, "1 0 1")), threading.Thread(target=answer, args=(colleague, "2 0 2"))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert errors == []
    audit = _audit(owner, KEY)
    assert len(audit) == 2 and audit[0][1] is None and audit[1][1] == audit[0][2]  # the second replaced the first
    first, second = audit[0][0], audit[1][0]
    later = owner if second == "李填报" else colleague
    assert f"原为同事“{first}”填写的 {audit[0][2]}" in later.texts()
    assert "注意" not in (colleague if later is owner else owner).texts()


@pytest.fixture(scope="module")
def pg() -> Iterator[str]:
    with server() as url:
        if url is None:
            if IN_CI:
                pytest.fail("CI must have a PostgreSQL server (.ci/run installs Debian's postgresql)")
            pytest.skip("needs PostgreSQL: Debian's postgresql package, or NIANBAO_TEST_POSTGRES_URL")
        yield url


def test_a_lost_race_on_the_first_answer_becomes_an_update_on_postgresql(pg, tmp_path):
    """Both transactions see no row; the second's insert waits for the first and then collides. It is
    rolled back to a savepoint and written as an update, the first's value reported as replaced."""
    psycopg = pytest.importorskip("psycopg", reason="needs psycopg (the postgresql extra)")
    with database(pg) as url:
        repo = Repository(url, data_dir=tmp_path)
        with repo.transaction() as store:
            first_id, second_id = store.user("test", "a", "甲").id, store.user("test", "b", "乙").id
            unit = store.create_unit(store.get_user(first_id), "次营镇人民政府")
            report_id = store.report_for(unit.id, 2026).id  # type: ignore[arg-type, union-attr]
        done: dict[str, object] = {}

        def second() -> None:
            try:
                with Repository(url, data_dir=tmp_path).transaction() as other:
                    done["written"] = other.set_answers(report_id, {KEY: 2}, other.get_user(second_id))  # type: ignore[arg-type]
            except BaseException as exc:  # any failure is the finding
                done["error"] = exc

        with repo.transaction() as store:
            assert store.set_answers(report_id, {KEY: 1}, store.get_user(first_id)) == [KEY]  # type: ignore[arg-type]
            thread = threading.Thread(target=second)
            thread.start()
            with psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://"), autocommit=True) as watch:
                for _ in range(200):  # until the second insert waits on the first's uncommitted row
                    waiting = watch.execute("SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock'").fetchone()
                    if waiting and waiting[0]:
                        break
                    time.sleep(0.05)
                else:
                    pytest.fail("the second insert never waited for the first")
        thread.join(30)
        assert "error" not in done, done
        written = done["written"]
        assert written == [KEY] and written.replaced == [Replaced(KEY, 1, 2, first_id)]  # type: ignore[attr-defined]
        with repo.transaction() as store:
            assert store.answers(report_id)[KEY] == 2  # type: ignore[arg-type]
            assert [(a.user_id, a.old, a.new) for a in reversed(store.history(report_id))] == [(first_id, None, "1"), (second_id, "1", "2")]  # type: ignore[arg-type]
