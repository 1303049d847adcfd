"""The e-mail channel: one `OutgoingMessage` as one MIME message over SMTP.

This module owns how a customer message becomes an RFC 5322 message (headers, a
text/plain part and an optional text/html alternative, UTF-8 throughout, then any
attachments), how it is handed to an SMTP server (plain, STARTTLS or implicit TLS, AUTH
when configured) and how the server's answer becomes a `DeliveryResult`. It never
retries and never raises for a delivery problem; the delivery worker owns retries.

The Message-ID is `<{key}@{message_id_domain}>`, where `key` is the message's
`idempotency_key` made safe for RFC 5322 `dot-atom-text`: every character outside
`atext` (letters, digits and ``!#$&'*+-/=?^_`{|}~``) is written as `%XX` per UTF-8 byte,
and so are `.` and `%` themselves. The mapping is deterministic and one-to-one, so every
resend of a message carries the same Message-ID and two keys never share one.

Classification (the SMTP step is named in `detail`):

- the DATA reply is 2xx -> SENT, `detail` is the reply ("250 ..."), `remote_id` the Message-ID;
- MAIL FROM, RCPT TO or DATA answered 5xx -> PERMANENT (e.g. 550 no such mailbox), 4xx -> TEMPORARY;
- connect, greeting, EHLO, STARTTLS or AUTH failing, a timeout, a dropped connection or
  any socket/TLS error -> TEMPORARY: these are about the server or our settings, not the
  message, so the worker's retry limit turns them into a failed delivery owned by support;
- a message that cannot be composed (a line break in a header, a non-ASCII address) -> PERMANENT.
"""

from __future__ import annotations

import smtplib
import ssl
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from email.headerregistry import Address
from email.message import EmailMessage
from email.policy import SMTP as SMTP_POLICY
from typing import Literal, Protocol

from orderline.channels.channel import DeliveryResult, Outcome, OutgoingMessage
from orderline.clock import system_clock

Security = Literal["none", "starttls", "tls"]

# 7-bit bodies (quoted-printable or base64) and RFC 2047 headers: any server takes them,
# with or without 8BITMIME/SMTPUTF8, and CRLF line ends are what DATA expects.
_POLICY = SMTP_POLICY.clone(cte_type="7bit")

_ATEXT_SPECIALS = frozenset("!#$&'*+-/=?^_`{|}~")


@dataclass(frozen=True, slots=True)
class SmtpSettings:
    host: str
    port: int
    sender: str
    """Envelope sender and From address."""
    message_id_domain: str
    sender_name: str | None = None
    security: Security = "starttls"
    username: str | None = None
    password: str | None = None
    timeout_s: float = 30.0
    ssl_context: ssl.SSLContext | None = None
    """Trust for the server's certificate; the system's default trust when None."""

    def __post_init__(self) -> None:
        # Settings fail loudly when loaded, not as a failed delivery of every message.
        if self.security not in ("none", "starttls", "tls"):
            raise ValueError(f"security must be none, starttls or tls, not {self.security!r}")
        if not self.sender.isascii() or not Address(addr_spec=self.sender).domain:
            raise ValueError(f"sender must be a plain ASCII address, not {self.sender!r}")
        if not self.message_id_domain or not self.message_id_domain.isascii():
            raise ValueError("message_id_domain must be a non-empty ASCII domain")


def message_id_for(idempotency_key: str, domain: str) -> str:
    """The Message-ID every send of the message with this key carries."""
    if not idempotency_key:
        raise ValueError("an empty idempotency_key cannot make a Message-ID")
    return f"<{_dot_atom_text(idempotency_key)}@{domain}>"


def _dot_atom_text(key: str) -> str:
    return "".join(
        char if char.isascii() and (char.isalnum() or char in _ATEXT_SPECIALS) else _percent(char)
        for char in key
    )


def _percent(char: str) -> str:
    return "".join(f"%{byte:02X}" for byte in char.encode("utf-8"))


class SenderIdentity(Protocol):
    """Who a message is from, and the domain of its Message-ID (SMTP and pickup settings)."""

    @property
    def sender(self) -> str: ...
    @property
    def sender_name(self) -> str | None: ...
    @property
    def message_id_domain(self) -> str: ...


def compose(message: OutgoingMessage, settings: SenderIdentity) -> EmailMessage:
    """The MIME message for `message`; ValueError when it cannot be written as one."""
    if not message.recipient.isascii():
        # A non-ASCII address needs SMTPUTF8 end to end, which we do not rely on.
        raise ValueError(f"non-ASCII address {message.recipient!r} is not supported")
    mime = EmailMessage(policy=_POLICY)
    mime["Message-ID"] = message_id_for(message.idempotency_key, settings.message_id_domain)
    mime["X-Orderline-Idempotency-Key"] = message.idempotency_key
    mime["Date"] = system_clock()
    mime["From"] = Address(settings.sender_name or "", addr_spec=settings.sender)
    mime["To"] = message.recipient
    mime["Subject"] = message.subject
    mime.set_content(message.text)
    if message.html is not None:
        mime.add_alternative(message.html, subtype="html")
    for attachment in message.attachments:
        maintype, _, subtype = attachment.content_type.partition("/")
        params = {"charset": "utf-8"} if maintype == "text" else {}
        filename = attachment.filename
        mime.add_attachment(attachment.content, maintype, subtype, filename=filename, params=params)
    return mime


