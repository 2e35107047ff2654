"""Mail backends: every backend delivers the same message (conformance), the outbox keeps
sortable .eml files, SMTP talks to a real server on loopback and never sends in clear text
when TLS is asked for."""

from __future__ import annotations

import email
from collections.abc import Callable, Iterator
from email import policy
from email.message import EmailMessage, MIMEPart
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP as SMTPServer
from aiosmtpd.smtp import AuthResult, Envelope, LoginPassword, Session
from flask import Flask

from storefront.mail import MailError, mail_backend, send_mail
from storefront.mail.backends import OutboxBackend, SmtpBackend
from tests.conftest import free_port

pytestmark = pytest.mark.usefixtures("app_context")

SENDER = "さくらクラウド <noreply@example.com>"


class Inbox:
    """An aiosmtpd handler keeping every message it accepts."""

    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []
        self.recipients: list[list[str]] = []

    async def handle_DATA(self, _server: SMTPServer, _session: Session, envelope: Envelope) -> str:
        assert isinstance(envelope.content, bytes)
        parsed = email.message_from_bytes(envelope.content, policy=policy.default)
        assert isinstance(parsed, EmailMessage)
        self.messages.append(parsed)
        self.recipients.append(list(envelope.rcpt_tos))
        return "250 Message accepted for delivery"


def _authenticate(
    _server: SMTPServer, _session: Session, _envelope: Envelope, mechanism: str, data: Any
) -> AuthResult:
    valid = (
        isinstance(data, LoginPassword)
        and data.login == b"mailer"
        and data.password == b"s3cret-pass"
    )
    return AuthResult(success=valid, handled=False)


@pytest.fixture
def smtp_server() -> Iterator[tuple[Inbox, int]]:
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    yield inbox, controller.port
    controller.stop()


@pytest.fixture
def smtp_server_with_auth() -> Iterator[tuple[Inbox, int]]:
    inbox = Inbox()
    controller = Controller(
        inbox,
        hostname="127.0.0.1",
        port=free_port(),
        authenticator=_authenticate,
        auth_required=True,
        auth_require_tls=False,
    )
    controller.start()
    yield inbox, controller.port
    controller.stop()


@pytest.fixture
def outbox(app: Flask) -> Path:
    folder = Path(app.instance_path) / "outbox"
    for leftover in folder.glob("*.eml"):
        leftover.unlink()
    return folder


def _text(part: MIMEPart | None) -> str:
    """A part's text with the line ends a reader sees (mail travels with CRLF)."""
    assert part is not None
    content: str = part.get_content()
    return content.replace("\r\n", "\n")


def _read_outbox(folder: Path) -> list[EmailMessage]:
    messages = []
    for path in sorted(folder.glob("*.eml")):
        parsed = email.message_from_bytes(path.read_bytes(), policy=policy.default)
        assert isinstance(parsed, EmailMessage)
        messages.append(parsed)
    return messages


@pytest.fixture(params=["outbox", "smtp"])
def delivered(
    request: pytest.FixtureRequest, app: Flask, monkeypatch: pytest.MonkeyPatch
) -> Callable[[], list[EmailMessage]]:
    """Configure one backend; return what has reached its destination so far."""
    if request.param == "outbox":
        folder: Path = request.getfixturevalue("outbox")
        monkeypatch.setitem(app.config, "MAIL_BACKEND", "outbox")
        return lambda: _read_outbox(folder)
    inbox, port = request.getfixturevalue("smtp_server")
    monkeypatch.setitem(app.config, "MAIL_BACKEND", "smtp")
    monkeypatch.setitem(app.config, "MAIL_SERVER", "127.0.0.1")
    monkeypatch.setitem(app.config, "MAIL_PORT", port)
    return lambda: inbox.messages


def test_every_backend_delivers_text_html_and_headers(
    delivered: Callable[[], list[EmailMessage]],
) -> None:
    send_mail(
        "buyer@example.com",
        "ご注文ありがとうございます: order T-1",
        "Plain text: ￥12,000\n",
        "<p>HTML: <strong>￥12,000</strong></p>",
        sender=SENDER,
        reply_to="support@sakura.example",
    )
    [message] = delivered()
    assert message["To"] == "buyer@example.com"
    assert message["From"].addresses[0].display_name == "さくらクラウド"
    assert message["From"].addresses[0].addr_spec == "noreply@example.com"
    assert message["Reply-To"] == "support@sakura.example"
    assert message["Subject"] == "ご注文ありがとうございます: order T-1"
    assert message["Date"] and message["Message-ID"]
    assert _text(message.get_body(("plain",))) == "Plain text: ￥12,000\n"
    assert "<strong>￥12,000</strong>" in _text(message.get_body(("html",)))


