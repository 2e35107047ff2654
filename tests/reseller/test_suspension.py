"""A store the platform suspended keeps its dashboard readable but unchangeable."""

from __future__ import annotations

import pytest
from flask.testing import FlaskClient

from storefront.accounts.models import Role
from storefront.extensions import db
from storefront.operator.services import suspend_storefront
from tests import factories
from tests.reseller.dashboard import Tenant, host, sign_in

pytestmark = pytest.mark.usefixtures("app_context")


def test_suspended_store_dashboard_is_read_only(client: FlaskClient, tenant_a: Tenant) -> None:
    token = sign_in(client, tenant_a.store, tenant_a.admin.email)
    admin = factories.user(Role.PLATFORM_ADMIN)
    suspend_storefront(admin, tenant_a.store.id, "unpaid invoices")
    db.session.commit()
    was_open = tenant_a.store.is_opted_in

    assert client.get("/reseller/", headers=host(tenant_a.store)).status_code == 200
    refused = client.post(
        "/reseller/opt-out" if was_open else "/reseller/opt-in",
        data={"csrf_token": token},
        headers=host(tenant_a.store),
    )
    assert refused.status_code == 303
    db.session.refresh(tenant_a.store)
    assert tenant_a.store.is_opted_in == was_open
    page = client.get("/reseller/", headers=host(tenant_a.store)).text
    assert "suspended" in page
