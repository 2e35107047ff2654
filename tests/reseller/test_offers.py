"""Opting in and out, picking offers and pricing them at or above the floor."""

from __future__ import annotations

from flask.testing import FlaskClient
from sqlalchemy import select

from storefront.audit.models import AuditEntry
from storefront.catalog.models import BillingTerm, Listing, OfferStatus
from storefront.extensions import db
from storefront.tenants.scope import all_tenants
from tests import factories
from tests.reseller.dashboard import Tenant, account, host, sign_in


def audit_actions() -> list[str]:
    with all_tenants():
        return list(db.session.scalars(select(AuditEntry.action).order_by(AuditEntry.id)))


def test_opting_out_closes_the_store_and_opting_in_restores_it(
    client: FlaskClient, tenant_a: Tenant, signed_in_a: str
) -> None:
    store = host(tenant_a.store)
    assert tenant_a.mail.name in client.get("/", headers=store).text
    client.post("/reseller/opt-out", data={"csrf_token": signed_in_a}, headers=store)
    closed = client.get("/", headers=store)
    assert closed.status_code == 404 and 'data-testid="store-closed"' in closed.text
    assert client.get("/reseller/", headers=store).status_code == 200  # dashboard still works
    client.post("/reseller/opt-in", data={"csrf_token": signed_in_a}, headers=store)
    assert tenant_a.mail.name in client.get("/", headers=store).text
    assert audit_actions() == ["storefront.opt_out", "storefront.opt_in"]


def test_opt_in_needs_the_csrf_token(
    client: FlaskClient, tenant_a: Tenant, signed_in_a: str
) -> None:
    response = client.post("/reseller/opt-out", headers=host(tenant_a.store))
    assert response.status_code == 400


def test_offers_show_wholesale_recommended_floor_and_commission(
    client: FlaskClient, tenant_a: Tenant, signed_in_a: str
) -> None:
    page = client.get("/reseller/offers", headers=host(tenant_a.store)).text
    # Mail: wholesale $4.00, recommended $10.00, floor $8.00; commission 30% of $6.00 margin.
    for shown in ("$4.00", "$10.00", "$8.00", "$1.80"):
        assert shown in page
    filtered = client.get("/reseller/offers?q=backup", headers=host(tenant_a.store)).text
    assert tenant_a.backup.name in filtered and tenant_a.mail.name not in filtered


def test_draft_offers_are_not_offered_to_resellers(
    client: FlaskClient, tenant_a: Tenant, signed_in_a: str
) -> None:
    draft = factories.offer(name="Secret draft", status=OfferStatus.DRAFT)
    db.session.commit()
    assert "Secret draft" not in client.get("/reseller/offers", headers=host(tenant_a.store)).text
    assert (
        client.get(f"/reseller/offers/{draft.id}", headers=host(tenant_a.store)).status_code == 404
    )
    picked = client.post(
        f"/reseller/offers/{draft.id}/pick",
        data={"csrf_token": signed_in_a},
        headers=host(tenant_a.store),
    )
    assert picked.status_code == 404


def test_new_offers_are_listed_until_marked_seen_and_nothing_is_listed_unpicked(
    client: FlaskClient, tenant_a: Tenant, signed_in_a: str
) -> None:
    store = host(tenant_a.store)
    page = client.get("/reseller/offers", headers=store).text
    assert 'id="new-offers"' in page and tenant_a.backup.name in page
    assert tenant_a.backup.name not in client.get("/", headers=store).text
    client.post("/reseller/offers/reviewed", data={"csrf_token": signed_in_a}, headers=store)
    assert 'id="new-offers"' not in client.get("/reseller/offers", headers=store).text


def test_pick_price_and_remove(client: FlaskClient, tenant_a: Tenant, signed_in_a: str) -> None:
    store = host(tenant_a.store)
    backup = tenant_a.backup
    client.post(
        f"/reseller/offers/{backup.id}/pick", data={"csrf_token": signed_in_a}, headers=store
    )
    assert backup.name in client.get("/", headers=store).text
    listing_id = _listing_id(tenant_a, backup.id)
    url = f"/reseller/listings/{listing_id}/plans/{backup.plans[0].id}/price"

    below = client.post(url, data={"csrf_token": signed_in_a, "price": "99.99"}, headers=store)
    assert below.status_code == 400
    assert "below the floor of $100.00" in below.text

    too_precise = client.post(
        url, data={"csrf_token": signed_in_a, "price": "100.001"}, headers=store
    )
    assert too_precise.status_code == 400 and "Enter a price in USD" in too_precise.text

    preview = client.post(
        url, data={"csrf_token": signed_in_a, "price": "150", "action": "preview"}, headers=store
    )
    assert "At $150.00 you earn $30.00 per sale." in preview.text  # 30% of $100 margin

    saved = client.post(url, data={"csrf_token": signed_in_a, "price": "100.00"}, headers=store)
    assert saved.status_code == 302
    assert "$100.00" in client.get(f"/offers/{backup.slug}", headers=store).text

    client.post(url, data={"csrf_token": signed_in_a, "price": ""}, headers=store)  # reset
    assert "$120.00" in client.get(f"/offers/{backup.slug}", headers=store).text

    client.post(
        f"/reseller/listings/{listing_id}/remove", data={"csrf_token": signed_in_a}, headers=store
    )
    assert backup.name not in client.get("/", headers=store).text
    assert audit_actions() == [
        "listing.pick",
        "listing.price",
        "listing.price",
        "listing.remove",
    ]


def _listing_id(tenant: Tenant, offer_id: int) -> int:
    with all_tenants():
        found = db.session.scalar(
            select(Listing.id).where(
                Listing.storefront_id == tenant.store.id, Listing.offer_id == offer_id
            )
        )
    assert found is not None
    return found


def test_yen_prices_take_no_decimals(client: FlaskClient, app_context: None) -> None:
    store = factories.storefront(slug="yen", currency="JPY", locale="ja", languages=["ja", "en"])
    offer = factories.offer(prices=[(BillingTerm.MONTHLY, "JPY", 333, 1000)])
    factories.listing(store, offer)
    admin = account(store)
    db.session.commit()
    token = sign_in(client, store, admin.email)
    url = (
        f"/reseller/listings/{_listing_id_for(store.id, offer.id)}/plans/{offer.plans[0].id}/price"
    )
    refused = client.post(url, data={"csrf_token": token, "price": "1000.5"}, headers=host(store))
    assert refused.status_code == 400
    below = client.post(url, data={"csrf_token": token, "price": "665"}, headers=host(store))
    assert below.status_code == 400 and "666" in below.text  # floor ￥666, in the store's locale
    assert (
        client.post(
            url, data={"csrf_token": token, "price": "666"}, headers=host(store)
        ).status_code
        == 302
    )


def _listing_id_for(store_id: int, offer_id: int) -> int:
    with all_tenants():
        found = db.session.scalar(
            select(Listing.id).where(
                Listing.storefront_id == store_id, Listing.offer_id == offer_id
            )
        )
    assert found is not None
    return found
