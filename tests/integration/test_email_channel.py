"""The e-mail channel against a real SMTP server (aiosmtpd) on a loopback port.

Every assertion reads what the server actually received, or the channel's answer to
what the server actually said: replies are scripted per recipient by a handler written
here, TLS uses a self-signed certificate made for the test with `openssl`.
"""

from __future__ import annotations

import email
import socket
import ssl
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from email.message import EmailMessage
from email.policy import default as default_policy
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

from orderline.channels.channel import DeliveryResult, Outcome, OutgoingMessage
from orderline.channels.email import SmtpChannel, SmtpSettings, message_id_for

ACCEPTED = "250 2.0.0 Ok: queued"
DOMAIN = "mail.orderline.test"


@dataclass(frozen=True)
class Received:
    mail_from: str
    rcpt_tos: list[str]
    message: EmailMessage
    authenticated: bool
    encrypted: bool


@dataclass
class RecordingHandler:
    """Accepts everything and records it, unless a reply is scripted for a recipient."""

    rcpt_replies: dict[str, str] = field(default_factory=dict)
    data_replies: dict[str, str] = field(default_factory=dict)
    received: list[Received] = field(default_factory=list)

    async def handle_RCPT(self, server: Any, session: Any, envelope: Any, address: str, options: Any) -> str:
        if address in self.rcpt_replies:
            return self.rcpt_replies[address]
        envelope.rcpt_tos.append(address)
        return "250 2.1.5 Ok"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        reply = self.data_replies.get(envelope.rcpt_tos[0])
        if reply is not None:
            return reply
        # Local line ends, as a mail store would keep it: the wire's CRLF is SMTP's, not the text's.
        local = envelope.content.replace(b"\r\n", b"\n")
        parsed = email.message_from_bytes(local, policy=default_policy)
        assert isinstance(parsed, EmailMessage)
        self.received.append(
            Received(
                envelope.mail_from,
                list(envelope.rcpt_tos),
                parsed,
                bool(session.authenticated),
                session.ssl is not None,
            )
        )
        return ACCEPTED


class PasswordCheck:
    """An aiosmtpd authenticator that knows one login."""

    def __init__(self, login: str, password: str) -> None:
        self._expected = LoginPassword(login.encode(), password.encode())

    def __call__(self, server: Any, session: Any, envelope: Any, mechanism: str, data: Any) -> AuthResult:
        return AuthResult(success=data == self._expected, handled=False)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


@contextmanager
def smtp_server(handler: RecordingHandler, **smtp_options: Any) -> Iterator[int]:
    controller = Controller(handler, hostname="127.0.0.1", port=free_port(), **smtp_options)
    controller.start()
    try:
        yield controller.port
    finally:
        controller.stop()


@dataclass(frozen=True)
class Certificate:
    cert: Path
    key: Path

    def server_context(self) -> ssl.SSLContext:
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(self.cert, self.key)
        return context

    def client_context(self) -> ssl.SSLContext:
        return ssl.create_default_context(cafile=str(self.cert))


@pytest.fixture(scope="module")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> Certificate:
    """A self-signed certificate for 127.0.0.1 (the `cryptography` package is not installed)."""
    folder = tmp_path_factory.mktemp("tls")
    pair = Certificate(folder / "cert.pem", folder / "key.pem")
    subprocess.run(
        [
            *("openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1"),
            *("-nodes", "-days", "2", "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1"),
            *("-keyout", str(pair.key), "-out", str(pair.cert)),
        ],
        check=True,
        capture_output=True,
    )
    return pair


def tls_and_auth(certificate: Certificate) -> dict[str, Any]:
    """aiosmtpd options: STARTTLS before MAIL, AUTH (only over TLS) before MAIL, one login."""
    return {
        "tls_context": certificate.server_context(),
        "require_starttls": True,
        "auth_required": True,
        "auth_require_tls": True,
        "authenticator": PasswordCheck("shop", "s3cret"),
    }


def settings(port: int, **changes: Any) -> SmtpSettings:
    plain = SmtpSettings(
        host="127.0.0.1",
        port=port,
        sender="orders@shop.test",
        sender_name="Shop Orders",
        message_id_domain=DOMAIN,
        security="none",
        timeout_s=5.0,
    )
    return replace(plain, **changes)


def message(key: str = "s1/1001/shipped/1", **changes: Any) -> OutgoingMessage:
    plain = OutgoingMessage(
        idempotency_key=key,
        store_id="s1",
        order_id="1001",
        kind="shipped",
        recipient="buyer@example.test",
        subject="Your order 1001 has shipped",
        text="Hello,\nyour parcel is on its way.\n",
    )
    return replace(plain, **changes)


