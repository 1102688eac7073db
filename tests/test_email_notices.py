"""Notices by e-mail through a real SMTP server on 127.0.0.1 (aiosmtpd): who gets one, what it says, and
how every fault ends — nothing is ever sent twice, and the notice stays in the web inbox."""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime, timedelta

import pytest
from mailserver import PASSWORD, USER, MailServer, SilentServer
from sqlmodel import select

from bot.channels.email import EmailSender
from bot.core.config import SmtpSettings
from bot.reminders.schedule import Reminders
from bot.reminders.sender import ReminderSender
from bot.reminders.webinbox import WebInboxSender
from bot.reminders.workcalendar import WorkCalendar
from bot.storage.models import Delivery
from bot.storage.repository import Repository

NOW = datetime(2027, 1, 22, 1, 30, tzinfo=UTC)  # 09:30 in Beijing, a reminder morning
ADDRESS = "clerk@gk.example.gov.cn"
TEXT = "【年报提醒】测试镇人民政府2026年度政府信息公开工作年度报告：已完成 3/9 部分。\n还有5个工作日截止（请在1月29日前完成）。\n发送 /remind off 可关闭提醒。"


class Clock:
    def __init__(self) -> None:
        self.at = NOW

    def __call__(self) -> datetime:
        return self.at


@pytest.fixture
def repo(tmp_path):  # type: ignore[no-untyped-def]
    clock = Clock()
    r = Repository(data_dir=tmp_path / "data", now=clock)
    r.clock = clock  # type: ignore[attr-defined]
    yield r
    r.dispose()


@pytest.fixture
def trusted(tmp_path, monkeypatch):  # type: ignore[no-untyped-def]
    """The test server's certificate is what the client trusts (as an operator's SSL_CERT_FILE would)."""
    def trust(server: MailServer) -> MailServer:
        monkeypatch.setenv("SSL_CERT_FILE", server.cafile)
        return server
    return trust


def people(repo: Repository, *, email: str = ADDRESS, telegram: bool = False, notify_all: bool = False) -> int:
    """A web person (with a Telegram account linked when asked) and one notice to them; the person's id."""
    with repo.transaction() as store:
        person = store.user("web", "w-1", "李四")
        person.email, person.notify_all = email, notify_all
        store.add(person)
        if telegram:
            tg = store.account("telegram", "501", "李四", "501")
            tg.person_id = person.id
            store.add(tg)
        store.notify([person], TEXT, "reminder")
        return int(person.id)  # type: ignore[arg-type]


def deliveries(repo: Repository) -> dict[str, Delivery]:
    with repo.transaction() as store:
        return {d.channel: d for d in store.session.exec(select(Delivery)).all()}


def settings(port: int, security: str = "starttls", timeout: float = 5.0, user: str = USER) -> SmtpSettings:
    return SmtpSettings(host="127.0.0.1", port=port, security=security, user=user, password=PASSWORD, timeout=timeout)  # type: ignore[arg-type]


def send(repo: Repository, sender: EmailSender) -> int:
    reminders = Reminders(repo, WorkCalendar(), repo.clock)  # type: ignore[attr-defined]
    return asyncio.run(ReminderSender(reminders, senders=[sender, WebInboxSender()]).send_pending())


def test_who_gets_an_e_mail(repo):
    people(repo)
    assert set(deliveries(repo)) == {"web", "email"}, "reached only on the web page: the inbox and an e-mail"
    assert deliveries(repo)["email"].chat_id == ADDRESS


def test_a_person_on_telegram_gets_no_e_mail_unless_they_want_every_channel(repo):
    people(repo, telegram=True)
    assert "email" not in deliveries(repo)


def test_every_channel_includes_e_mail(repo):
    people(repo, telegram=True, notify_all=True)
    assert set(deliveries(repo)) == {"web", "telegram", "email"}


def test_no_address_no_e_mail(repo):
    people(repo, email="")
    assert set(deliveries(repo)) == {"web"}


def test_starttls_login_and_the_message(repo, tmp_path, trusted):
    people(repo)
    with trusted(MailServer(tmp_path, "starttls")) as server:
        assert send(repo, EmailSender(settings(server.port), link="http://gk.example/nianbao/")) == 2
    [mail] = server.recorder.messages
    assert mail["To"] == ADDRESS and mail["From"] == USER
    assert mail["Subject"] == "【年报提醒】测试镇人民政府2026年度政府信息公开工作年度报告"
    assert mail["Auto-Submitted"] == "auto-generated"
    plain = mail.get_body(("plain",)).get_content()
    html = mail.get_body(("html",)).get_content()
    for body in (plain, html):
        assert "测试镇人民政府2026年度" in body and "还有5个工作日截止" in body and "http://gk.example/nianbao/" in body
        assert "/remind off" not in body, "a chat command means nothing in an e-mail"
    assert deliveries(repo)["email"].state == "sent"
    assert send(repo, EmailSender(settings(server.port))) == 0, "sent once, never again"


