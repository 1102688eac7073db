"""A database made by the release before counties and reviews opens with every row kept."""

from __future__ import annotations

import sqlite3

from storage.repository import Repository

# The tables of the earlier release that changed since (as that release created them).
OLD_SCHEMA = """
CREATE TABLE user (id INTEGER NOT NULL PRIMARY KEY, channel VARCHAR(16) NOT NULL, external_id VARCHAR(64) NOT NULL,
  display_name VARCHAR(128) NOT NULL, chat_id VARCHAR(64) NOT NULL, reminders_on BOOLEAN NOT NULL, blocked BOOLEAN NOT NULL,
  created_at DATETIME NOT NULL, UNIQUE (channel, external_id));
CREATE TABLE unit (id INTEGER NOT NULL PRIMARY KEY, name VARCHAR(128) NOT NULL, level VARCHAR(32) NOT NULL,
  province VARCHAR(32) NOT NULL, city VARCHAR(32) NOT NULL, county VARCHAR(32) NOT NULL, created_at DATETIME NOT NULL);
CREATE TABLE invite (token VARCHAR(64) NOT NULL PRIMARY KEY, unit_id INTEGER NOT NULL REFERENCES unit (id),
  role VARCHAR(16) NOT NULL, created_by INTEGER NOT NULL REFERENCES user (id), expires_at DATETIME NOT NULL,
  max_uses INTEGER NOT NULL, uses INTEGER NOT NULL, revoked BOOLEAN NOT NULL, created_at DATETIME NOT NULL);
CREATE INDEX ix_invite_unit_id ON invite (unit_id);
INSERT INTO user VALUES (1, 'telegram', '42', '张三', '42', 1, 0, '2026-11-01 00:00:00');
INSERT INTO unit VALUES (1, '次营镇人民政府', 'township', '山西省', '晋城市', '阳城县', '2026-11-01 00:00:00');
INSERT INTO invite VALUES ('tok', 1, 'clerk', 1, '2030-01-01 00:00:00', 1, 0, 0, '2026-11-01 00:00:00');
"""


def test_old_database_is_upgraded_in_place(tmp_path):
    path = tmp_path / "nianbao.sqlite3"
    with sqlite3.connect(path) as conn:
        conn.executescript(OLD_SCHEMA)
    repo = Repository(f"sqlite:///{path}")
    with repo.transaction() as store:
        unit = store.unit(1)
        assert unit is not None and unit.name == "次营镇人民政府" and unit.county_id is None
        user = store.get_user(1)
        invite = store.invite("tok")
        assert invite is not None and invite.unit_id == 1 and invite.county_id is None
        county = store.create_county("阳城县", "山西省", "晋城市", user)
        store.create_invite(None, user, "coordinator", county_id=county.id)  # unit_id may be empty now
        joined, reason = store.redeem_invite("tok", store.user("telegram", "43"))
        assert joined is not None and reason == ""
    repo.dispose()
    Repository(f"sqlite:///{path}").dispose()  # a second start finds nothing to do
    with sqlite3.connect(path) as conn:
        assert conn.execute("PRAGMA foreign_key_check").fetchall() == []
        assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        names = {row[1] for row in conn.execute("PRAGMA index_list('invite')")}
        assert {"ix_invite_unit_id", "ix_invite_county_id"} <= names
