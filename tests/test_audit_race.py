"""Two writers of one stored cell on PostgreSQL (issue 24, item 7): the later one's audit row names as
"old" the value it really replaced (the colleague's, read under the row's lock), and the later writer is
told what the colleague stored. Made deterministic: the second writer starts while the first holds its
row, and the first commits only once the second is seen waiting for a lock."""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Iterator

import pytest
from pgserver import database, server

from bot.storage.reports import Replaced
from bot.storage.repository import Repository

IN_CI = os.environ.get("CI", "").lower() in ("true", "1", "yes")
KEY = "table2.NORM.made"


@pytest.fixture(scope="module")
def pg() -> Iterator[str]:
    with server() as url:
        if url is None:
            if IN_CI:
                pytest.fail("CI must have a PostgreSQL server (.ci/run installs Debian's postgresql)")
            pytest.skip("needs PostgreSQL: Debian's postgresql package, or NIANBAO_TEST_POSTGRES_URL")
        yield url


def _wait_for_a_lock(url: str) -> None:
    psycopg = pytest.importorskip("psycopg", reason="needs psycopg (the postgresql extra)")
    with psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://"), autocommit=True) as watch:
        for _ in range(400):  # until the second writer waits on the first's uncommitted row
            waiting = watch.execute("SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock'").fetchone()
            if waiting and waiting[0]:
                return
            time.sleep(0.05)
    pytest.fail("the second writer never waited for the first")


def test_the_second_of_two_writers_audits_and_is_told_the_colleagues_value(pg, tmp_path):
    with database(pg) as url:
        repo = Repository(url, data_dir=tmp_path)
        with repo.transaction() as store:
            first_id, second_id, earlier_id = (store.user("test", n, n).id for n in ("a", "b", "c"))
            unit = store.create_unit(store.get_user(first_id), "次营镇人民政府")
            report_id = store.report_for(unit.id, 2026).id  # type: ignore[arg-type, union-attr]
            store.set_answers(report_id, {KEY: 0}, store.get_user(earlier_id))  # type: ignore[arg-type]
        for race in range(5):
            done: dict[str, object] = {}
            before = race * 2  # the value stored before this race (0, then what the last one left)

            def second(value: int, done: dict[str, object] = done) -> None:
                try:
                    with Repository(url, data_dir=tmp_path).transaction() as other:
                        seen = other.answers(report_id)  # type: ignore[arg-type]  # what the writer saw when it began
                        done["seen"] = seen[KEY]
                        done["written"] = other.set_answers(report_id, {KEY: value}, other.get_user(second_id), current=seen)  # type: ignore[arg-type]
                except BaseException as exc:  # any failure is the finding
                    done["error"] = exc

            with repo.transaction() as store:
                assert store.set_answers(report_id, {KEY: before + 1}, store.get_user(first_id)) == [KEY]  # type: ignore[arg-type]
                thread = threading.Thread(target=second, args=(before + 2,))
                thread.start()
                _wait_for_a_lock(url)
            thread.join(30)
            assert "error" not in done, done
            assert done["seen"] == before  # it began before the first writer committed
            written = done["written"]
            assert written == [KEY] and written.replaced == [Replaced(KEY, before + 1, before + 2, first_id)]  # type: ignore[attr-defined]
            with repo.transaction() as store:
                assert store.answers(report_id)[KEY] == before + 2  # type: ignore[arg-type]
                last_two = [(a.user_id, a.old, a.new) for a in reversed(store.history(report_id, limit=2))]  # type: ignore[arg-type]
                assert last_two == [(first_id, str(before), str(before + 1)), (second_id, str(before + 1), str(before + 2))]
        repo.dispose()
