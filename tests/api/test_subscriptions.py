"""Subscriptions through the API: each principal reads those its own UI would show (ISVs
without the buyer), storefronts and the platform cancel at period end; another tenant's
subscription is not found."""

from __future__ import annotations

from sqlalchemy import select

from storefront.api.models import PrincipalKind, TokenScope
from storefront.audit.models import AuditEntry, Surface
from storefront.extensions import db
from storefront.orders.models import Order
from storefront.payments import gateway
from storefront.payments.services import execute, prepare
from storefront.subscriptions.metrics import subscription_metrics
from storefront.subscriptions.models import Subscription, SubscriptionStatus
from storefront.tenants.scope import all_tenants
from tests import factories
from tests.api.client import ApiFor, error_of
from tests.shopping import CARD_OK, Shop, card, order_for


def _paid(shop: Shop, localstripe_url: str) -> Order:
    """A paid order of a monthly and a yearly plan: two subscriptions."""
    order = order_for(shop)
    payment = prepare(order, payment_method=card(localstripe_url, CARD_OK), attempt="a-1")
    execute(payment, gateway.provider())
    db.session.commit()
    return order


def _subscriptions() -> dict[str, Subscription]:
    with all_tenants():
        rows = db.session.scalars(select(Subscription)).all()
    return {row.offer_name: row for row in rows}


def test_the_storefront_reads_its_subscriptions_with_the_buyer(
    shop: Shop, api_for: ApiFor, localstripe_url: str
) -> None:
    order = _paid(shop, localstripe_url)
    mail = _subscriptions()["Mail"]
    api = api_for(PrincipalKind.STOREFRONT, shop.storefront.id)
    listed = api.get("/subscriptions").get_json()
    assert {item["offer_name"] for item in listed["items"]} == {"Mail", "Backup"}
    assert listed["next_cursor"] is None
    body = api.get(f"/subscriptions/{mail.id}").get_json()
    assert body["order_id"] == order.id and body["storefront"] == shop.storefront.slug
    assert (body["term"], body["status"], body["cancel_at_period_end"]) == (
        "monthly",
        "active",
        False,
    )
    assert body["renewal_amount"] == {
        "amount": mail.unit_retail_minor * mail.quantity,
        "currency": "JPY",
    }
    assert body["buyer"]["email"] == shop.buyer.email
    monthly = api.get(f"/subscriptions?offer_id={shop.mail.id}").get_json()["items"]
    assert [item["id"] for item in monthly] == [mail.id]
    assert api.get("/subscriptions?status=cancelled").get_json()["items"] == []
    bad = api.get("/subscriptions?status=paused")
    assert bad.status_code == 422 and error_of(bad)["field"] == "status"
    first = api.get("/subscriptions?limit=1").get_json()
    second = api.get(f"/subscriptions?limit=1&cursor={first['next_cursor']}").get_json()
    assert {first["items"][0]["id"], second["items"][0]["id"]} == {
        sub.id for sub in _subscriptions().values()
    }


def test_operators_isvs_and_the_platform_see_what_their_ui_shows(
    shop: Shop, api_for: ApiFor, localstripe_url: str
) -> None:
    _paid(shop, localstripe_url)
    subscriptions = _subscriptions()
    operator = api_for(PrincipalKind.OPERATOR, shop.storefront.operator_id)
    assert len(operator.get("/subscriptions").get_json()["items"]) == 2
    isv = api_for(PrincipalKind.ISV, shop.mail.isv_id)
    items = isv.get("/subscriptions").get_json()["items"]
    assert [item["offer_name"] for item in items] == ["Mail"]
    assert items[0]["buyer"] is None  # the vendor portal never shows buyers
    backup = subscriptions["Backup"]
    assert isv.get(f"/subscriptions/{backup.id}").status_code == 404  # another ISV's offer
    platform = api_for(PrincipalKind.PLATFORM)
    assert len(platform.get("/subscriptions").get_json()["items"]) == 2


def test_other_tenants_subscriptions_are_not_found(
    shop: Shop, api_for: ApiFor, localstripe_url: str
) -> None:
    _paid(shop, localstripe_url)
    mail = _subscriptions()["Mail"]
    with all_tenants():
        other_store = factories.storefront()
        other_operator = factories.operator()
        other_isv = factories.isv()
        db.session.commit()
    for api in (
        api_for(PrincipalKind.STOREFRONT, other_store.id),
        api_for(PrincipalKind.OPERATOR, other_operator.id),
        api_for(PrincipalKind.ISV, other_isv.id),
    ):
        assert api.get("/subscriptions").get_json()["items"] == []
        response = api.get(f"/subscriptions/{mail.id}")
        assert response.status_code == 404 and error_of(response)["code"] == "not_found"
    refused = api_for(PrincipalKind.STOREFRONT, other_store.id).post(
        f"/subscriptions/{mail.id}/cancel"
    )
    assert refused.status_code == 404
    db.session.expire_all()
    assert _subscriptions()["Mail"].cancel_at_period_end is False


