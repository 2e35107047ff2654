"""An API client sending bearer tokens, tokens for each kind of principal, error checks."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from storefront.api.models import PrincipalKind, TokenScope
from storefront.api.tokens import issue_token
from storefront.audit.models import Surface
from storefront.extensions import db

MARKETPLACE = {"Host": "localhost"}


class Api:
    """Requests to /api/v1 with a bearer token (or none)."""

    def __init__(self, client: FlaskClient, token: str | None) -> None:
        self.client = client
        self.token = token

    def headers(self, extra: dict[str, str] | None = None) -> dict[str, str]:
        headers = dict(MARKETPLACE)
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        headers.update(extra or {})
        return headers

    def get(self, path: str, **kwargs: Any) -> TestResponse:
        headers = self.headers(kwargs.pop("headers", None))
        return self.client.get(f"/api/v1{path}", headers=headers, **kwargs)

    def send(self, method: str, path: str, body: Any = None, **kwargs: Any) -> TestResponse:
        headers = self.headers(kwargs.pop("headers", None))
        return self.client.open(
            f"/api/v1{path}", method=method, json=body, headers=headers, **kwargs
        )

    def post(self, path: str, body: Any = None, **kwargs: Any) -> TestResponse:
        return self.send("POST", path, body, **kwargs)


def make_token(
    kind: PrincipalKind, principal_id: int | None, scope: TokenScope = TokenScope.READ_WRITE
) -> str:
    _token, secret = issue_token(
        name=f"{kind.value} test",
        principal=kind,
        principal_id=principal_id,
        scope=scope,
        created_by=None,
        surface=Surface.SYSTEM,
    )
    db.session.commit()
    return secret


ApiFor = Callable[..., Api]


def error_of(response: TestResponse) -> dict[str, Any]:
    body = response.get_json()
    assert set(body) == {"error"}
    assert set(body["error"]) == {"code", "message", "field"}
    error: dict[str, Any] = body["error"]
    return error
