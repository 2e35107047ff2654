"""API fixtures: clients with a new token of any principal."""

from __future__ import annotations

import pytest
from flask import Flask

from storefront.api.models import PrincipalKind, TokenScope
from tests.api.client import Api, ApiFor, make_token


@pytest.fixture
def api_for(app: Flask, app_context: None) -> ApiFor:
    """`api_for(PrincipalKind.ISV, isv.id)`: an Api client with a new token of that principal."""

    def build(
        kind: PrincipalKind | None = None,
        principal_id: int | None = None,
        scope: TokenScope = TokenScope.READ_WRITE,
    ) -> Api:
        token = make_token(kind, principal_id, scope) if kind is not None else None
        return Api(app.test_client(), token)

    return build
