"""Alembic migrations of the database (both SQLite and PostgreSQL), shipped inside the package.

Run through `bot.storage.migrate` (`nianbao db upgrade`, or on start); docs/migrations.md says how to add one.
"""

from __future__ import annotations

from sqlalchemy import MetaData
from sqlmodel import SQLModel


def target_metadata() -> MetaData:
    """Every table of the models (importing the modules that define tables registers them)."""
    import bot.storage.models
    import bot.storage.web_accounts  # noqa: F401

    return SQLModel.metadata