def test_every_backend_sends_text_only_mail(delivered: Callable[[], list[EmailMessage]]) -> None:
    send_mail("buyer@example.com", "Hello", "Only text.\n", None, sender="shop@example.com")
    [message] = delivered()
    assert not message.is_multipart()
    assert _text(message) == "Only text.\n"
    assert message["Reply-To"] is None


def test_outbox_files_sort_in_the_order_they_were_sent(outbox: Path) -> None:
    for number in range(5):
        send_mail("a@example.com", f"message {number}", "text", None, sender="s@example.com")
    names = sorted(path.name for path in outbox.iterdir())
    assert len(names) == len(set(names)) == 5
    assert all(name.endswith(".eml") for name in names)  # no partial files left behind
    assert [message["Subject"] for message in _read_outbox(outbox)] == [
        f"message {number}" for number in range(5)
    ]


def test_outbox_file_is_rfc_5322_with_crlf_line_ends(outbox: Path) -> None:
    send_mail("a@example.com", "Grüße", "Zeile eins\nZeile zwei\n", None, sender="s@example.com")
    [path] = outbox.glob("*.eml")
    raw = path.read_bytes()
    assert b"\r\nSubject: =?utf-8?" in raw  # non-ASCII headers are encoded (RFC 2047)
    assert b"\n" not in raw.replace(b"\r\n", b"")


# Plain-text AUTH is fine on loopback; aiosmtpd warns about it in general.
@pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS:UserWarning")
def test_smtp_logs_in_with_the_configured_account(
    app: Flask, monkeypatch: pytest.MonkeyPatch, smtp_server_with_auth: tuple[Inbox, int]
) -> None:
    inbox, port = smtp_server_with_auth
    for key, value in {
        "MAIL_BACKEND": "smtp",
        "MAIL_SERVER": "127.0.0.1",
        "MAIL_PORT": str(port),  # as it arrives from the environment
        "MAIL_USERNAME": "mailer",
        "MAIL_PASSWORD": "s3cret-pass",
    }.items():
        monkeypatch.setitem(app.config, key, value)
    send_mail("buyer@example.com", "Receipt", "text", None, sender="shop@example.com")
    assert [message["Subject"] for message in inbox.messages] == ["Receipt"]
    assert inbox.recipients == [["buyer@example.com"]]

    monkeypatch.setitem(app.config, "MAIL_PASSWORD", "wrong")
    with pytest.raises(MailError):
        send_mail("buyer@example.com", "Again", "text", None, sender="shop@example.com")
    assert len(inbox.messages) == 1


def test_smtp_with_tls_required_never_sends_in_clear_text(
    smtp_server: tuple[Inbox, int],
) -> None:
    inbox, port = smtp_server  # this server offers no STARTTLS
    backend = SmtpBackend(server="127.0.0.1", port=port, use_tls=True)
    message = EmailMessage()
    message["From"], message["To"], message["Subject"] = "s@example.com", "a@example.com", "x"
    message.set_content("secret receipt")
    with pytest.raises(MailError):
        backend.send(message)
    assert inbox.messages == []


def test_unreachable_smtp_server_is_a_mail_error(
    app: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(app.config, "MAIL_BACKEND", "smtp")
    monkeypatch.setitem(app.config, "MAIL_SERVER", "127.0.0.1")
    monkeypatch.setitem(app.config, "MAIL_PORT", free_port())  # nobody listens there
    with pytest.raises(MailError):
        send_mail("a@example.com", "x", "text", None, sender="s@example.com")


def test_backend_is_chosen_by_configuration(app: Flask, monkeypatch: pytest.MonkeyPatch) -> None:
    assert isinstance(mail_backend(), OutboxBackend)  # the default
    for key, value in {
        "MAIL_BACKEND": "smtp",
        "MAIL_SERVER": "mail.example.com",
        "MAIL_PORT": "587",
        "MAIL_USE_TLS": "true",
        "MAIL_USERNAME": "",
    }.items():
        monkeypatch.setitem(app.config, key, value)
    assert mail_backend() == SmtpBackend(server="mail.example.com", port=587, use_tls=True)
    monkeypatch.setitem(app.config, "MAIL_USE_TLS", "false")
    assert mail_backend() == SmtpBackend(server="mail.example.com", port=587, use_tls=False)
    monkeypatch.setitem(app.config, "MAIL_BACKEND", "pigeon")
    with pytest.raises(MailError, match="MAIL_BACKEND"):
        mail_backend()
