"""The JSON API for integrators at /api/v1: token-authenticated, tenant-scoped, described by an
OpenAPI document generated from the route registry (`/api/v1/openapi.json`, `/api/docs`)."""

from __future__ import annotations

import hashlib
from contextlib import ExitStack
from datetime import timedelta

from flask import Blueprint, Flask, Response, current_app, g, request
from flask_limiter.util import get_remote_address
from werkzeug.exceptions import HTTPException

from storefront.api.errors import (
    ApiError,
    api_error_response,
    domain_error_response,
    http_error_response,
)
from storefront.api.models import PrincipalKind, TokenScope
from storefront.errors import DomainError
from storefront.extensions import csrf, db, limiter
from storefront.tenants.scope import all_tenants, clear_request_tenant, set_request_tenant
from storefront.timeutil import utcnow

LAST_USED_RESOLUTION = timedelta(minutes=1)  # `last_used_at` is written at most this often


def bearer_token() -> str | None:
    scheme, _, value = request.headers.get("Authorization", "").partition(" ")
    return value.strip() or None if scheme.lower() == "bearer" else None


def rate_limit_key() -> str:
    """Per token (by its hash, so no database look-up), else per client address."""
    token = bearer_token()
    if token:
        return "api-token:" + hashlib.sha256(token.encode()).hexdigest()[:32]
    return "api-address:" + get_remote_address()


def _refuse_large_bodies() -> None:
    limit = int(current_app.config["API_MAX_BODY_BYTES"])
    request.max_content_length = limit
    too_large = ApiError(413, "body_too_large", f"Request bodies are limited to {limit} bytes.")
    if request.content_length is not None and request.content_length > limit:
        raise too_large
    # A body sent without Content-Length (chunked) may have been read already, under the app's
    # larger MAX_CONTENT_LENGTH, by an app-wide check: measure what actually arrived.
    if len(request.get_data(cache=True)) > limit:
        raise too_large


def _authenticate() -> None:
    from storefront.api.blueprint import registry
    from storefront.api.tokens import find_token

    _refuse_large_bodies()
    clear_request_tenant()
    operation = registry.operation_for(request.endpoint)
    if operation is None or operation.principals is None:
        return
    secret = bearer_token()
    token = find_token(secret) if secret else None
    if token is None:
        raise ApiError(
            401,
            "unauthenticated",
            "Send a valid API token as `Authorization: Bearer <token>`.",
            headers={"WWW-Authenticate": 'Bearer realm="api"'},
        )
    if token.principal not in operation.principals:
        raise ApiError(403, "forbidden", f"A {token.principal.value} token cannot do this.")
    if operation.write and token.scope != TokenScope.READ_WRITE:
        raise ApiError(403, "insufficient_scope", "This token's scope is read only.")
    now = utcnow()
    last_used = token.last_used_at
    if last_used is not None and last_used.tzinfo is None:
        last_used = last_used.replace(tzinfo=now.tzinfo)
    if last_used is None or now - last_used >= LAST_USED_RESOLUTION:
        token.last_used_at = now
        db.session.commit()  # its own short transaction, before the request's work
    g.api_token = token
    if token.principal == PrincipalKind.STOREFRONT:
        assert token.principal_id is not None
        set_request_tenant(token.principal_id)
    else:
        stack = ExitStack()
        stack.enter_context(all_tenants())
        g.api_scope = stack


def _end_scope(_error: BaseException | None) -> None:
    stack: ExitStack | None = g.pop("api_scope", None)
    if stack is not None:
        stack.close()


def _conditional(response: Response) -> Response:
    """Reads carry an ETag; `If-None-Match` with it answers 304."""
    if request.method == "GET" and response.status_code == 200:
        response.add_etag()
        response.make_conditional(request)
    response.headers.setdefault("Cache-Control", "private, no-cache")
    return response


def _routing_error() -> Response | None:
    """Unknown paths and methods under /api/v1 match no API route, so neither the API's hooks
    nor its error handlers see them: answer them here as API errors (404, 405 with Allow),
    before the app's HTML error pages would."""
    from storefront.api.blueprint import PREFIX

    error = request.routing_exception
    if (
        isinstance(error, HTTPException)
        and error.code in (404, 405)
        and (request.path == PREFIX or request.path.startswith(PREFIX + "/"))
    ):
        return http_error_response(error)
    return None


def _configure(bp: Blueprint) -> None:
    """Hooks, error handlers and the rate limit, set once on the module-level blueprint
    (tests build many apps from it)."""
    csrf.exempt(bp)
    limiter.limit(lambda: str(current_app.config["RATELIMIT_API"]), key_func=rate_limit_key)(bp)
    bp.before_request(_authenticate)
    bp.after_request(_conditional)
    bp.teardown_request(_end_scope)
    bp.register_error_handler(ApiError, api_error_response)
    bp.register_error_handler(DomainError, domain_error_response)
    bp.register_error_handler(HTTPException, http_error_response)
    # Handlers for a status code win over handlers for a class, so the app's own pages for
    # these codes (HTML 404, 413, 429) would answer API requests without these.
    for status in (400, 403, 404, 405, 413, 415, 429, 500):
        bp.register_error_handler(status, http_error_response)
    bp.api_configured = True  # type: ignore[attr-defined]


def init_app(app: Flask) -> None:
    from storefront.api import (  # noqa: F401
        catalog_views,
        cli,
        docs,
        ledger_views,
        order_views,
        store_views,
        subscription_views,
        webhook_views,
    )
    from storefront.api.blueprint import bp

    if not getattr(bp, "api_configured", False):
        _configure(bp)
    app.register_blueprint(bp)
    app.register_blueprint(docs.bp)
    app.before_request(_routing_error)
    cli.init_app(app)
