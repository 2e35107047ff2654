"""The audit log: every administrative change, who made it, when, and what it was before and
after, written in the same transaction as the change and never altered."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    from storefront.audit.services import install_append_only_guard

    install_append_only_guard()
