"""The reseller dashboard at /reseller/ on the storefront's own host."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Registers the blueprint once it exists."""
