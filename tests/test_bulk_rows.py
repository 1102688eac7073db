"""The bulk statements behind a one-tap "all zero" (bot/storage/db.py): on PostgreSQL one array per column,
elsewhere a multi-row INSERT; both must insert, skip and return exactly the same rows."""

from __future__ import annotations

import pytest
from pgserver import current_url
from sqlmodel import select

from bot.storage.db import among, insert_rows
from bot.storage.models import Answer, AuditLog, utcnow
from bot.storage.repository import Repository

pytestmark = pytest.mark.both_databases  # tests/conftest.py: SQLite and PostgreSQL


def _report(store) -> tuple[int, int]:
    user = store.user("test", "clerk1")
    unit = store.create_unit(user, "测试镇人民政府")
    return store.report_for(unit.id, 2026).id, user.id


def test_insert_rows_skips_the_stored_keys_and_returns_the_others(tmp_path):
    repo = Repository(current_url() or None, data_dir=tmp_path)
    table = Answer.__table__  # type: ignore[attr-defined]
    with repo.transaction() as store:
        report_id, user_id = _report(store)
        now = utcnow()
        first = [{"report_id": report_id, "key": f"table3.k{i}", "value": "1", "author_id": user_id, "answered_at": now} for i in range(10)]
        assert insert_rows(store.session, table, first, skip_conflicts=True, returning=table.c.key) == [r["key"] for r in first]
        rows = [{"report_id": report_id, "key": f"table3.k{i}", "value": "0", "author_id": None, "answered_at": now} for i in range(150)]
        inserted = insert_rows(store.session, table, rows, skip_conflicts=True, returning=table.c.key)
        assert sorted(inserted) == sorted(f"table3.k{i}" for i in range(10, 150))
        stored = dict(store.session.exec(select(Answer.key, Answer.value).where(Answer.report_id == report_id)).all())
        assert len(stored) == 150 and stored["table3.k3"] == "1" and stored["table3.k149"] == "0"
        assert store.session.exec(select(Answer.author_id).where(Answer.key == "table3.k140")).one() is None
    repo.dispose()


def test_insert_rows_keeps_nulls_and_returns_new_ids(tmp_path):
    repo = Repository(current_url() or None, data_dir=tmp_path)
    log = AuditLog.__table__  # type: ignore[attr-defined]
    with repo.transaction() as store:
        report_id, user_id = _report(store)
        rows = [{"report_id": report_id, "user_id": user_id if i % 2 else None, "key": f"k{i}", "old": None if i % 3 else "7",
                 "new": "0", "action": "answer", "at": utcnow()} for i in range(60)]
        ids = insert_rows(store.session, log, rows, returning=log.c.id)
        assert len(set(ids)) == 60
        back = {a.key: a for a in store.session.exec(select(AuditLog).where(among(store.session, AuditLog.id, ids))).all()}
        assert len(back) == 60
        assert back["k0"].user_id is None and back["k0"].old == "7" and back["k1"].user_id == user_id and back["k1"].old is None
        assert insert_rows(store.session, log, []) == []
    repo.dispose()


def test_among_matches_exactly_the_values_given(tmp_path):
    repo = Repository(current_url() or None, data_dir=tmp_path)
    with repo.transaction() as store:
        report_id, user_id = _report(store)
        store.set_answers(report_id, {f"table2.k{i}": i for i in range(5)}, None)
        keys = store.session.exec(select(Answer.key).where(among(store.session, Answer.key, ["table2.k1", "table2.k4", "其他"]))).all()
        assert sorted(keys) == ["table2.k1", "table2.k4"]
        assert store.session.exec(select(Answer.key).where(among(store.session, Answer.key, []))).all() == []
    repo.dispose()