def test_a_plain_text_message_arrives_with_its_headers_and_body() -> None:
    # given
    handler = RecordingHandler()
    # when
    with smtp_server(handler) as port:
        result = SmtpChannel(settings(port)).send(message())
    # then
    expected_id = f"<s1/1001/shipped/1@{DOMAIN}>"
    assert result == DeliveryResult(Outcome.SENT, ACCEPTED, remote_id=expected_id)
    [received] = handler.received
    assert (received.mail_from, received.rcpt_tos) == ("orders@shop.test", ["buyer@example.test"])
    sent = received.message
    assert sent["Message-ID"] == expected_id
    assert sent["X-Orderline-Idempotency-Key"] == "s1/1001/shipped/1"
    assert (sent["From"], sent["To"]) == ("Shop Orders <orders@shop.test>", "buyer@example.test")
    assert sent["Subject"] == "Your order 1001 has shipped"
    assert parsedate_to_datetime(sent["Date"]).tzinfo is not None
    assert (sent.get_content_type(), sent.is_multipart()) == ("text/plain", False)
    assert sent.get_content() == "Hello,\nyour parcel is on its way.\n"


def test_html_and_non_ascii_text_arrive_as_utf8_alternatives() -> None:
    # given
    handler = RecordingHandler()
    outgoing = message(
        subject="Ihre Bestellung 1001 ist unterwegs, Größe XL 📦",
        text="Grüße aus Köln\n.line starting with a dot\n",
        html="<p>Grüße aus <b>Köln</b></p>\n",
    )
    # when
    with smtp_server(handler) as port:
        result = SmtpChannel(settings(port, sender_name="Läden GmbH")).send(outgoing)
    # then
    assert result.outcome == Outcome.SENT
    sent = handler.received[0].message
    assert sent.get_content_type() == "multipart/alternative"
    assert sent["Subject"] == "Ihre Bestellung 1001 ist unterwegs, Größe XL 📦"
    assert sent["From"] == "Läden GmbH <orders@shop.test>"
    [plain, html] = sent.iter_parts()
    assert isinstance(plain, EmailMessage) and isinstance(html, EmailMessage)
    assert (plain.get_content_type(), plain.get_content()) == (
        "text/plain",
        "Grüße aus Köln\n.line starting with a dot\n",
    )
    assert (html.get_content_type(), html.get_content()) == ("text/html", "<p>Grüße aus <b>Köln</b></p>\n")


def test_a_resend_carries_the_same_message_id_and_another_key_a_different_one() -> None:
    # given
    handler = RecordingHandler()
    key = "s1:1001 shipped #2 (é)"
    # when
    with smtp_server(handler) as port, SmtpChannel(settings(port)).session() as session:
        first = session.send(message(key))
        again = session.send(message(key))
        other = session.send(message("s1:1002 shipped #2 (é)"))
    # then
    ids = [received.message["Message-ID"] for received in handler.received]
    assert ids == [
        f"<s1%3A1001%20shipped%20#2%20%28%C3%A9%29@{DOMAIN}>",
        f"<s1%3A1001%20shipped%20#2%20%28%C3%A9%29@{DOMAIN}>",
        f"<s1%3A1002%20shipped%20#2%20%28%C3%A9%29@{DOMAIN}>",
    ]
    assert [first.remote_id, again.remote_id, other.remote_id] == ids
    assert handler.received[0].message["X-Orderline-Idempotency-Key"] == key


def test_message_ids_keep_keys_apart_that_differ_only_in_unsafe_characters() -> None:
    # given keys a replacement character would have merged
    keys = ["a.b", "a%2Eb", "a b", "a_b", ".a", "a..b"]
    # when
    ids = [message_id_for(key, DOMAIN) for key in keys]
    # then
    assert ids == [
        f"<a%2Eb@{DOMAIN}>",
        f"<a%252Eb@{DOMAIN}>",
        f"<a%20b@{DOMAIN}>",
        f"<a_b@{DOMAIN}>",
        f"<%2Ea@{DOMAIN}>",
        f"<a%2E%2Eb@{DOMAIN}>",
    ]


def test_starttls_and_auth_deliver_over_an_encrypted_authenticated_session(certificate: Certificate) -> None:
    # given a server that refuses MAIL before STARTTLS and AUTH before TLS
    handler = RecordingHandler()
    login = {"username": "shop", "password": "s3cret", "ssl_context": certificate.client_context()}
    # when
    with smtp_server(handler, **tls_and_auth(certificate)) as port:
        result = SmtpChannel(settings(port, security="starttls", **login)).send(message())
    # then
    assert result.outcome == Outcome.SENT
    [received] = handler.received
    assert (received.encrypted, received.authenticated) == (True, True)
    assert received.message["Subject"] == "Your order 1001 has shipped"


def test_implicit_tls_delivers(certificate: Certificate) -> None:
    # given
    handler = RecordingHandler()
    # when
    with smtp_server(handler, ssl_context=certificate.server_context()) as port:
        channel = SmtpChannel(settings(port, security="tls", ssl_context=certificate.client_context()))
        result = channel.send(message())
    # then
    assert result.outcome == Outcome.SENT
    assert [received.rcpt_tos for received in handler.received] == [["buyer@example.test"]]