def test_the_storefront_cancels_at_period_end(
    shop: Shop, api_for: ApiFor, localstripe_url: str
) -> None:
    _paid(shop, localstripe_url)
    mail = _subscriptions()["Mail"]
    path = f"/subscriptions/{mail.id}/cancel"
    read_only = api_for(PrincipalKind.STOREFRONT, shop.storefront.id, TokenScope.READ)
    assert read_only.post(path).status_code == 403
    for principal, principal_id in (
        (PrincipalKind.ISV, shop.mail.isv_id),
        (PrincipalKind.OPERATOR, shop.storefront.operator_id),
    ):
        forbidden = api_for(principal, principal_id).post(path)
        assert forbidden.status_code == 403 and error_of(forbidden)["code"] == "forbidden"

    api = api_for(PrincipalKind.STOREFRONT, shop.storefront.id)
    cancelled = api.post(path)
    assert cancelled.status_code == 200
    body = cancelled.get_json()
    assert (body["status"], body["cancel_at_period_end"]) == ("active", True)
    assert api.post(path).status_code == 200  # asking again changes nothing
    db.session.expire_all()
    stored = _subscriptions()["Mail"]
    assert stored.cancel_at_period_end and stored.status == SubscriptionStatus.ACTIVE
    with all_tenants():
        entries = db.session.scalars(
            select(AuditEntry).where(AuditEntry.action == "api.cancel_subscription")
        ).all()
    assert len(entries) == 2
    assert {(e.surface, e.target_type, e.target_id) for e in entries} == {
        (Surface.API, "subscriptions", mail.id)
    }


def test_only_running_subscriptions_can_be_cancelled(
    shop: Shop, api_for: ApiFor, localstripe_url: str
) -> None:
    _paid(shop, localstripe_url)
    backup = _subscriptions()["Backup"]
    with all_tenants():
        backup.status = SubscriptionStatus.CANCELLED
        db.session.commit()
    platform = api_for(PrincipalKind.PLATFORM)
    response = platform.post(f"/subscriptions/{backup.id}/cancel")
    assert response.status_code == 409 and error_of(response)["code"] == "conflict"
    assert platform.post("/subscriptions/999999/cancel").status_code == 404


def test_metrics_are_the_reports_figures_for_what_each_principal_sees(
    shop: Shop, api_for: ApiFor, localstripe_url: str
) -> None:
    _paid(shop, localstripe_url)
    with all_tenants():
        expected = subscription_metrics([shop.storefront.id])
        other_operator = factories.operator()
        db.session.commit()
    store = api_for(PrincipalKind.STOREFRONT, shop.storefront.id)
    report = store.get("/subscriptions/metrics").get_json()
    assert {row["offer_name"] for row in report["items"]} == {"Mail", "Backup"}
    for row in report["items"]:
        figures = next(m for m in expected if m.offer_id == row["offer_id"])
        assert (row["subscriptions"], row["active"], row["churned"]) == (
            figures.subscriptions,
            figures.active,
            figures.churned,
        )
        assert row["lifetime_value"] == {
            "amount": figures.lifetime_value.amount,
            "currency": "JPY",
        }
        assert row["reseller_lifetime_value"]["amount"] == (figures.reseller_lifetime_value.amount)
        assert row["renewal_rate"] is None and row["churn"] == 0  # nothing due, nobody left
    [total] = report["totals"]
    assert (total["storefront"], total["subscriptions"], total["active"]) == (
        shop.storefront.slug,
        2,
        2,
    )
    operator = api_for(PrincipalKind.OPERATOR, shop.storefront.operator_id)
    assert operator.get("/subscriptions/metrics").get_json() == report
    platform = api_for(PrincipalKind.PLATFORM)
    assert platform.get("/subscriptions/metrics").get_json() == report
    stranger = api_for(PrincipalKind.OPERATOR, other_operator.id)
    assert stranger.get("/subscriptions/metrics").get_json() == {"items": [], "totals": []}
    isv = api_for(PrincipalKind.ISV, shop.mail.isv_id)
    assert isv.get("/subscriptions/metrics").status_code == 403
