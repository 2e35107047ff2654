"""The /api/v1 blueprint and its route registry (shared by the resource modules)."""

from __future__ import annotations

from flask import Blueprint

from storefront.api.registry import Registry

PREFIX = "/api/v1"

bp = Blueprint("api", __name__, url_prefix=PREFIX)
registry = Registry(bp, PREFIX)
