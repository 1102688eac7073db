"""Persistence behind a small repository (SQLite by default, any SQLAlchemy URL by DATABASE_URL)."""
