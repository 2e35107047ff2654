"""Outgoing webhooks: resellers and ISVs register URLs and pick events; we sign, send and
retry every delivery and keep its log. Other packages call `emit(...)` inside their own
transaction; nothing is sent before it commits."""

from __future__ import annotations

from flask import Flask

from storefront.outbound.emitting import emit
from storefront.outbound.signing import verify_signature

__all__ = ["emit", "init_app", "verify_signature"]


def init_app(app: Flask) -> None:
    from storefront.outbound.cli import deliver_command
    from storefront.outbound.emitting import install

    install()
    app.cli.add_command(deliver_command)
