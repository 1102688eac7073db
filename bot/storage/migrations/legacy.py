"""Adopting a table made by a release before migrations: brought to a revision's definition, every row kept.

Missing columns are added (a required one filled with the revision's default), columns that became optional
or longer are altered, PostgreSQL times without a zone become UTC times, and indexes and foreign keys are
added. On SQLite a table that must change is rebuilt (SQLite cannot alter a column) the way its documentation
prescribes: new table, copy, drop, rename, so that other tables' references stay intact. Frozen with the
baseline revision that uses it: do not change it for later models.
"""

from __future__ import annotations

import re
from typing import Any

import sqlalchemy as sa
from alembic import op
from sqlalchemy.engine import Connection


def adopt(bind: Connection, table: sa.Table, defaults: dict[str, dict[str, Any]]) -> None:
    """An earlier release's table brought to the baseline, every row kept."""
    inspector = sa.inspect(bind)
    have = {c["name"]: c for c in inspector.get_columns(table.name)}
    missing = [c for c in table.columns if c.name not in have]
    loosened = [c for c in table.columns if c.name in have and c.nullable and not have[c.name]["nullable"]]
    widened = [c for c in table.columns if c.name in have and _longer(c.type, have[c.name]["type"])]
    if bind.dialect.name == "sqlite":
        if missing or loosened or widened:
            _rebuild_sqlite(bind, table, set(have), defaults)
            return
    else:
        for column in missing:
            default = _default(defaults, table.name, column)
            server_default = None if default is None else str(default).lower() if isinstance(default, bool) else str(default)
            op.add_column(table.name, sa.Column(column.name, column.type, nullable=column.nullable, server_default=server_default))
            if server_default is not None:
                op.alter_column(table.name, column.name, server_default=None)
        for column in loosened:
            op.alter_column(table.name, column.name, nullable=True, existing_type=column.type)
        for column in widened:
            op.alter_column(table.name, column.name, type_=column.type, existing_nullable=column.nullable)
        for column in table.columns:  # times written in UTC by a release whose columns had no zone
            old = have[column.name]["type"] if column.name in have else None
            if getattr(column.type, "timezone", False) and isinstance(old, sa.DateTime) and not old.timezone:
                op.alter_column(table.name, column.name, type_=column.type, postgresql_using=f"\"{column.name}\" AT TIME ZONE 'UTC'")
        added = {c.name for c in missing}
        for fk in table.foreign_key_constraints:
            if added & {c.name for c in fk.columns}:
                op.create_foreign_key(None, table.name, fk.referred_table.name, [c.name for c in fk.columns], [e.column.name for e in fk.elements])
    indexes = {i["name"] for i in inspector.get_indexes(table.name)}
    for index in table.indexes:
        if index.name not in indexes:
            index.create(bind)


def _rebuild_sqlite(bind: Connection, table: sa.Table, have: set[str], defaults: dict[str, dict[str, Any]]) -> None:
    """SQLite's twelve-step table change (foreign keys are off during migrations: bot.storage.migrate)."""
    new = f"{table.name}__new"
    create = str(sa.schema.CreateTable(table).compile(bind))
    bind.exec_driver_sql(re.sub(r"CREATE TABLE \S+", f'CREATE TABLE "{new}"', create, count=1))
    names, values, params = [], [], {}
    for i, column in enumerate(table.columns):
        names.append(f'"{column.name}"')
        if column.name in have:
            values.append(f'"{column.name}"')
        else:
            params[f"d{i}"] = _default(defaults, table.name, column)
            values.append(f":d{i}")
    bind.execute(sa.text(f'INSERT INTO "{new}" ({", ".join(names)}) SELECT {", ".join(values)} FROM "{table.name}"'), params)
    bind.exec_driver_sql(f'DROP TABLE "{table.name}"')
    bind.exec_driver_sql(f'ALTER TABLE "{new}" RENAME TO "{table.name}"')
    for index in table.indexes:
        index.create(bind)


def _default(defaults: dict[str, dict[str, Any]], table: str, column: sa.Column) -> Any:
    if column.name in defaults.get(table, {}):
        return defaults[table][column.name]
    if column.nullable:
        return None
    raise RuntimeError(f"{table}.{column.name}: required, missing in this database, and no default to fill it with")


def _longer(wanted: Any, existing: Any) -> bool:
    length, old = getattr(wanted, "length", None), getattr(existing, "length", None)
    return length is not None and old is not None and length > old