class SmtpSession:
    """One SMTP connection reused for several messages.

    It connects on the first send and again after the connection is lost, so a failed
    send never breaks the ones after it. It is a `Channel` itself.
    """

    name = "email"

    def __init__(self, settings: SmtpSettings) -> None:
        self._settings = settings
        self._smtp: smtplib.SMTP | None = None

    def send(self, message: OutgoingMessage) -> DeliveryResult:
        try:
            mime = compose(message, self._settings)
        except ValueError as error:
            return DeliveryResult(Outcome.PERMANENT, f"message cannot be composed: {error}")
        if self._smtp is None:
            opened = self._open()
            if isinstance(opened, DeliveryResult):
                return opened
            self._smtp = opened
        return self._transact(self._smtp, message.recipient, mime)

    def close(self) -> None:
        smtp, self._smtp = self._smtp, None
        if smtp is None:
            return
        try:
            smtp.quit()
        except (smtplib.SMTPException, OSError):
            smtp.close()

    def _open(self) -> smtplib.SMTP | DeliveryResult:
        settings = self._settings
        step = f"connect to {settings.host}:{settings.port}"
        smtp: smtplib.SMTP | None = None
        try:
            smtp = self._connect()
            step = "EHLO"
            smtp.ehlo_or_helo_if_needed()
            if settings.security == "starttls":
                step = "STARTTLS"
                if not smtp.has_extn("starttls"):
                    smtp.close()
                    # Never fall back to plaintext: the settings asked for encryption.
                    return DeliveryResult(
                        Outcome.TEMPORARY, "STARTTLS required but not offered by the server; nothing sent"
                    )
                smtp.starttls(context=self._ssl_context())
                smtp.ehlo()
            if settings.username is not None:
                step = "AUTH"
                # A refused login (535) is not the message's fault and retrying will not fix
                # it; TEMPORARY lets the worker's retry limit surface it as a failed delivery
                # owned by support, instead of marking the customer's message undeliverable.
                smtp.login(settings.username, settings.password or "")
        except (smtplib.SMTPException, OSError) as error:
            if smtp is not None:
                smtp.close()
            return DeliveryResult(Outcome.TEMPORARY, f"{step} failed: {_describe(error)}")
        return smtp

    def _connect(self) -> smtplib.SMTP:
        settings = self._settings
        if settings.security == "tls":
            return smtplib.SMTP_SSL(
                settings.host, settings.port, timeout=settings.timeout_s, context=self._ssl_context()
            )
        return smtplib.SMTP(settings.host, settings.port, timeout=settings.timeout_s)

    def _ssl_context(self) -> ssl.SSLContext:
        return self._settings.ssl_context or ssl.create_default_context()

    def _transact(self, smtp: smtplib.SMTP, recipient: str, mime: EmailMessage) -> DeliveryResult:
        message_id = str(mime["Message-ID"])
        step = "MAIL FROM"
        reply: bytes | str
        try:
            code, reply = smtp.mail(self._settings.sender)
            if code == 250:
                step = "RCPT TO"
                code, reply = smtp.rcpt(recipient)
            if code in (250, 251):
                step = "DATA"
                code, reply = smtp.data(mime.as_bytes())
        except smtplib.SMTPResponseException as error:
            # DATA not answered with 354: a refusal like any other reply.
            code, reply = error.smtp_code, error.smtp_error
        except (smtplib.SMTPException, OSError) as error:
            self._drop()
            return DeliveryResult(Outcome.TEMPORARY, f"{step} failed: {_describe(error)}")
        if step == "DATA" and 200 <= code < 300:
            return DeliveryResult(Outcome.SENT, _reply_text(code, reply), remote_id=message_id)
        self._reset()
        return DeliveryResult(_outcome_for_reply(code), f"{step} refused: {_reply_text(code, reply)}")

    def _reset(self) -> None:
        """Abort the refused transaction so the connection can carry the next message."""
        if self._smtp is None:
            return
        try:
            self._smtp.rset()
        except (smtplib.SMTPException, OSError):
            self._drop()

    def _drop(self) -> None:
        smtp, self._smtp = self._smtp, None
        if smtp is not None:
            smtp.close()


class SmtpChannel:
    """Sends each message over a connection of its own; `session()` shares one for a batch."""

    name = "email"

    def __init__(self, settings: SmtpSettings) -> None:
        self.settings = settings

    def send(self, message: OutgoingMessage) -> DeliveryResult:
        with self.session() as session:
            return session.send(message)

    @contextmanager
    def session(self) -> Iterator[SmtpSession]:
        session = SmtpSession(self.settings)
        try:
            yield session
        finally:
            session.close()


def _outcome_for_reply(code: int) -> Outcome:
    if 500 <= code < 600:
        return Outcome.PERMANENT
    # 4xx asks us to come back later; anything else is a server we do not understand.
    return Outcome.TEMPORARY


def _reply_text(code: int, reply: bytes | str) -> str:
    text = reply.decode("utf-8", "replace") if isinstance(reply, bytes) else reply
    return f"{code} {' '.join(text.split())}"


def _describe(error: BaseException) -> str:
    if isinstance(error, smtplib.SMTPResponseException):
        return _reply_text(error.smtp_code, error.smtp_error)
    return f"{type(error).__name__}: {error}"
