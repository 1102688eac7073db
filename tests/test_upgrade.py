"""Schema migrations (bot/storage/migrate.py): a database made by an earlier release upgrades in place on SQLite
and on PostgreSQL with every row kept, the models and the migrations agree, and an old database is not
touched on start unless the operator allows it."""

from __future__ import annotations

import shutil
import sqlite3
import threading
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import MetaData, create_engine, func, select

from bot.channels.cli.commands import main
from bot.core.config import EX_CONFIG
from bot.storage.migrate import SchemaOutdated, head
from bot.storage.migrations import target_metadata
from bot.storage.repository import Repository

pytestmark = pytest.mark.both_databases  # tests/conftest.py: SQLite and PostgreSQL

V1 = Path(__file__).resolve().parent / "fixtures" / "conversations-v1.sqlite3"

# The tables of the release before counties and reviews that changed since (as that release created them).
OLD_SCHEMA = """
CREATE TABLE "user" (id INTEGER NOT NULL PRIMARY KEY, channel VARCHAR(16) NOT NULL, external_id VARCHAR(64) NOT NULL,
  display_name VARCHAR(128) NOT NULL, chat_id VARCHAR(64) NOT NULL, reminders_on BOOLEAN NOT NULL, blocked BOOLEAN NOT NULL,
  created_at TIMESTAMP NOT NULL, UNIQUE (channel, external_id));
CREATE TABLE unit (id INTEGER NOT NULL PRIMARY KEY, name VARCHAR(128) NOT NULL, level VARCHAR(32) NOT NULL,
  province VARCHAR(32) NOT NULL, city VARCHAR(32) NOT NULL, county VARCHAR(32) NOT NULL, created_at TIMESTAMP NOT NULL);
CREATE TABLE invite (token VARCHAR(64) NOT NULL PRIMARY KEY, unit_id INTEGER NOT NULL REFERENCES unit (id),
  role VARCHAR(16) NOT NULL, created_by INTEGER NOT NULL REFERENCES "user" (id), expires_at TIMESTAMP NOT NULL,
  max_uses INTEGER NOT NULL, uses INTEGER NOT NULL, revoked BOOLEAN NOT NULL, created_at TIMESTAMP NOT NULL);
CREATE INDEX ix_invite_unit_id ON invite (unit_id);
INSERT INTO "user" VALUES (1, 'telegram', '42', '张三', '42', true, false, '2026-11-01 00:00:00');
INSERT INTO unit VALUES (1, '次营镇人民政府', 'township', '山西省', '晋城市', '阳城县', '2026-11-01 00:00:00');
INSERT INTO invite VALUES ('tok', 1, 'clerk', 1, '2030-01-01 00:00:00', 1, 0, false, '2026-11-01 00:00:00');
"""


def url_of(store_url: str, tmp_path: Path) -> str:
    return store_url or f"sqlite:///{tmp_path / 'nianbao.sqlite3'}"


def run_sql(url: str, script: str) -> None:
    if url.startswith("sqlite"):
        with sqlite3.connect(url.removeprefix("sqlite:///")) as conn:
            conn.executescript(script.replace("true", "1").replace("false", "0"))
        return
    engine = create_engine(url)
    with engine.begin() as conn:
        for statement in filter(str.strip, script.replace("id INTEGER NOT NULL PRIMARY KEY", "id SERIAL PRIMARY KEY").split(";")):
            conn.exec_driver_sql(statement)
    engine.dispose()
    resume_sequences(url)


def resume_sequences(url: str) -> None:
    """Rows copied in with their ids: each id sequence continues after them, as in the release's own database."""
    engine = create_engine(url)
    with engine.begin() as conn:
        meta = MetaData()
        meta.reflect(conn)
        for table in meta.sorted_tables:
            if "id" in table.c and table.c.id.primary_key:
                conn.exec_driver_sql(f"SELECT setval(pg_get_serial_sequence('\"{table.name}\"', 'id'), coalesce(max(id), 0) + 1, false) FROM \"{table.name}\"")
    engine.dispose()


def drift(url: str) -> list:
    """What Alembic's autogenerate would still change: nothing, when models and migrations agree."""
    engine = create_engine(url)
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}), target_metadata())
    engine.dispose()
    return diff


