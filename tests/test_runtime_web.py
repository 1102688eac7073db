"""The install a county runs: `nianbao web` alone (no chat token), a real process. On a reminder morning it
plans the reminder, releases it, and delivers it to the web inbox and by e-mail to a real SMTP server on
127.0.0.1 — also across a SIGKILL between the release and the delivery: once."""

from __future__ import annotations

import contextlib
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

from conftest import ROOT, free_port
from mailserver import PASSWORD, USER, MailServer

from bot.storage.models import Member
from bot.storage.repository import Repository

ADDRESS = "clerk@gk.example.gov.cn"
MORNING = "2027-01-22T09:30:00+08:00"  # Friday: 7 days before 29 January, the last working day before the deadline


def prepare(data: Path) -> None:
    """A township clerk on the web page with the 2026 report in progress and an e-mail address."""
    repo = Repository(data_dir=data)
    with repo.transaction() as store:
        clerk = store.user("web", "web-clerk", "李四")
        clerk.email = ADDRESS
        store.add(clerk)
        unit = store.create_unit(None, "测试镇人民政府")
        store.add(Member(user_id=clerk.id, unit_id=unit.id, role="clerk"))  # type: ignore[arg-type]
        record = store.report_for(unit.id, 2026)  # type: ignore[arg-type]
        assert record is not None
        store.set_answers(record.id, {"unit.name": "测试镇人民政府"}, clerk)  # type: ignore[arg-type]
    repo.dispose()


def rows(data: Path, sql: str) -> list[tuple[object, ...]]:
    with contextlib.closing(sqlite3.connect(f"file:{data / 'nianbao.sqlite3'}?mode=ro", uri=True, timeout=5)) as db:
        return db.execute(sql).fetchall()


def start(data: Path, mail_port: int, cafile: str) -> subprocess.Popen[bytes]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "DINGTALK_", "NIANBAO_", "DATABASE_URL"))}
    env.update(
        PYTHONPATH=str(ROOT), NIANBAO_DATA_DIR=str(data), NIANBAO_CLOCK=MORNING, NIANBAO_WEB_PORT=str(free_port()),
        NIANBAO_WEB_BASE_URL="http://gk.example/nianbao", NIANBAO_SMTP_HOST="127.0.0.1", NIANBAO_SMTP_PORT=str(mail_port),
        NIANBAO_SMTP_USER=USER, NIANBAO_SMTP_PASSWORD=PASSWORD, NIANBAO_SMTP_TIMEOUT="5", SSL_CERT_FILE=cafile,
    )
    return subprocess.Popen([sys.executable, "-m", "bot", "web"], env=env, cwd=str(data.parent),
                            stdout=subprocess.DEVNULL, stderr=(data.parent / "web.log").open("ab"))


def wait_for(what: str, check, process: subprocess.Popen[bytes], log: Path, seconds: float = 40.0) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + seconds
    while not check():
        assert process.poll() is None, log.read_text(errors="replace")
        assert time.monotonic() < deadline, f"{what} within {seconds:g}s; log:\n{log.read_text(errors='replace')[-3000:]}"
        time.sleep(0.1)


def stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(5)


def test_the_web_page_alone_reminds_by_inbox_and_e_mail(tmp_path):
    data = tmp_path / "data"
    prepare(data)
    log = tmp_path / "web.log"
    with MailServer(tmp_path) as mail:
        web = start(data, mail.port, mail.cafile)
        try:
            wait_for("the e-mail", lambda: mail.recorder.to() == {ADDRESS: 1}, web, log)
            wait_for("the web inbox", lambda: rows(data, "SELECT state FROM delivery WHERE channel = 'web'") == [("sent",)], web, log)
            assert process_exit_on_term(web) == 0
        finally:
            stop(web)
    assert rows(data, "SELECT kind FROM reminder WHERE state = 'released'") == [("before-7",)]
    assert sorted(rows(data, "SELECT kind FROM reminder WHERE state = 'skipped'")) == [("before-14",), ("before-30",)], "days ago: stale"
    assert len(rows(data, "SELECT kind FROM reminder WHERE state = 'planned'")) == 13, "the rest: 3, 1 and 0 days before, ten late days"
    [mail_message] = mail.recorder.messages
    body = mail_message.get_body(("plain",)).get_content()
    assert "测试镇人民政府2026年度" in body and "还有5个工作日截止" in body and "http://gk.example/nianbao/" in body
    [(text,)] = rows(data, "SELECT text FROM delivery WHERE channel = 'web'")
    assert "【年报提醒】测试镇人民政府2026年度" in str(text)


def process_exit_on_term(process: subprocess.Popen[bytes]) -> int:
    process.send_signal(signal.SIGTERM)
    return process.wait(20)


def test_a_sigkill_between_release_and_delivery_still_delivers_once(tmp_path):
    data = tmp_path / "data"
    prepare(data)
    log = tmp_path / "web.log"
    mail_port = free_port()  # nothing listens yet: the mail server is down at 09:30
    with MailServer(tmp_path, port=mail_port) as probe:
        cafile = probe.cafile
    web = start(data, mail_port, cafile)
    try:
        wait_for("the release", lambda: rows(data, "SELECT state FROM delivery WHERE channel = 'email'") == [("pending",)], web, log)
        web.kill()  # SIGKILL: released, not delivered
        web.wait(10)
    finally:
        stop(web)
    assert rows(data, "SELECT state FROM delivery WHERE channel = 'email'") == [("pending",)]
    with MailServer(tmp_path, port=mail_port) as mail:
        again = start(data, mail_port, mail.cafile)
        try:
            wait_for("the e-mail after the restart", lambda: mail.recorder.to() == {ADDRESS: 1}, again, log)
            time.sleep(1.0)  # a second round of sending (bounded) must find nothing more to send
            assert mail.recorder.to() == {ADDRESS: 1}
        finally:
            stop(again)
    assert rows(data, "SELECT state FROM delivery WHERE channel = 'email'") == [("sent",)]
    assert len(rows(data, "SELECT id FROM delivery WHERE channel = 'web'")) == 1
