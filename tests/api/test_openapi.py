"""The OpenAPI document matches the routes exactly, and /api/docs renders it as plain HTML
that needs nothing from outside (the app's CSP allows no external script)."""

from __future__ import annotations

import re

from click.testing import Result
from flask import Flask
from sqlalchemy import select

from storefront.api.models import ApiToken, PrincipalKind, TokenScope
from storefront.extensions import db
from tests import factories
from tests.api.client import ApiFor

PREFIX = "/api/v1"


def _routes(app: Flask) -> set[tuple[str, str]]:
    routes = set()
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith(PREFIX + "/"):
            continue
        path = re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", rule.rule)
        for method in rule.methods or ():
            if method not in {"HEAD", "OPTIONS"}:
                routes.add((method.lower(), path))
    return routes


def test_every_route_is_documented_and_every_documented_operation_exists(
    app: Flask, api_for: ApiFor
) -> None:
    response = api_for().get("/openapi.json")
    assert response.status_code == 200
    document = response.get_json()
    assert document["openapi"].startswith("3.1")
    documented = {
        (method, path) for path, methods in document["paths"].items() for method in methods
    }
    assert documented == _routes(app)
    assert len(documented) >= 20
    for methods in document["paths"].values():
        for operation in methods.values():
            assert operation["summary"] and operation["responses"]
            assert any(status.startswith("2") for status in operation["responses"])
            for status, answer in operation["responses"].items():
                if status.startswith("4"):
                    schema = answer["content"]["application/json"]["schema"]
                    assert schema["required"] == ["error"]


def test_write_operations_declare_their_request_bodies(api_for: ApiFor) -> None:
    document = api_for().get("/openapi.json").get_json()
    create = document["paths"]["/api/v1/offers"]["post"]
    schema = create["requestBody"]["content"]["application/json"]["schema"]
    assert schema["additionalProperties"] is False
    assert set(schema["required"]) == {"name", "category", "application_type"}
    assert any(p["name"] == "Idempotency-Key" for p in create["parameters"])
    refund = document["paths"]["/api/v1/orders/{order_id}/refunds"]["post"]
    money = refund["requestBody"]["content"]["application/json"]["schema"]["properties"]
    assert money["amount"]["properties"]["amount"]["type"] == "integer"


def test_docs_page_renders_every_operation_without_external_resources(
    app: Flask, api_for: ApiFor
) -> None:
    page = app.test_client().get("/api/docs", headers={"Host": "localhost"})
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    document = api_for().get("/openapi.json").get_json()
    for path in document["paths"]:
        assert f"<code>{path}</code>" in html
    assert "<script" not in html
    assert not re.search(r"(src|href)=\"https?://", html)
    nonce = re.search(r"<style nonce=\"([^\"]+)\"", html)
    assert nonce is not None
    assert f"'nonce-{nonce.group(1)}'" in page.headers["Content-Security-Policy"]


def test_cli_creates_a_token_shown_once_and_revokes_it(app: Flask, app_context: None) -> None:
    store = factories.storefront(slug="acme")
    db.session.commit()
    runner = app.test_cli_runner()
    created: Result = runner.invoke(
        args=[
            "api-token",
            "create",
            "--principal",
            "storefront:acme",
            "--scope",
            "read",
            "--name",
            "Billing sync",
        ]
    )
    assert created.exit_code == 0, created.output
    secret = created.output.strip().splitlines()[-1]
    token = db.session.scalars(select(ApiToken)).one()
    assert (token.principal, token.principal_id, token.scope) == (
        PrincipalKind.STOREFRONT,
        store.id,
        TokenScope.READ,
    )
    headers = {"Host": "localhost", "Authorization": f"Bearer {secret}"}
    client = app.test_client()
    assert client.get("/api/v1/storefront", headers=headers).get_json()["slug"] == "acme"

    revoked = runner.invoke(args=["api-token", "revoke", str(token.id)])
    assert revoked.exit_code == 0, revoked.output
    assert client.get("/api/v1/storefront", headers=headers).status_code == 401

    unknown = runner.invoke(
        args=["api-token", "create", "--principal", "isv:nobody", "--scope", "read", "--name", "x"]
    )
    assert unknown.exit_code != 0 and "no isv" in unknown.output
