"""`nianbao backup`: a consistent copy while the bot runs, and a restore that gives back every answer."""

from __future__ import annotations

import os
import shutil
import stat
import subprocess
import sys

from conftest import ROOT
from driver import Clerk, make_service, onboard


def backup(data_dir, target, **env):  # type: ignore[no-untyped-def]
    full = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"} | {"NIANBAO_DATA_DIR": str(data_dir), "PYTHONPATH": str(ROOT)} | env
    return subprocess.run([sys.executable, "-m", "bot", "backup", str(target)], env=full, cwd=ROOT,
                          capture_output=True, text=True, timeout=60)


def answers(service):  # type: ignore[no-untyped-def]
    with service.repo.transaction() as store:
        user = store.user("test", "clerk1")
        return store.answers(store.conversation(user).report_id)


def test_backup_while_running_and_restore(tmp_path):
    live = tmp_path / "live"
    service = make_service(live)
    clerk = Clerk(service)
    onboard(clerk)
    clerk.tap("有，逐项填写")
    clerk.say("3 1 7")
    before = answers(service)
    assert before["table2.NORM.made"] == 3

    copy = tmp_path / "nianbao-backup.sqlite3"
    done = backup(live, copy)  # the service above still holds its connections
    assert done.returncode == 0, done.stderr
    assert stat.S_IMODE(copy.stat().st_mode) == 0o600
    clerk.say("5 0 0")  # work goes on after the backup: not in it

    restored = tmp_path / "restored"
    restored.mkdir()
    shutil.copy(copy, restored / "nianbao.sqlite3")
    assert answers(make_service(restored)) == before


def test_backup_refuses_to_overwrite_and_postgresql(tmp_path):
    service = make_service(tmp_path / "live")
    onboard(Clerk(service))
    existing = tmp_path / "old.sqlite3"
    existing.write_bytes(b"keep me")
    done = backup(tmp_path / "live", existing)
    assert done.returncode == 2 and "不会覆盖" in done.stderr and existing.read_bytes() == b"keep me"
    done = backup(tmp_path / "live", tmp_path / "x", DATABASE_URL="postgresql+psycopg://u:p@127.0.0.1/nianbao")
    assert done.returncode == 2 and "pg_dump" in done.stderr
