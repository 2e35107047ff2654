"""Tenant isolation: signed in as store B's admin on B's host, every reseller route tried with
store A's ids answers 404 and shows or changes nothing of A's."""

from __future__ import annotations

from datetime import timedelta

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from storefront.api.models import ApiToken, PrincipalKind, TokenScope
from storefront.audit.models import AuditEntry
from storefront.catalog.models import Listing, OfferStatus
from storefront.extensions import db
from storefront.outbound.models import StorefrontWebhookEndpoint
from storefront.outbound.services import Owner, send_test_event
from storefront.reseller.models import ResellerInvitation
from storefront.reseller.team import hash_token
from storefront.tenants.models import StorefrontDomain
from storefront.tenants.scope import all_tenants
from storefront.timeutil import utcnow
from tests import factories
from tests.reseller.dashboard import Tenant, host, paid_order, sign_in

A_TOKEN = "alpha-invitation-token"


def test_every_reseller_route_with_another_stores_ids_is_404(
    app: Flask, client: FlaskClient, tenant_a: Tenant, tenant_b: Tenant
) -> None:
    tenant_a.store.name = "Alpha Secret Store"
    order = paid_order(tenant_a.store, tenant_a.mail, 2)
    domain = StorefrontDomain(
        storefront_id=tenant_a.store.id, hostname="secret.alpha.example", verification_token="t"
    )
    invitation = ResellerInvitation(
        storefront_id=tenant_a.store.id,
        email="secret-invitee@alpha.test",
        token_hash=hash_token(A_TOKEN),
        expires_at=utcnow() + timedelta(hours=1),
    )
    draft = factories.offer(name="Draft offer", status=OfferStatus.DRAFT)
    api_token = ApiToken(
        name="Alpha secret integration",
        principal=PrincipalKind.STOREFRONT,
        principal_id=tenant_a.store.id,
        scope=TokenScope.READ_WRITE,
        token_hash="0" * 64,
    )
    db.session.add_all([domain, invitation, api_token])
    webhook = StorefrontWebhookEndpoint(
        storefront_id=tenant_a.store.id,
        url="https://secret-panel.alpha.example/hooks",
        secret="whsec_alpha_secret",
        events=["order.paid"],
    )
    db.session.add(webhook)
    db.session.flush()
    delivery = send_test_event(Owner.storefront(tenant_a.store.id), webhook)
    db.session.info.pop("outbound_deliveries", None)  # recorded, never sent
    db.session.commit()
    with all_tenants():
        listing = db.session.scalar(
            select(Listing).where(Listing.storefront_id == tenant_a.store.id)
        )
    assert listing is not None
    a_ids = {
        "domain_id": domain.id,
        "listing_id": listing.id,
        "plan_id": tenant_a.mail.plans[0].id,
        "order_id": order.id,
        "invitation_id": invitation.id,
        # Offers are the platform's catalogue, the same for every reseller: an offer no
        # reseller may see stands in for "someone else's".
        "offer_id": draft.id,
        "token": A_TOKEN,
        "token_id": api_token.id,
        "endpoint_id": webhook.id,
        "delivery_id": delivery.id,
    }
    secrets = [
        "Alpha Secret Store",
        order.number,
        domain.hostname,
        invitation.email,
        api_token.name,
        webhook.url,
        webhook.secret,
    ]

    token = sign_in(client, tenant_b.store, tenant_b.admin.email)
    rules = [rule for rule in app.url_map.iter_rules() if rule.endpoint.startswith("reseller.")]
    assert len(rules) > 20
    tried = 0
    for rule in rules:
        if rule.endpoint == "reseller.logout":
            continue  # would only end B's own session
        assert set(rule.arguments) <= set(a_ids), rule.rule
        path = rule.build({name: a_ids[name] for name in rule.arguments})[1]  # type: ignore[index]
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            data = {"csrf_token": token, "price": "1", "hostname": "x.example", "email": "x@y.test"}
            response = client.open(
                path,
                method=method,
                headers=host(tenant_b.store),
                data=data if method == "POST" else None,
            )
            tried += 1
            if rule.arguments:
                assert response.status_code == 404, (method, path, response.status_code)
            else:
                assert response.status_code in (200, 302, 400, 403, 405), (method, path)
            for secret in secrets:
                assert secret not in response.text, (method, path, secret)
    assert tried > 25

    db.session.expire_all()
    with all_tenants():
        assert db.session.get(Listing, listing.id) is not None
        assert db.session.get(StorefrontDomain, domain.id).verified_at is None  # type: ignore[union-attr]
        assert db.session.get(ResellerInvitation, invitation.id).revoked_at is None  # type: ignore[union-attr]
        assert db.session.get(ApiToken, api_token.id).revoked_at is None  # type: ignore[union-attr]
        assert not db.session.scalars(
            select(AuditEntry).where(AuditEntry.storefront_id == tenant_a.store.id)
        ).all()
