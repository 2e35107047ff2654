"""A storefront token's own store: opt in/out, pick and unpick offers, set prices; another
storefront's listings do not exist for it. And the public catalog, without a token."""

from __future__ import annotations

from sqlalchemy import select

from storefront.api.models import PrincipalKind
from storefront.audit.models import AuditEntry, Surface
from storefront.catalog.models import BillingTerm, OfferStatus
from storefront.extensions import db
from storefront.tenants.scope import all_tenants
from tests import factories
from tests.api.client import ApiFor, error_of


def test_storefront_opts_in_picks_prices_and_unpicks(api_for: ApiFor) -> None:
    store = factories.storefront(is_opted_in=False)
    offer = factories.offer(prices=[(BillingTerm.MONTHLY, "USD", 400, 1000)])
    db.session.commit()
    api = api_for(PrincipalKind.STOREFRONT, store.id)

    opened = api.send("PATCH", "/storefront", {"is_opted_in": True})
    assert opened.status_code == 200 and opened.get_json()["is_opted_in"] is True

    picked = api.post("/storefront/listings", {"offer_id": offer.id})
    assert picked.status_code == 201
    listing_id = picked.get_json()["id"]
    assert api.post("/storefront/listings", {"offer_id": offer.id}).status_code == 200

    plan_id = offer.plans[0].id
    path = f"/storefront/listings/{listing_id}/prices/{plan_id}"
    below = api.send("PUT", path, {"price": {"amount": 799, "currency": "USD"}})
    assert below.status_code == 422
    assert error_of(below)["field"] == "price.amount"
    assert "$8.00" in error_of(below)["message"]
    wrong_currency = api.send("PUT", path, {"price": {"amount": 900, "currency": "EUR"}})
    assert error_of(wrong_currency)["field"] == "price.currency"
    priced = api.send("PUT", path, {"price": {"amount": 1200, "currency": "USD"}})
    assert priced.status_code == 200
    assert priced.get_json()["prices"] == [
        {"plan_id": plan_id, "price": {"amount": 1200, "currency": "USD"}}
    ]

    catalog = api_for().get(f"/storefronts/{store.slug}/catalog")
    assert catalog.status_code == 200
    [listed] = catalog.get_json()["offers"]
    assert listed["plans"][0]["price"] == {"amount": 1200, "currency": "USD"}

    assert api.send("DELETE", f"/storefront/listings/{listing_id}").get_json() == {"deleted": True}
    assert api.get("/storefront/listings").get_json() == {"items": []}


def test_unapproved_offers_cannot_be_picked(api_for: ApiFor) -> None:
    store = factories.storefront()
    draft = factories.offer(status=OfferStatus.DRAFT)
    db.session.commit()
    response = api_for(PrincipalKind.STOREFRONT, store.id).post(
        "/storefront/listings", {"offer_id": draft.id}
    )
    assert response.status_code == 404


def test_another_storefronts_listings_are_not_found(api_for: ApiFor) -> None:
    mine, theirs = factories.storefront(), factories.storefront()
    offer = factories.offer()
    their_listing = factories.listing(theirs, offer)
    db.session.commit()
    api = api_for(PrincipalKind.STOREFRONT, mine.id)
    plan_id = offer.plans[0].id
    for method, path, body in [
        ("DELETE", f"/storefront/listings/{their_listing.id}", None),
        (
            "PUT",
            f"/storefront/listings/{their_listing.id}/prices/{plan_id}",
            {"price": {"amount": 1200, "currency": "USD"}},
        ),
    ]:
        response = api.send(method, path, body)
        assert response.status_code == 404, (method, path)
    assert api.get("/storefront/listings").get_json() == {"items": []}


def test_public_catalog_follows_the_listing_rules(api_for: ApiFor) -> None:
    store = factories.storefront()
    closed = factories.storefront(is_opted_in=False)
    approved = factories.offer(name="Approved")
    submitted = factories.offer(name="Submitted", status=OfferStatus.SUBMITTED)
    unpicked = factories.offer(name="Not picked")
    for offer in (approved,):
        factories.listing(store, offer)
        factories.listing(closed, offer)
    db.session.add(submitted)
    db.session.commit()
    anonymous = api_for()
    names = [o["name"] for o in anonymous.get(f"/storefronts/{store.slug}/catalog").json["offers"]]
    assert names == ["Approved"] and unpicked.name not in names
    assert anonymous.get(f"/storefronts/{closed.slug}/catalog").json["offers"] == []
    missing = anonymous.get("/storefronts/no-such-store/catalog")
    assert missing.status_code == 404 and error_of(missing)["code"] == "not_found"


def test_changes_are_audited_as_api_changes_of_the_storefront(api_for: ApiFor) -> None:
    store = factories.storefront(is_opted_in=False)
    db.session.commit()
    api = api_for(PrincipalKind.STOREFRONT, store.id)
    assert api.send("PATCH", "/storefront", {"is_opted_in": True}).status_code == 200
    with all_tenants():
        entries = db.session.scalars(
            select(AuditEntry).where(AuditEntry.action == "api.update_storefront")
        ).all()
    [entry] = entries
    assert entry.surface == Surface.API and entry.storefront_id == store.id
    assert entry.after is not None and entry.after["body"] == {"is_opted_in": True}
    assert entry.actor_email.startswith("api-token-")


def test_a_plan_of_another_offer_cannot_be_priced_on_a_listing(api_for: ApiFor) -> None:
    store = factories.storefront()
    listed, other = factories.offer(), factories.offer()
    listing = factories.listing(store, listed)
    db.session.commit()
    response = api_for(PrincipalKind.STOREFRONT, store.id).send(
        "PUT",
        f"/storefront/listings/{listing.id}/prices/{other.plans[0].id}",
        {"price": {"amount": 1200, "currency": "USD"}},
    )
    assert response.status_code == 404