def test_implicit_tls(repo, tmp_path, trusted):
    people(repo)
    with trusted(MailServer(tmp_path, "tls")) as server:
        assert send(repo, EmailSender(settings(server.port, "tls"))) == 2
    assert server.recorder.to() == {ADDRESS: 1}


def test_tls_required_but_not_offered_sends_nothing_in_clear(repo, tmp_path, caplog):
    people(repo)
    with MailServer(tmp_path, "none") as server, caplog.at_level(logging.WARNING):
        sender = EmailSender(settings(server.port, "starttls", user=""))
        send(repo, sender)
    assert server.recorder.messages == []
    assert "STARTTLS" in caplog.text
    row = deliveries(repo)["email"]
    assert row.state == "pending" and sender.paused, "queued again; e-mail paused with the outage backoff"


def test_421_is_an_outage_retried_later_and_sent_once(repo, tmp_path, trusted):
    people(repo)
    with trusted(MailServer(tmp_path)) as server:
        server.recorder.mail_reply = "421 4.3.2 closing, try later"
        sender = EmailSender(settings(server.port))
        send(repo, sender)
        assert deliveries(repo)["email"].state == "pending" and sender.paused
        server.recorder.mail_reply = ""
        sender.resume_at = 0.0  # the outage backoff has passed
        repo.clock.at += timedelta(minutes=5)  # type: ignore[attr-defined]
        assert send(repo, sender) == 1
        assert send(repo, sender) == 0
    assert server.recorder.to() == {ADDRESS: 1}


def test_451_defers_this_message_alone_with_backoff(repo, tmp_path, trusted):
    people(repo)
    with trusted(MailServer(tmp_path)) as server:
        server.recorder.rcpt_reply = "451 4.7.1 greylisted"
        sender = EmailSender(settings(server.port))
        send(repo, sender)
        row = deliveries(repo)["email"]
        assert row.state == "pending" and not sender.paused, "one address's deferral does not pause e-mail"
        assert row.not_before.replace(tzinfo=UTC) == NOW + timedelta(seconds=60)
        assert send(repo, sender) == 0, "not before its time"
        server.recorder.rcpt_reply = ""
        repo.clock.at += timedelta(seconds=61)  # type: ignore[attr-defined]
        assert send(repo, sender) == 1
    assert server.recorder.to() == {ADDRESS: 1}


def test_550_is_not_retried_and_the_notice_stays_in_the_web_inbox(repo, tmp_path, trusted, caplog):
    person = people(repo)
    with trusted(MailServer(tmp_path)) as server, caplog.at_level(logging.WARNING):
        server.recorder.rcpt_reply = "550 5.1.1 no such user"
        send(repo, EmailSender(settings(server.port)))
        repo.clock.at += timedelta(hours=2)  # type: ignore[attr-defined]
        send(repo, EmailSender(settings(server.port)))
    assert deliveries(repo)["email"].state == "failed" and deliveries(repo)["email"].attempts == 1
    assert "550" in caplog.text
    with repo.transaction() as store:
        inbox = store.inbox(store.get_user(person), repo.clock.at)  # type: ignore[arg-type, attr-defined]
        assert [d.text for d in inbox] == [TEXT]


def test_a_server_that_never_answers_is_an_outage(repo):
    people(repo)
    with SilentServer() as silent:
        sender = EmailSender(settings(silent.port, timeout=0.5))
        send(repo, sender)
    assert deliveries(repo)["email"].state == "pending" and sender.paused


def test_connection_refused_is_an_outage(repo):
    people(repo)
    with SilentServer() as closed:
        port = closed.port
    sender = EmailSender(settings(port))
    send(repo, sender)
    assert deliveries(repo)["email"].state == "pending" and sender.paused


def test_no_answer_after_the_body_is_never_sent_again(repo, tmp_path, trusted):
    people(repo)
    with trusted(MailServer(tmp_path)) as server:
        server.recorder.data_delay = 1.5
        sender = EmailSender(settings(server.port, timeout=0.5))
        send(repo, sender)
        assert deliveries(repo)["email"].state == "unknown"
        server.recorder.data_delay = 0.0
        repo.clock.at += timedelta(hours=1)  # type: ignore[attr-defined]
        assert send(repo, EmailSender(settings(server.port))) == 0
    assert sum(server.recorder.to().values()) <= 1


def test_a_bad_login_sends_nothing(repo, tmp_path, trusted):
    people(repo)
    with trusted(MailServer(tmp_path)) as server:
        sender = EmailSender(SmtpSettings(host="127.0.0.1", port=server.port, user=USER, password="wrong"))
        send(repo, sender)
    assert server.recorder.messages == [] and deliveries(repo)["email"].state == "pending" and sender.paused
