"""Fixtures of the outgoing-webhook tests: the console people and two reseller tenants."""

from __future__ import annotations

import pytest

from storefront.extensions import db
from tests.operator.people import People, make_people
from tests.reseller.dashboard import Tenant, make_tenant


@pytest.fixture
def people(app_context: None) -> People:
    return make_people()


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
