"""Persistence behind a small repository (SQLite by default, any SQLAlchemy URL by DATABASE_URL)."""

import bot.storage.web_accounts  # noqa: F401 - web login tables, created with the others
