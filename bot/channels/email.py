"""Notices by e-mail (政务邮箱): reminders, review news and nudges, never the interview itself.

One message per delivery, plain text with an HTML alternative, with the link to the web page. The SMTP
dialogue is split into what it means for the delivery:

- nothing can have been sent — the connection refused or timed out, the greeting, TLS or login failed,
  421 (the server is closing), or STARTTLS required but not offered (nothing is ever sent in clear):
  the message goes back to the queue and e-mail sending pauses with the outage backoff (2 s … 5 min);
- a temporary refusal of this message (4xx to MAIL, RCPT or DATA): queued again for this message alone,
  after 1, 2, 4 … 60 minutes, and given up ("failed") after MAX_TEMPORARY refusals of one address;
- a permanent refusal (5xx, or an address that is not one): "failed", logged, not retried — the notice
  stays in the person's web inbox;
- no answer after the message body was sent: "unknown", never sent again (it may have been delivered).

Connections are kept open between messages (one per worker) and closed after IDLE seconds unused.
"""

from __future__ import annotations

import asyncio
import logging
import smtplib
import ssl
import time
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from html import escape

from bot.core.config import SmtpSettings
from bot.reminders.channel import ChannelSender, RateLimiter

log = logging.getLogger(__name__)
MAX_TEMPORARY = 8  # temporary refusals of one address before its message is given up
IDLE = 30.0  # seconds an unused connection is kept
SUBJECTS = {"reminder": "年报提醒", "review": "年报审核", "nudge": "年报催办"}
CHAT_ONLY = ("发送 /remind off 可关闭提醒。",)  # lines that speak of chat commands, not of e-mail


class Unsent(Exception):
    """Nothing of this message reached the server: the whole channel backs off."""


class Refused(Exception):
    def __init__(self, code: int, reply: str):
        super().__init__(f"{code} {reply}")
        self.code = code


def compose(settings: SmtpSettings, address: str, text: str, kind: str, link: str) -> EmailMessage:
    """The e-mail of one notice: the subject from its first line, the text, and the link to the page."""
    lines = [line for line in text.splitlines() if line.strip() not in CHAT_ONLY]
    first = lines[0] if lines else ""
    subject = first.split("：", 1)[0] if first.startswith("【") else f"【{SUBJECTS.get(kind, '年报助手')}】{first}"
    footer = "如不需要邮件通知，请在网页“个人信息”中清除邮箱地址。"
    message = EmailMessage()
    message["Subject"] = subject[:120]
    message["From"] = settings.from_address
    message["To"] = address
    message["Date"] = formatdate(localtime=False)
    message["Message-ID"] = make_msgid(domain=settings.from_address.rpartition("@")[2] or None)
    message["Auto-Submitted"] = "auto-generated"  # RFC 3834: no out-of-office replies to a notice
    plain = "\n".join(lines) + (f"\n\n打开年报助手：{link}\n" if link else "\n") + f"\n{footer}\n"
    message.set_content(plain, charset="utf-8")
    body = "".join(f"<p>{escape(line)}</p>" for line in lines)
    button = f'<p><a href="{escape(link, quote=True)}">打开年报助手</a></p>' if link else ""
    message.add_alternative(
        f'<!doctype html><html lang="zh-CN"><body style="font-family:sans-serif">{body}{button}'
        f'<p style="color:#666;font-size:12px">{escape(footer)}</p></body></html>',
        subtype="html", charset="utf-8",
    )
    return message


