"""Online backups of the SQLite database: a consistent copy taken while the bot keeps running.

SQLite's backup API copies the database page by page under its own locking, so clerks can go on
answering during the copy and the copy is one committed state. (For PostgreSQL, use pg_dump:
docs/operations.md.)
"""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

from sqlalchemy.engine import make_url


class BackupError(Exception):
    """Why no backup was made, in Chinese."""


def sqlite_path(url: str) -> Path:
    """The file of a SQLite URL; BackupError for any other database."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or not parsed.database or parsed.database == ":memory:":
        raise BackupError("nianbao backup 只用于SQLite数据库；PostgreSQL请用 pg_dump（见 docs/operations.md）。")
    return Path(parsed.database)


def backup_sqlite(source: Path, target: Path) -> int:
    """Copy `source` into a new file `target` (0600); returns the number of pages copied."""
    if not source.is_file():
        raise BackupError(f"数据库文件 {source} 不存在。")
    if target.exists():
        raise BackupError(f"{target} 已存在，不会覆盖。请换一个文件名。")
    partial = target.with_name(target.name + ".part")
    src = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
    try:
        dst = sqlite3.connect(partial)
        try:
            src.backup(dst, pages=1024)
            pages = int(dst.execute("PRAGMA page_count").fetchone()[0])
            if dst.execute("PRAGMA integrity_check").fetchone()[0] != "ok":
                raise BackupError("备份文件未通过完整性检查，请重试。")
        finally:
            dst.close()
    finally:
        src.close()
    os.chmod(partial, 0o600)
    os.replace(partial, target)
    return pages
