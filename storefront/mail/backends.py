"""Mail backends behind one small interface: the outbox writes `.eml` files a developer (or a
test) can open, SMTP hands messages to a mail server."""

from __future__ import annotations

import os
import secrets
import smtplib
import ssl
from collections.abc import Mapping
from dataclasses import dataclass
from email import policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any, Protocol

from storefront.timeutil import utcnow

SMTP_TIMEOUT_SECONDS = 30


class MailError(Exception):
    """A message could not be handed over (bad configuration, server or disk)."""


class MailBackend(Protocol):
    def send(self, message: EmailMessage) -> None:
        """Deliver the message or raise MailError."""


@dataclass(frozen=True, slots=True)
class OutboxBackend:
    """Writes each message as an RFC 5322 file into a folder (`<instance>/outbox/`), named so
    that a plain sort lists them in the order they were sent."""

    folder: Path

    @classmethod
    def from_config(cls, _config: Mapping[str, Any], instance_path: str) -> OutboxBackend:
        return cls(Path(instance_path) / "outbox")

    def send(self, message: EmailMessage) -> None:
        name = f"{utcnow():%Y%m%dT%H%M%S%fZ}-{secrets.token_hex(6)}.eml"
        partial = self.folder / f".{name}.part"
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            partial.write_bytes(message.as_bytes(policy=policy.SMTP))
            # Rename last, so whoever reads the outbox never sees half a message.
            os.replace(partial, self.folder / name)
        except OSError as error:
            partial.unlink(missing_ok=True)
            raise MailError(f"cannot write to the outbox {self.folder}: {error}") from error


@dataclass(frozen=True, slots=True)
class SmtpBackend:
    """Hands each message to an SMTP server; with `use_tls` it requires STARTTLS and never
    falls back to sending in clear text."""

    server: str
    port: int
    username: str | None = None
    password: str | None = None
    use_tls: bool = False

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> SmtpBackend:
        # Environment variables arrive as strings: "587", "true".
        return cls(
            server=str(config["MAIL_SERVER"]),
            port=int(config["MAIL_PORT"]),
            username=config.get("MAIL_USERNAME") or None,
            password=config.get("MAIL_PASSWORD") or None,
            use_tls=_flag(config.get("MAIL_USE_TLS")),
        )

    def send(self, message: EmailMessage) -> None:
        try:
            with smtplib.SMTP(self.server, self.port, timeout=SMTP_TIMEOUT_SECONDS) as smtp:
                if self.use_tls:
                    smtp.starttls(context=ssl.create_default_context())
                if self.username:
                    smtp.login(self.username, self.password or "")
                smtp.send_message(message)
        except (smtplib.SMTPException, OSError) as error:
            raise MailError(
                f"SMTP {self.server}:{self.port} refused the message: {error}"
            ) from error


def _flag(value: object) -> bool:
    if isinstance(value, str):
        return value.strip().lower() in {"1", "true", "yes", "on"}
    return bool(value)