class Connection:
    """One SMTP session, opened on first use and reused while it works."""

    def __init__(self, settings: SmtpSettings):
        self.settings = settings
        self.smtp: smtplib.SMTP | None = None
        self.used = 0.0

    def close(self) -> None:
        if self.smtp is not None:
            try:
                self.smtp.quit()
            except (smtplib.SMTPException, OSError):
                self.smtp.close()
            self.smtp = None

    def _open(self) -> smtplib.SMTP:
        s = self.settings
        try:
            if s.security == "tls":
                smtp: smtplib.SMTP = smtplib.SMTP_SSL(s.host, s.port, timeout=s.timeout, context=ssl.create_default_context())
            else:
                smtp = smtplib.SMTP(s.host, s.port, timeout=s.timeout)
            smtp.ehlo()
            if s.security == "starttls":
                if not smtp.has_extn("starttls"):
                    smtp.close()
                    raise Unsent("the mail server offers no STARTTLS (NIANBAO_SMTP_SECURITY=starttls): nothing is sent in clear")
                smtp.starttls(context=ssl.create_default_context())
                smtp.ehlo()
            if s.user:
                smtp.login(s.user, s.password)
        except smtplib.SMTPResponseException as exc:
            raise Unsent(f"{exc.smtp_code} {exc.smtp_error!r}") from exc
        except (smtplib.SMTPException, OSError, ssl.SSLError) as exc:
            raise Unsent(repr(exc)) from exc
        return smtp

    def send(self, message: EmailMessage, address: str) -> None:
        """Raises Unsent (nothing reached the server), Refused (a reply code to this message), or
        TimeoutError/OSError after the body went out (it may have been delivered)."""
        if self.smtp is not None and time.monotonic() - self.used > IDLE:
            self.close()
        if self.smtp is None:
            self.smtp = self._open()
        smtp = self.smtp
        self.used = time.monotonic()
        try:
            code, reply = smtp.mail(self.settings.from_address)
            if code == 421:
                raise Unsent(f"421 {reply!r}")
            if code >= 400:
                raise Refused(code, repr(reply))
            code, reply = smtp.rcpt(address)
            if code == 421:
                raise Unsent(f"421 {reply!r}")
            if code >= 400:
                raise Refused(code, repr(reply))
            code, reply = smtp.docmd("data")
            if code == 421:
                raise Unsent(f"421 {reply!r}")
            if code != 354:
                raise Refused(code, repr(reply))
        except (Refused, Unsent):
            self._reset()
            raise
        except (smtplib.SMTPException, OSError) as exc:  # before the body: nothing of it went out
            self.close()
            raise Unsent(repr(exc)) from exc
        # the body: from here on a lost answer means the message may have been delivered
        try:
            code, reply = _data_body(smtp, message.as_bytes(policy=message.policy.clone(linesep="\r\n")))
        except (smtplib.SMTPException, OSError):
            self.close()
            raise
        if code >= 400:
            self._reset()
            if code == 421:
                raise Unsent(f"421 {reply!r}")
            raise Refused(code, repr(reply))

    def _reset(self) -> None:
        try:
            if self.smtp is not None:
                self.smtp.rset()
        except (smtplib.SMTPException, OSError):
            self.close()


def _data_body(smtp: smtplib.SMTP, payload: bytes) -> tuple[int, bytes]:
    """The body after a 354, dot-stuffed and ended with CRLF.CRLF (what smtplib's data() sends)."""
    quoted = smtplib.bCRLF.join(b"." + line if line.startswith(b".") else line for line in payload.split(smtplib.bCRLF))
    if not quoted.endswith(smtplib.bCRLF):
        quoted += smtplib.bCRLF
    smtp.send(quoted + b"." + smtplib.bCRLF)
    return smtp.getreply()


class EmailSender(ChannelSender):
    channel = "email"

    def __init__(self, settings: SmtpSettings, link: str = "", per_second: float = 100.0, concurrency: int = 8):
        super().__init__(RateLimiter(per_second, 0.0), concurrency)
        self.settings = settings
        self.link = link
        self.idle: list[Connection] = []
        self.temporary: dict[str, int] = {}  # address → temporary refusals in a row

    async def send(self, address: str, text: str, kind: str) -> tuple[str, float]:
        try:
            message = compose(self.settings, address, text, kind, self.link)
        except (ValueError, TypeError) as exc:  # an address no header can hold
            log.warning("e-mail notice to %r not sent: not an address (%s)", address, exc)
            return "failed", 0.0
        connection = self.idle.pop() if self.idle else Connection(self.settings)
        try:
            await asyncio.to_thread(connection.send, message, address)
        except Unsent as exc:
            await asyncio.to_thread(connection.close)
            return self.unreachable(exc)
        except Refused as exc:
            self.idle.append(connection)
            if 400 <= exc.code < 500:
                return self._temporary(address, exc)
            log.warning("mail server refused the notice to %s for good: %s", address, exc)
            return "failed", 0.0
        except (TimeoutError, smtplib.SMTPException, OSError) as exc:
            log.warning("no answer from the mail server after the notice to %s (%r): not sent again", address, exc)
            return "unknown", 0.0
        self.idle.append(connection)
        self.reached()
        self.temporary.pop(address, None)
        return "sent", 0.0

    def _temporary(self, address: str, exc: Refused) -> tuple[str, float]:
        count = self.temporary.get(address, 0) + 1
        self.temporary[address] = count
        if count >= MAX_TEMPORARY:
            self.temporary.pop(address, None)
            log.warning("mail server refused the notice to %s %d times (%s): given up", address, count, exc)
            return "failed", 0.0
        delay = min(3600.0, 60.0 * 2 ** (count - 1))
        log.info("mail server deferred the notice to %s (%s): again in %.0f s", address, exc, delay)
        return "retry", delay

    def close(self) -> None:
        for connection in self.idle:
            connection.close()
        self.idle.clear()
