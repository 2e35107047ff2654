"""The vendor portal at /vendor/ for ISV members."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Registers the blueprint once it exists."""
