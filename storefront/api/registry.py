"""The one registry of API routes: each declares its method, path, summary, who may call it,
its parameters and its request and response schemas. Routes are registered on the blueprint
from it, and the OpenAPI document is generated from it, so the two cannot drift apart."""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from flask import Blueprint, Response, g, jsonify, request
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from storefront.api import schemas
from storefront.api.errors import ApiError, conflict, not_found
from storefront.api.models import IdempotentResponse, PrincipalKind
from storefront.api.tokens import acting_user
from storefront.api.validation import Body
from storefront.audit.models import Surface
from storefront.audit.services import record
from storefront.extensions import db

Result = dict[str, Any] | tuple[dict[str, Any], int]
View = Callable[..., Result]

_CONVERTER = re.compile(r"<(?:(\w+):)?(\w+)>")
MAX_ID = 2**31 - 1  # ids are 32-bit integer columns: anything larger names nothing
_ID = {"type": "integer", "minimum": 1, "maximum": MAX_ID}


@dataclass(frozen=True)
class Param:
    name: str
    schema: dict[str, Any]
    description: str = ""
    required: bool = False
    location: str = "query"

    def openapi(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "in": self.location,
            "required": self.required or self.location == "path",
            "description": self.description,
            "schema": self.schema,
        }


@dataclass(frozen=True)
class Operation:
    method: str
    rule: str  # Flask rule under /api/v1, e.g. "/offers/<int:offer_id>"
    endpoint: str
    summary: str
    tag: str
    principals: tuple[PrincipalKind, ...] | None  # None: public, no token
    write: bool
    response: dict[str, Any]
    status: int = 200
    body: Body | None = None
    params: tuple[Param, ...] = ()
    creates: bool = False  # honours Idempotency-Key

    @property
    def openapi_path(self) -> str:
        return _CONVERTER.sub(lambda match: "{" + match.group(2) + "}", self.rule)

    def path_params(self) -> list[Param]:
        return [
            Param(name, _ID if converter == "int" else {"type": "string"}, location="path")
            for converter, name in _CONVERTER.findall(self.rule)
        ]


@dataclass
class Registry:
    blueprint: Blueprint
    prefix: str
    operations: list[Operation] = field(default_factory=list)

    def route(
        self,
        method: str,
        rule: str,
        *,
        summary: str,
        tag: str,
        principals: tuple[PrincipalKind, ...] | None,
        response: dict[str, Any],
        status: int = 200,
        body: Body | None = None,
        params: tuple[Param, ...] = (),
        creates: bool = False,
    ) -> Callable[[View], View]:
        def register(view: View) -> View:
            operation = Operation(
                method=method,
                rule=rule,
                endpoint=view.__name__,
                summary=summary,
                tag=tag,
                principals=principals,
                write=method != "GET",
                response=response,
                status=status,
                body=body,
                params=params,
                creates=creates,
            )
            self.operations.append(operation)

            def handle(**values: Any) -> Response:
                return _run(operation, view, values)

            handle.__name__ = view.__name__
            handle.__doc__ = view.__doc__
            self.blueprint.add_url_rule(rule, view.__name__, handle, methods=[method])
            return view

        return register

    def operation_for(self, endpoint: str | None) -> Operation | None:
        name = (endpoint or "").rpartition(".")[2]
        return next((op for op in self.operations if op.endpoint == name), None)


def _respond(body: dict[str, Any], status: int) -> Response:
    response = jsonify(body)
    response.status_code = status
    return response


def _request_json(operation: Operation) -> dict[str, Any]:
    """The body, checked against the operation's spec; `{}` when it takes none."""
    if request.mimetype and request.mimetype != "application/json":
        raise ApiError(415, "unsupported_media_type", "Send the body as application/json.")
    raw = request.get_data(cache=True)
    if operation.body is None:
        if raw.strip():
            raise ApiError(400, "malformed_request", "This operation takes no request body.")
        return {}
    if not raw.strip():
        data: Any = {}
    else:
        try:
            data = json.loads(raw)
        except (ValueError, UnicodeDecodeError):
            raise ApiError(400, "malformed_request", "The body is not valid JSON.") from None
    return operation.body.validate(data)


