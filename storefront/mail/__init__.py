"""Outgoing e-mail: one `send_mail` for the whole app, delivered by the backend that
`MAIL_BACKEND` names ("outbox" files in the instance folder by default, or "smtp")."""

from __future__ import annotations

from email.message import EmailMessage
from email.utils import format_datetime, make_msgid

from flask import current_app

from storefront.mail.backends import MailBackend, MailError, OutboxBackend, SmtpBackend
from storefront.timeutil import utcnow

__all__ = ["MailBackend", "MailError", "build_message", "mail_backend", "send_mail"]


def build_message(
    to: str,
    subject: str,
    text: str,
    html: str | None,
    *,
    sender: str,
    reply_to: str | None = None,
) -> EmailMessage:
    """An RFC 5322 message: plain text, with an HTML alternative when one is given."""
    message = EmailMessage()
    message["From"] = sender
    message["To"] = to
    if reply_to:
        message["Reply-To"] = reply_to
    message["Subject"] = subject
    message["Date"] = format_datetime(utcnow())
    message["Message-ID"] = make_msgid(domain=current_app.config["MARKETPLACE_DOMAIN"])
    message.set_content(text)
    if html is not None:
        message.add_alternative(html, subtype="html")
    return message


def mail_backend() -> MailBackend:
    """The backend the app's configuration chooses."""
    config = current_app.config
    name = config["MAIL_BACKEND"]
    if name == "outbox":
        return OutboxBackend.from_config(config, current_app.instance_path)
    if name == "smtp":
        return SmtpBackend.from_config(config)
    raise MailError(f"MAIL_BACKEND must be 'outbox' or 'smtp', not {name!r}")


def send_mail(
    to: str,
    subject: str,
    text: str,
    html: str | None,
    *,
    sender: str,
    reply_to: str | None = None,
) -> None:
    """Send one message now; raises MailError when it cannot be handed over."""
    message = build_message(to, subject, text, html, sender=sender, reply_to=reply_to)
    mail_backend().send(message)