def load_v1(url: str) -> dict[str, int]:
    """The previous release's database (conversations-v1) in `url`, as that release's tables; rows per table."""
    source = create_engine(f"sqlite:///{V1}")
    meta = MetaData()
    meta.reflect(source)
    counts = {}
    if url.startswith("sqlite"):
        shutil.copy(V1, url.removeprefix("sqlite:///"))
    else:
        target = create_engine(url)
        for table in meta.sorted_tables:
            for column in table.columns:
                column.type = column.type.as_generic()  # SQLite's DATETIME: a time without zone, as that release had
        meta.create_all(target)
        with source.connect() as src, target.begin() as dst:
            for table in meta.sorted_tables:
                rows = [dict(r._mapping) for r in src.execute(select(table))]
                if rows:
                    dst.execute(table.insert(), rows)
        target.dispose()
        resume_sequences(url)
    with source.connect() as src:
        for table in meta.sorted_tables:
            counts[table.name] = src.execute(select(func.count()).select_from(table)).scalar_one()
    source.dispose()
    return counts


def test_models_and_migrations_agree(store_url, tmp_path):
    url = url_of(store_url, tmp_path)
    Repository(url).dispose()
    assert drift(url) == []


def test_old_database_is_upgraded_in_place(store_url, tmp_path):
    url = url_of(store_url, tmp_path)
    run_sql(url, OLD_SCHEMA)
    repo = Repository(url, auto_upgrade=True)
    with repo.transaction() as store:
        unit = store.unit(1)
        assert unit is not None and unit.name == "次营镇人民政府" and unit.county_id is None
        user = store.get_user(1)
        assert user is not None and user.display_name == "张三"
        user.display_name = "李" * 256  # longer than that release's VARCHAR(128)
        invite = store.invite("tok")
        assert invite is not None and invite.unit_id == 1 and invite.county_id is None
        county = store.create_county("阳城县", "山西省", "晋城市", user)
        store.create_invite(None, user, "coordinator", county_id=county.id)  # unit_id may be empty now
        joined, reason = store.redeem_invite("tok", store.user("telegram", "43"))
        assert joined is not None and reason == ""
    repo.dispose()
    Repository(url).dispose()  # a second start finds nothing to do
    assert drift(url) == []
    if url.startswith("sqlite"):
        with sqlite3.connect(url.removeprefix("sqlite:///")) as conn:
            assert conn.execute("PRAGMA foreign_key_check").fetchall() == []
            assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)


def test_the_previous_release_upgrades_with_every_row(store_url, tmp_path):
    url = url_of(store_url, tmp_path)
    counts = load_v1(url)
    repo = Repository(url, auto_upgrade=True)
    engine = repo.engine
    with engine.connect() as conn:
        for name, count in counts.items():
            assert conn.exec_driver_sql(f'SELECT count(*) FROM "{name}"').scalar_one() == count, name
    with repo.transaction() as store:
        records = [store.report_record(i) for i in range(1, 6)]
        assert all(r is None or r.format_id == "gov-2021" for r in records) and any(records)
    repo.dispose()
    assert drift(url) == []


def test_an_old_database_waits_for_the_operator_unless_allowed(store_url, tmp_path, monkeypatch, capsys):
    url = url_of(store_url, tmp_path)
    run_sql(url, OLD_SCHEMA)
    with pytest.raises(SchemaOutdated, match="nianbao db upgrade"):
        Repository(url, auto_upgrade=False)
    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.setenv("NIANBAO_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("NIANBAO_AUTO_UPGRADE", "0")
    monkeypatch.chdir(tmp_path)
    assert main(["chat"]) == EX_CONFIG and "请先运行 nianbao db upgrade" in capsys.readouterr().err  # refuses to start, says why
    assert main(["db", "current"]) == 0 and "迁移之前" in capsys.readouterr().out
    assert main(["db", "upgrade"]) == 0 and f"升级到 {head()}" in capsys.readouterr().out
    assert main(["db", "upgrade"]) == 0 and "已是最新版本" in capsys.readouterr().out
    Repository(url, auto_upgrade=False).dispose()


def test_a_new_database_is_set_up_by_several_processes_starting_at_once(store_url, tmp_path):
    url = url_of(store_url, tmp_path)
    errors: list[BaseException] = []

    def start() -> None:
        try:
            Repository(url, auto_upgrade=False).dispose()
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=start) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert errors == [] and drift(url) == []
