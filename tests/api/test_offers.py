"""Offers and plans through the API: ISVs create, price and submit theirs, the platform
approves and rejects; other ISVs' offers do not exist for a token."""

from __future__ import annotations

from sqlalchemy import select

from storefront.api.models import PrincipalKind, TokenScope
from storefront.audit.models import AuditEntry, Surface
from storefront.catalog.models import OfferStatus
from storefront.extensions import db
from tests import factories
from tests.api.client import ApiFor, error_of

NEW_OFFER = {"name": "Mailbox Pro", "category": "email", "application_type": "connector"}


def test_isv_creates_prices_and_submits_an_offer_the_platform_approves(
    api_for: ApiFor,
) -> None:
    vendor = factories.isv()
    isv = api_for(PrincipalKind.ISV, vendor.id)
    created = isv.post("/offers", NEW_OFFER)
    assert created.status_code == 201
    offer = created.get_json()
    assert offer["status"] == "draft" and offer["isv_id"] == vendor.id

    with_plan = isv.post(f"/offers/{offer['id']}/plans", {"name": "Monthly", "term": "monthly"})
    assert with_plan.status_code == 201
    plan_id = with_plan.get_json()["plans"][0]["id"]
    priced = isv.send(
        "PUT",
        f"/offers/{offer['id']}/plans/{plan_id}/price",
        {
            "wholesale": {"amount": 400, "currency": "USD"},
            "recommended_retail": {"amount": 1000, "currency": "USD"},
        },
    )
    assert priced.status_code == 200
    assert priced.get_json()["plans"][0]["prices"] == [
        {
            "wholesale": {"amount": 400, "currency": "USD"},
            "recommended_retail": {"amount": 1000, "currency": "USD"},
        }
    ]
    assert isv.post(f"/offers/{offer['id']}/submit").get_json()["status"] == "submitted"

    platform = api_for(PrincipalKind.PLATFORM)
    approved = platform.post(f"/offers/{offer['id']}/approve")
    assert approved.status_code == 200
    assert approved.get_json()["status"] == "approved"
    again = platform.post(f"/offers/{offer['id']}/approve")
    assert again.status_code == 409 and error_of(again)["code"] == "conflict"

    actions = db.session.scalars(
        select(AuditEntry.action).where(AuditEntry.surface == Surface.API)
    ).all()
    assert {
        "api.create_offer",
        "api.add_plan",
        "api.price_plan",
        "api.submit_offer",
        "api.approve_offer",
    } <= set(actions)


def test_a_price_below_the_margin_floor_is_refused_naming_the_floor(api_for: ApiFor) -> None:
    vendor = factories.isv()
    draft = factories.offer(vendor=vendor, status=OfferStatus.DRAFT)
    db.session.commit()
    isv = api_for(PrincipalKind.ISV, vendor.id)
    response = isv.send(
        "PUT",
        f"/offers/{draft.id}/plans/{draft.plans[0].id}/price",
        {
            "wholesale": {"amount": 600, "currency": "USD"},
            "recommended_retail": {"amount": 1000, "currency": "USD"},
        },
    )
    assert response.status_code == 422
    error = error_of(response)
    assert error["field"] == "recommended_retail.amount"
    assert "$12.00" in error["message"]
    db.session.expire_all()
    assert draft.plans[0].prices[0].wholesale_minor == 400  # nothing half-applied


def test_platform_rejects_with_a_reason(api_for: ApiFor) -> None:
    submitted = factories.offer(status=OfferStatus.SUBMITTED)
    db.session.commit()
    platform = api_for(PrincipalKind.PLATFORM)
    missing = platform.post(f"/offers/{submitted.id}/reject", {})
    assert missing.status_code == 422 and error_of(missing)["field"] == "reason"
    blank = platform.post(f"/offers/{submitted.id}/reject", {"reason": "   "})
    assert blank.status_code == 422 and error_of(blank)["field"] == "reason"
    rejected = platform.post(f"/offers/{submitted.id}/reject", {"reason": "No support page."})
    assert rejected.status_code == 200
    assert rejected.get_json()["rejection_reason"] == "No support page."


def test_isv_lists_and_reads_only_its_own_offers(api_for: ApiFor) -> None:
    mine, theirs = factories.isv(), factories.isv()
    own = factories.offer(vendor=mine, status=OfferStatus.DRAFT)
    other = factories.offer(vendor=theirs, status=OfferStatus.DRAFT)
    db.session.commit()
    isv = api_for(PrincipalKind.ISV, mine.id)
    listed = isv.get("/offers").get_json()
    assert [item["id"] for item in listed["items"]] == [own.id]
    assert isv.get(f"/offers/{own.id}").status_code == 200
    for method, path, body in [
        ("GET", f"/offers/{other.id}", None),
        ("PATCH", f"/offers/{other.id}", {"name": "Mine now"}),
        ("POST", f"/offers/{other.id}/submit", None),
        ("POST", f"/offers/{other.id}/plans", {"name": "x", "term": "monthly"}),
    ]:
        response = isv.send(method, path, body)
        assert response.status_code == 404, (method, path)
        assert error_of(response)["code"] == "not_found"
    assert len(api_for(PrincipalKind.PLATFORM).get("/offers").get_json()["items"]) == 2


def test_update_changes_only_the_given_fields(api_for: ApiFor) -> None:
    vendor = factories.isv()
    draft = factories.offer(vendor=vendor, status=OfferStatus.DRAFT)
    db.session.commit()
    isv = api_for(PrincipalKind.ISV, vendor.id)
    response = isv.send("PATCH", f"/offers/{draft.id}", {"summary": "Faster mail"})
    assert response.status_code == 200
    body = response.get_json()
    assert body["summary"] == "Faster mail" and body["name"] == draft.name


def test_roles_and_scopes_are_enforced(api_for: ApiFor) -> None:
    vendor = factories.isv()
    draft = factories.offer(vendor=vendor, status=OfferStatus.SUBMITTED)
    store = factories.storefront()
    db.session.commit()
    read_only = api_for(PrincipalKind.ISV, vendor.id, TokenScope.READ)
    assert read_only.get("/offers").status_code == 200
    refused = read_only.post("/offers", NEW_OFFER)
    assert refused.status_code == 403 and error_of(refused)["code"] == "insufficient_scope"
    isv = api_for(PrincipalKind.ISV, vendor.id)
    assert isv.post(f"/offers/{draft.id}/approve").status_code == 403
    assert api_for(PrincipalKind.STOREFRONT, store.id).get("/offers").status_code == 403
