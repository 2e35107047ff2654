"""API errors: every refusal is `{"error": {"code", "message", "field"}}` with its status."""

from __future__ import annotations

from typing import Any

from flask import Response, jsonify
from werkzeug.exceptions import HTTPException

from storefront.errors import DomainError


class ApiError(Exception):
    """A refusal with its HTTP status, a stable machine code and, where one is to blame, the
    request field (dotted path) it concerns."""

    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        field: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.field = field
        self.headers = headers or {}


def not_found(what: str = "object") -> ApiError:
    """Another tenant's object looks exactly like one that does not exist."""
    return ApiError(404, "not_found", f"No such {what}.")


def conflict(message: str, field: str | None = None) -> ApiError:
    return ApiError(409, "conflict", message, field)


def invalid(field: str, message: str) -> ApiError:
    return ApiError(422, "invalid", message, field)


_HTTP_CODES = {
    400: "malformed_request",
    401: "unauthenticated",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "body_too_large",
    415: "unsupported_media_type",
    422: "invalid",
    429: "rate_limited",
    500: "internal_error",
    503: "unavailable",
}


def error_body(code: str, message: str, field: str | None = None) -> dict[str, Any]:
    return {"error": {"code": code, "message": message, "field": field}}


def api_error_response(error: ApiError) -> Response:
    response = jsonify(error_body(error.code, error.message, error.field))
    response.status_code = error.status
    response.headers.update(error.headers)
    return response


def http_error_response(error: HTTPException) -> Response:
    """Werkzeug's HTTP errors (404 for unknown paths, 405, 413, 429 from Flask-Limiter) as
    API errors, keeping their headers (Retry-After, Allow)."""
    status = error.code or 500
    message = error.description if status < 500 else "The server could not handle this request."
    if status == 429:
        message = "Too many requests for this token; retry after the Retry-After seconds."
    response = jsonify(error_body(_HTTP_CODES.get(status, "http_error"), str(message)))
    response.status_code = status
    for name, value in error.get_headers():
        if name.lower() != "content-type":
            response.headers[name] = value
    return response


def domain_error_response(error: DomainError) -> Response:
    """A business rule's refusal that no view translated more precisely."""
    response = jsonify(error_body("refused", str(error)))
    response.status_code = 422
    return response
