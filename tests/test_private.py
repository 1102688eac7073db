"""Secrets and files stay private: the token never reaches the log, files are 0600 in 0700 folders
whatever the umask, names from uploads never leave their folder, and a database that cannot be written
is said in one line."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import ROOT, SAMPLES
from fakebotapi import FakeBotAPI

from bot.core.files import safe_filename, write_atomic
from bot.core.logredact import MASK, Redactor

SECRET = "987654321:AAHsecret-token_value"


def run_bot(env: dict[str, str], tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    full = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "NIANBAO_", "DATABASE_URL"))}
    full |= {"PYTHONPATH": str(ROOT), "NIANBAO_DATA_DIR": str(tmp_path / "data"), "NIANBAO_WORKERS": "0"} | env
    return subprocess.run(
        [sys.executable, "-m", "bot", *(args or ("run",))], env=full, cwd=tmp_path, capture_output=True, text=True,
        timeout=60, stdin=subprocess.DEVNULL,
    )


def test_a_rejected_token_is_said_without_showing_it(tmp_path):
    with FakeBotAPI(token="123:ABC") as api:  # any other token is answered 401
        done = run_bot({"TELEGRAM_BOT_TOKEN": SECRET, "TELEGRAM_API_BASE_URL": api.base_url}, tmp_path)
    output = done.stdout + done.stderr
    assert done.returncode == 78, output
    assert "Telegram拒绝了TELEGRAM_BOT_TOKEN" in output
    assert SECRET not in output and "AAHsecret" not in output


def test_a_malformed_api_address_is_said_without_the_token(tmp_path):
    done = run_bot({"TELEGRAM_BOT_TOKEN": SECRET, "TELEGRAM_API_BASE_URL": "http://127.0.0.1:99999/bot"}, tmp_path)
    output = done.stdout + done.stderr
    assert done.returncode == 78 and "Traceback" not in output, output
    assert "TELEGRAM_API_BASE_URL 不是有效的地址" in output
    assert SECRET not in output and "AAHsecret" not in output


def test_the_filter_masks_messages_arguments_and_tracebacks():
    import logging

    redactor = Redactor([SECRET])
    try:
        raise RuntimeError(f"GET https://api.telegram.org/bot{SECRET}/getMe failed")
    except RuntimeError:
        record = logging.LogRecord("x", logging.ERROR, __file__, 1, "url %s", (f"/bot{SECRET}/x",), sys.exc_info())
    assert redactor.filter(record)
    assert SECRET not in record.getMessage() and MASK in record.getMessage()
    assert record.exc_text and SECRET not in record.exc_text and MASK in record.exc_text


def test_files_are_private_whatever_the_umask(tmp_path):
    old = os.umask(0o022)
    try:
        out = tmp_path / "r.json"
        done = subprocess.run([sys.executable, "-m", "bot", "import", str(SAMPLES / "township-2023-shanxi-ciying.txt"), "-o", str(out)],
                              cwd=ROOT, capture_output=True, text=True, timeout=60)
        assert done.returncode == 0, done.stderr
        assert stat.S_IMODE(out.stat().st_mode) == 0o600
        data = tmp_path / "data"
        data.mkdir(mode=0o755)
        (data / "nianbao.sqlite3").touch(mode=0o644)  # made by an earlier release
        chat = run_bot({}, tmp_path, "chat")
        assert chat.returncode == 0, chat.stderr
        assert stat.S_IMODE(data.stat().st_mode) == 0o700
        for name in ("nianbao.sqlite3", "nianbao.sqlite3-wal"):
            if (data / name).exists():
                assert stat.S_IMODE((data / name).stat().st_mode) == 0o600, name
    finally:
        os.umask(old)


@pytest.mark.parametrize("name", ["../../x.docx", "/etc/passwd", "..", "a/b\\c.docx", "\x00bad.docx", "."])
def test_names_from_any_input_stay_in_their_folder(tmp_path, name):
    folder = tmp_path / "documents"
    folder.mkdir()
    path = folder / safe_filename(name)
    assert path.resolve().parent == folder.resolve()
    write_atomic(path, b"x")
    assert [p.name for p in folder.iterdir()] == [path.name]


def test_a_failed_write_leaves_no_partial_file(tmp_path):
    target = tmp_path / "out.docx"
    target.write_bytes(b"old")
    with pytest.raises(TypeError):
        write_atomic(target, "not bytes")  # type: ignore[arg-type]
    assert target.read_bytes() == b"old" and [p.name for p in tmp_path.iterdir()] == ["out.docx"]


def test_a_database_that_cannot_be_opened_is_one_line(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    done = run_bot({"NIANBAO_DATA_DIR": str(blocker / "data")}, tmp_path, "chat")
    assert done.returncode == 78 and "Traceback" not in done.stderr, done.stderr
    assert "数据库" in done.stderr and "无法打开或创建" in done.stderr
    readonly = tmp_path / "ro.sqlite3"
    readonly.touch()
    done = run_bot({"DATABASE_URL": f"sqlite:///file:{readonly}?mode=ro&uri=true"}, tmp_path, "chat")
    assert done.returncode == 78 and "Traceback" not in done.stderr, done.stderr
    assert "只读或无写入权限" in done.stderr
