"""Fixtures of the reseller dashboard tests."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from flask import Flask
from flask.testing import FlaskClient

from storefront.extensions import db
from storefront.reseller import RESOLVER_KEY
from tests.reseller.dashboard import Tenant, make_tenant, sign_in


class InMemoryTxtResolver:
    """A stand-in DNS for the `TxtResolver` protocol: no DNS server is reachable from the
    test machines, so published TXT records are kept in a dict the test fills."""

    def __init__(self) -> None:
        self.records: dict[str, list[str]] = {}

    def txt_records(self, name: str) -> list[str]:
        return list(self.records.get(name, []))


@pytest.fixture
def tenant_a(app_context: None) -> Tenant:
    tenant = make_tenant("alpha")
    db.session.commit()
    return tenant


@pytest.fixture
def tenant_b(app_context: None) -> Tenant:
    tenant = make_tenant("beta")
    db.session.commit()
    return tenant


@pytest.fixture
def signed_in_a(client: FlaskClient, tenant_a: Tenant) -> str:
    """A's admin signed in on A's host; the CSRF token for posts."""
    return sign_in(client, tenant_a.store, tenant_a.admin.email)


@pytest.fixture
def dns(app: Flask) -> Iterator[InMemoryTxtResolver]:
    resolver = InMemoryTxtResolver()
    previous = app.extensions[RESOLVER_KEY]
    app.extensions[RESOLVER_KEY] = resolver
    yield resolver
    app.extensions[RESOLVER_KEY] = previous
