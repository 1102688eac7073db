"""A file is read outside the database transaction (issue 24, item 2): while one person's upload is being
read, everyone else's answers go through and are committed; the same person's second file is answered at
once. The slow read is made deterministic by holding the reader's child process on an event."""

from __future__ import annotations

import subprocess
import threading
from collections.abc import Iterator
from typing import Any

import pytest
from driver import Clerk, make_service, onboard
from sqlmodel import select

from bot.interview.service import STILL_READING
from bot.storage.models import AuditLog
from bot.storage.repository import Repository

WAIT = 60  # seconds: only how long to wait for something that should happen; never a measured time
PDF = b"%PDF-1.4\n% a broken report, read by the PDF child\n"


class HeldReader:
    """Handing a file to a reader's bounded child (Popen.communicate, also under subprocess.run) held until
    `release` is set."""

    def __init__(self) -> None:
        self.entered = threading.Event()
        self.release = threading.Event()
        self.real = subprocess.Popen.communicate

    def __call__(self, process: subprocess.Popen[bytes], *args: Any, **kwargs: Any) -> Any:
        self.entered.set()
        assert self.release.wait(WAIT), "the held reader was never released"
        return self.real(process, *args, **kwargs)


@pytest.fixture
def held(monkeypatch) -> Iterator[HeldReader]:
    reader = HeldReader()
    monkeypatch.setattr(subprocess.Popen, "communicate", lambda process, *a, **k: reader(process, *a, **k))
    yield reader
    reader.release.set()


def _in_thread(fn: Any, *args: Any) -> tuple[threading.Thread, dict[str, Any]]:
    out: dict[str, Any] = {}

    def run() -> None:
        out["outcome"] = fn(*args)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread, out


def _at_table2(clerk: Clerk) -> None:
    clerk.say("/menu")
    clerk.tap("2. 表二 主动公开")
    clerk.tap("有，逐项填写")


def test_others_answer_and_commit_while_a_file_is_read(tmp_path, held):
    service = make_service(tmp_path)  # one service, one SQLite file: the web page's process
    uploader, other = Clerk(service, "uploader", name="上传人"), Clerk(service, "other", name="另一人")
    onboard(uploader)
    onboard(other, name="固隆乡人民政府")
    _at_table2(other)

    upload, upload_out = _in_thread(uploader.upload, "年报.pdf", PDF)
    assert held.entered.wait(WAIT)  # the upload is being read now, and stays so until released

    answer, answer_out = _in_thread(other.say, "1 0 1")
    answer.join(WAIT)
    assert not answer.is_alive(), "another person's answer waited for the upload being read"
    assert upload.is_alive() and "outcome" not in upload_out  # the upload has not finished
    # committed: another connection sees the answer while the upload is still being read
    reader = Repository(service.repo.url, data_dir=tmp_path)
    with reader.transaction() as store:
        assert store.session.exec(select(AuditLog).where(AuditLog.key == "table2.NORM.made")).all()
    reader.dispose()
    assert answer_out["outcome"].replies

    held.release.set()
    upload.join(WAIT)
    assert not upload.is_alive()
    told = "\n".join(r.text for r in upload_out["outcome"].replies)
    assert "无法读取“年报.pdf”" in told and "PDF" in told, told


def test_a_second_file_while_one_is_read_is_answered_at_once(tmp_path, held):
    service = make_service(tmp_path)
    uploader = Clerk(service, "uploader", name="上传人")
    onboard(uploader)
    first, first_out = _in_thread(uploader.upload, "年报.pdf", PDF)
    assert held.entered.wait(WAIT)

    second, second_out = _in_thread(uploader.upload, "年报2.pdf", PDF)
    second.join(WAIT)
    assert not second.is_alive(), "the second file waited for the first"
    assert [r.text for r in second_out["outcome"].replies] == [STILL_READING]
    assert first.is_alive()

    held.release.set()
    first.join(WAIT)
    assert "无法读取“年报.pdf”" in "\n".join(r.text for r in first_out["outcome"].replies)
    uploader.upload("年报2.pdf", PDF)  # once the first is done, the next file is read
    assert "无法读取“年报2.pdf”" in uploader.texts()