def test_a_wrong_password_is_temporary_and_nothing_is_delivered(certificate: Certificate) -> None:
    # given
    handler = RecordingHandler()
    wrong = {"username": "shop", "password": "guess", "ssl_context": certificate.client_context()}
    # when
    with smtp_server(handler, **tls_and_auth(certificate)) as port:
        result = SmtpChannel(settings(port, security="starttls", **wrong)).send(message())
    # then
    assert result == DeliveryResult(
        Outcome.TEMPORARY, "AUTH failed: 535 5.7.8 Authentication credentials invalid"
    )
    assert handler.received == []


def test_an_untrusted_certificate_is_temporary_and_nothing_is_delivered(certificate: Certificate) -> None:
    # given a client that trusts only the system's authorities
    handler = RecordingHandler()
    # when
    with smtp_server(handler, tls_context=certificate.server_context(), require_starttls=True) as port:
        result = SmtpChannel(settings(port, security="starttls")).send(message())
    # then
    assert result.outcome == Outcome.TEMPORARY
    assert result.detail.startswith("STARTTLS failed: SSLCertVerificationError: ")
    assert handler.received == []


def test_a_server_without_starttls_is_temporary_when_starttls_is_required() -> None:
    # given a server that offers no STARTTLS at all
    handler = RecordingHandler()
    # when
    with smtp_server(handler) as port:
        result = SmtpChannel(settings(port, security="starttls")).send(message())
    # then no plaintext fallback
    assert result == DeliveryResult(
        Outcome.TEMPORARY, "STARTTLS required but not offered by the server; nothing sent"
    )
    assert handler.received == []


def test_an_unknown_mailbox_is_permanent() -> None:
    # given
    handler = RecordingHandler(rcpt_replies={"gone@example.test": "550 5.1.1 mailbox unavailable"})
    # when
    with smtp_server(handler) as port:
        result = SmtpChannel(settings(port)).send(message(recipient="gone@example.test"))
    # then
    assert result == DeliveryResult(Outcome.PERMANENT, "RCPT TO refused: 550 5.1.1 mailbox unavailable")
    assert handler.received == []


def test_a_try_later_reply_to_data_is_temporary() -> None:
    # given
    handler = RecordingHandler(data_replies={"busy@example.test": "451 4.3.0 try later"})
    # when
    with smtp_server(handler) as port:
        result = SmtpChannel(settings(port)).send(message(recipient="busy@example.test"))
    # then
    assert result == DeliveryResult(Outcome.TEMPORARY, "DATA refused: 451 4.3.0 try later")
    assert handler.received == []


def test_a_refused_message_does_not_break_the_next_one_in_a_session() -> None:
    # given
    handler = RecordingHandler(rcpt_replies={"gone@example.test": "550 5.1.1 mailbox unavailable"})
    # when
    with smtp_server(handler) as port, SmtpChannel(settings(port)).session() as session:
        refused = session.send(message("k1", recipient="gone@example.test"))
        accepted = session.send(message("k2"))
    # then
    assert (refused.outcome, accepted.outcome) == (Outcome.PERMANENT, Outcome.SENT)
    assert [received.message["Message-ID"] for received in handler.received] == [f"<k2@{DOMAIN}>"]


def test_a_closed_port_is_temporary() -> None:
    # given a port nothing listens on
    port = free_port()
    # when
    result = SmtpChannel(settings(port)).send(message())
    # then
    assert result.outcome == Outcome.TEMPORARY
    assert result.detail.startswith(f"connect to 127.0.0.1:{port} failed: ConnectionRefusedError: ")


def test_a_server_that_never_greets_times_out_as_temporary() -> None:
    # given a socket that accepts connections (in its backlog) but never greets
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen()
        port = silent.getsockname()[1]
        # when
        result = SmtpChannel(settings(port, timeout_s=0.2)).send(message())
    # then
    assert result == DeliveryResult(
        Outcome.TEMPORARY,
        f"connect to 127.0.0.1:{port} failed: "
        "SMTPServerDisconnected: Connection unexpectedly closed: timed out",
    )


def test_a_header_with_a_line_break_is_permanent_and_nothing_is_sent() -> None:
    # given a subject that would inject a header
    handler = RecordingHandler()
    # when
    with smtp_server(handler) as port:
        result = SmtpChannel(settings(port)).send(message(subject="Hi\r\nBcc: someone@example.test"))
    # then
    assert result.outcome == Outcome.PERMANENT
    assert result.detail.startswith("message cannot be composed: ")
    assert handler.received == []


def test_settings_with_an_unknown_security_mode_are_refused_when_loaded() -> None:
    # when / then
    with pytest.raises(ValueError, match="security must be none, starttls or tls, not 'ssl'"):
        settings(25, security="ssl")
