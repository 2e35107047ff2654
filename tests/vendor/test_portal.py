"""The vendor portal and the approval queue: an ISV edits, prices (margin rule, floor named),
submits; the platform approves, rejects with a reason, retires; a live offer's new prices wait
for approval while storefronts keep selling the approved ones."""

from __future__ import annotations

from flask.testing import FlaskClient
from sqlalchemy import func, select

from storefront.audit.models import AuditEntry, Surface
from storefront.catalog.listings import listed_offers
from storefront.catalog.models import Offer, OfferStatus, Plan, PlanPrice, RevisionStatus
from storefront.catalog.services import pending_revision
from storefront.extensions import db
from tests import factories
from tests.operator.people import CONSOLE, People, post, sign_in


def offer_page(people: People) -> str:
    return f"/vendor/offers/{people.own_offer.id}"


def test_isv_creates_prices_and_submits_an_offer(client: FlaskClient, people: People) -> None:
    sign_in(client, "dev@nimbus.test", "vendor")
    response = post(
        client,
        "/vendor/offers/new",
        {
            "name": "Nimbus Drive",
            "summary": "Files",
            "category": "backup",
            "application_type": "connector",
        },
    )
    assert response.status_code == 302
    offer = db.session.scalars(select(Offer).where(Offer.name == "Nimbus Drive")).one()
    path = f"/vendor/offers/{offer.id}"
    assert post(client, path, {"action": "submit"}).status_code == 400  # no plans yet
    assert (
        post(
            client, path, {"action": "plan", "plan_name": "Monthly", "term": "monthly"}
        ).status_code
        == 302
    )
    plan = db.session.scalars(select(Plan).where(Plan.offer_id == offer.id)).one()
    price = {"action": "price", "plan_id": str(plan.id), "currency": "USD"}
    refused = post(client, path, {**price, "wholesale": "6.00", "retail": "10.00"})
    assert refused.status_code == 400
    assert "below the floor $12.00" in refused.text and 'id="retail-error"' in refused.text
    assert (
        db.session.scalar(select(func.count(PlanPrice.id)).where(PlanPrice.plan_id == plan.id)) == 0
    )
    assert post(client, path, {**price, "wholesale": "6.00", "retail": "12.00"}).status_code == 302
    assert post(client, path, {"action": "submit"}).status_code == 302
    db.session.expire_all()
    assert db.session.get(Offer, offer.id).status == OfferStatus.SUBMITTED  # type: ignore[union-attr]
    surfaces = set(db.session.scalars(select(AuditEntry.surface)))
    assert surfaces == {Surface.VENDOR}


def test_margin_check_as_you_type_names_the_floor(client: FlaskClient, people: People) -> None:
    sign_in(client, "dev@nimbus.test", "vendor")
    answer = post(
        client,
        "/vendor/margin-check",
        {"currency": "JPY", "wholesale": "500", "retail": "900"},
        page="/vendor/",
    ).get_json()
    assert answer["ok"] is False and "¥1,000" in answer["message"]
    answer = post(
        client,
        "/vendor/margin-check",
        {"currency": "JPY", "wholesale": "500", "retail": "1000"},
        page="/vendor/",
    ).get_json()
    assert answer["ok"] is True


def test_isv_cannot_see_or_edit_another_isvs_offer(client: FlaskClient, people: People) -> None:
    sign_in(client, "dev@nimbus.test", "vendor")
    path = f"/vendor/offers/{people.other_offer.id}"
    assert client.get(path, headers=CONSOLE).status_code == 404
    response = post(client, path, {"action": "details", "name": "Hijacked", "category": "email",
                                   "application_type": "connector"}, page="/vendor/")  # fmt: skip
    assert response.status_code == 404
    db.session.expire_all()
    assert db.session.get(Offer, people.other_offer.id).name == "Other Offer"  # type: ignore[union-attr]
    assert "Other Offer" not in client.get("/vendor/", headers=CONSOLE).text


def test_platform_approves_rejects_and_retires(client: FlaskClient, people: People) -> None:
    store = factories.storefront()
    db.session.commit()
    sign_in(client, "admin@platform.test")
    path = f"/operator/offers/{people.other_offer.id}"
    assert post(client, path, {"action": "reject", "reason": ""}).status_code == 400
    assert post(client, path, {"action": "reject", "reason": "Needs an audit"}).status_code == 302
    db.session.expire_all()
    rejected = db.session.get(Offer, people.other_offer.id)
    assert rejected is not None and rejected.status == OfferStatus.REJECTED
    assert rejected.rejection_reason == "Needs an audit"

    approved = factories.offer(status=OfferStatus.SUBMITTED)
    factories.listing(store, factories.offer())  # another offer stays listed
    db.session.commit()
    approve = f"/operator/offers/{approved.id}"
    assert post(client, approve, {"action": "approve"}).status_code == 302
    db.session.expire_all()
    factories.listing(store, db.session.get(Offer, approved.id))  # type: ignore[arg-type]
    db.session.commit()
    assert approved.name in {offer.name for offer in listed_offers(store)}
    assert post(client, approve, {"action": "retire"}).status_code == 302
    db.session.expire_all()
    assert approved.name not in {offer.name for offer in listed_offers(store)}
    assert len(listed_offers(store)) == 1


def test_offer_failing_the_margin_check_cannot_be_approved(
    client: FlaskClient, people: People
) -> None:
    unpriced = factories.offer(status=OfferStatus.SUBMITTED, prices=())
    db.session.commit()
    sign_in(client, "admin@platform.test")
    queue = client.get("/operator/offers", headers=CONSOLE).text
    assert "It has no plans." in queue
    response = post(client, f"/operator/offers/{unpriced.id}", {"action": "approve"})
    assert response.status_code == 400 and "Cannot approve" in response.text
    db.session.expire_all()
    assert db.session.get(Offer, unpriced.id).status == OfferStatus.SUBMITTED  # type: ignore[union-attr]


def test_new_prices_of_a_live_offer_wait_for_approval(client: FlaskClient, people: People) -> None:
    store = factories.storefront()
    live = factories.offer(vendor=people.isv, name="Live One")
    factories.listing(store, live)
    db.session.commit()
    plan_id = live.plans[0].id
    sign_in(client, "dev@nimbus.test", "vendor")
    path = f"/vendor/offers/{live.id}"
    data = {"action": "price", "plan_id": str(plan_id), "currency": "USD"}
    assert post(client, path, {**data, "wholesale": "5.00", "retail": "14.00"}).status_code == 302
    db.session.expire_all()
    [listed] = listed_offers(store)
    assert listed.plans[0].wholesale.amount == 400 and listed.plans[0].retail.amount == 1000
    revision = pending_revision(live.id)
    assert revision is not None
    client.post("/vendor/logout", headers=CONSOLE)
    sign_in(client, "admin@platform.test")
    response = post(
        client,
        f"/operator/revisions/{revision.id}",
        {"action": "approve"},
        page=f"/operator/offers/{live.id}",
    )
    assert response.status_code == 302
    db.session.expire_all()
    [listed] = listed_offers(store)
    assert listed.plans[0].wholesale.amount == 500 and listed.plans[0].retail.amount == 1400
    assert db.session.get(type(revision), revision.id).status == RevisionStatus.APPROVED  # type: ignore[union-attr]
