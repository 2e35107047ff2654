"""The double-entry ledger: every money movement, balanced per currency, append-only."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Guard ledger rows against changes in every session and add `flask ledger ...`."""
    from storefront.ledger.cli import ledger_group
    from storefront.ledger.services import install_append_only_guard

    install_append_only_guard()
    app.cli.add_command(ledger_group)