def _run(operation: Operation, view: View, values: dict[str, Any]) -> Response:
    if any(isinstance(value, int) and not 0 < value <= MAX_ID for value in values.values()):
        raise not_found()
    g.api_body = _request_json(operation)
    if not operation.write:
        result = view(**values)
        body, status = result if isinstance(result, tuple) else (result, operation.status)
        return _respond(body, status)
    key = request.headers.get("Idempotency-Key", "").strip() if operation.creates else ""
    if key:
        replay = _replay(key, values)
        if replay is not None:
            return replay
    result = view(**values)
    body, status = result if isinstance(result, tuple) else (result, operation.status)
    _audit(operation)
    if key:
        db.session.add(
            IdempotentResponse(
                token_id=g.api_token.id,
                key=key,
                request_hash=_fingerprint(values),
                status_code=status,
                body=body,
            )
        )
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        raise conflict("A request with this Idempotency-Key is already being handled.") from None
    return _respond(body, status)


def _audit(operation: Operation) -> None:
    """Every change made through the API is recorded as such, naming the token (the domain
    services record the change itself)."""
    token = g.api_token
    record(
        actor=acting_user(token),
        surface=Surface.API,
        action=f"api.{operation.endpoint}"[:80],
        target=g.get("api_target") or token,
        after={"token_id": token.id, "path": request.path, "body": g.api_body},
        storefront_id=token.principal_id if token.principal == PrincipalKind.STOREFRONT else None,
    )


def _fingerprint(values: dict[str, Any]) -> str:
    canonical = json.dumps(
        [request.method, request.path, values, g.api_body], sort_keys=True, default=str
    )
    return hashlib.sha256(canonical.encode()).hexdigest()


def _replay(key: str, values: dict[str, Any]) -> Response | None:
    if len(key) > 200:
        raise ApiError(422, "invalid", "Use at most 200 characters.", "Idempotency-Key")
    stored = db.session.scalar(
        select(IdempotentResponse).where(
            IdempotentResponse.token_id == g.api_token.id, IdempotentResponse.key == key
        )
    )
    if stored is None:
        return None
    if stored.request_hash != _fingerprint(values):
        raise conflict("This Idempotency-Key was used for a different request.", "Idempotency-Key")
    response = _respond(stored.body, stored.status_code)
    response.headers["Idempotent-Replayed"] = "true"
    return response


_STATUS_TEXT = {
    400: "Malformed JSON or request",
    401: "Missing, unknown or revoked token",
    403: "The token's scope or principal does not allow this",
    404: "No such object (objects of other tenants look the same)",
    409: "Conflicting state",
    413: "Request body too large",
    415: "Body is not application/json",
    422: "Validation failure; `field` names the culprit",
    429: "Rate limited; see Retry-After",
}


def openapi_document(registry: Registry, version: str) -> dict[str, Any]:
    """The OpenAPI 3.1 description of every registered operation."""
    paths: dict[str, dict[str, Any]] = {}
    for op in registry.operations:
        errors = [400, 404, 429]
        if op.principals is not None:
            errors += [401, 403]
        if op.body is not None:
            errors += [413, 415, 422]
        if op.write:
            errors += [409, 422]
        if op.params:
            errors += [422]
        responses: dict[str, Any] = {
            str(op.status): {
                "description": "OK",
                "content": {"application/json": {"schema": op.response}},
            }
        }
        if op.method == "GET":
            responses["304"] = {"description": "Not modified (If-None-Match)"}
        for status in sorted(set(errors)):
            responses[str(status)] = {
                "description": _STATUS_TEXT[status],
                "content": {"application/json": {"schema": schemas.ERROR}},
            }
        params = [p.openapi() for p in (*op.path_params(), *op.params)]
        if op.creates:
            params.append(
                Param(
                    "Idempotency-Key",
                    {"type": "string", "maxLength": 200},
                    "Same key and body: the stored response again; another body: 409.",
                    location="header",
                ).openapi()
            )
        operation: dict[str, Any] = {
            "operationId": op.endpoint,
            "summary": op.summary,
            "tags": [op.tag],
            "parameters": params,
            "responses": responses,
        }
        if op.principals is None:
            operation["security"] = []
        else:
            operation["description"] = (
                f"Token principals: {', '.join(p.value for p in op.principals)}; "
                f"scope: {'read_write' if op.write else 'read'}."
            )
        if op.body is not None:
            operation["requestBody"] = {
                "required": False,
                "content": {"application/json": {"schema": op.body.schema()}},
            }
        paths.setdefault(registry.prefix + op.openapi_path, {})[op.method.lower()] = operation
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Storefront API",
            "version": version,
            "description": "JSON API for integrators. Money is "
            '{"amount": <integer minor units>, "currency": "<ISO 4217>"}.',
        },
        "servers": [{"url": "/"}],
        "security": [{"bearer": []}],
        "components": {
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
        },
        "paths": paths,
    }
