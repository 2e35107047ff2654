"""The OpenAPI document at /api/v1/openapi.json, and /api/docs: the same document rendered
as plain HTML on the server (no external script, so it passes the app's CSP)."""

from __future__ import annotations

import json
from typing import Any

from flask import Blueprint, render_template

from storefront.api.blueprint import PREFIX, registry
from storefront.api.registry import openapi_document

API_VERSION = "1.0.0"

bp = Blueprint("api_docs", __name__, template_folder="templates")


def document() -> dict[str, Any]:
    return openapi_document(registry, API_VERSION)


@registry.route(
    "GET",
    "/openapi.json",
    summary="This API's OpenAPI 3.1 description",
    tag="meta",
    principals=None,
    response={"type": "object"},
)
def openapi() -> dict[str, Any]:
    return document()


@bp.get("/api/docs")
def browse() -> str:
    spec = document()
    operations = [
        {"path": path, "method": method.upper(), **operation}
        for path, methods in spec["paths"].items()
        for method, operation in methods.items()
    ]
    return render_template(
        "api/docs.html",
        spec=spec,
        operations=operations,
        prefix=PREFIX,
        as_json=lambda value: json.dumps(value, indent=2, ensure_ascii=False),
    )
