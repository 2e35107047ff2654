"""Orders, refunds and balances through the API, per principal; other tenants' orders are
not found."""

from __future__ import annotations

from datetime import timedelta

from storefront.api.models import PrincipalKind
from storefront.extensions import db
from storefront.orders.models import Order
from storefront.payments import gateway
from storefront.payments.services import execute, prepare
from storefront.tenants.scope import all_tenants
from storefront.timeutil import utcnow
from tests import factories
from tests.api.client import ApiFor, error_of
from tests.shopping import CARD_OK, Shop, card, order_for


def _paid(shop: Shop, localstripe_url: str) -> Order:
    order = order_for(shop)
    payment = prepare(order, payment_method=card(localstripe_url, CARD_OK), attempt="a-1")
    execute(payment, gateway.provider())
    db.session.commit()
    return order


def test_storefront_reads_its_orders_with_lines_and_split(
    shop: Shop, api_for: ApiFor, localstripe_url: str
) -> None:
    order = _paid(shop, localstripe_url)
    api = api_for(PrincipalKind.STOREFRONT, shop.storefront.id)
    listed = api.get("/orders").get_json()
    assert [item["number"] for item in listed["items"]] == [order.number]
    assert listed["next_cursor"] is None
    detail = api.get(f"/orders/{order.id}").get_json()
    assert detail["status"] == "paid"
    assert detail["total"] == {"amount": order.total_minor, "currency": "JPY"}
    assert sum(line["total"]["amount"] for line in detail["lines"]) == order.total_minor
    assert sum(part["amount"]["amount"] for part in detail["split"]) == order.total_minor
    accounts = {part["account"] for part in detail["split"]}
    assert {"isv_payable", "reseller_payable", "operator_payable", "platform_revenue"} == accounts


def test_orders_of_other_storefronts_are_not_found(shop: Shop, api_for: ApiFor) -> None:
    order = order_for(shop)
    other = factories.storefront()
    outsider_operator = factories.operator()
    db.session.commit()
    for api in (
        api_for(PrincipalKind.STOREFRONT, other.id),
        api_for(PrincipalKind.OPERATOR, outsider_operator.id),
    ):
        assert api.get("/orders").get_json()["items"] == []
        response = api.get(f"/orders/{order.id}")
        assert response.status_code == 404 and error_of(response)["code"] == "not_found"
    own_operator = api_for(PrincipalKind.OPERATOR, shop.storefront.operator_id)
    assert own_operator.get(f"/orders/{order.id}").status_code == 200
    assert api_for(PrincipalKind.ISV, shop.mail.isv_id).get("/orders").status_code == 403


def test_orders_filter_by_status_and_date(shop: Shop, api_for: ApiFor) -> None:
    order = order_for(shop)
    api = api_for(PrincipalKind.PLATFORM)
    assert [o["id"] for o in api.get("/orders?status=pending").json["items"]] == [order.id]
    assert api.get("/orders?status=paid").json["items"] == []
    tomorrow = (utcnow() + timedelta(days=1)).date().isoformat()
    assert api.get(f"/orders?created_from={tomorrow}").json["items"] == []
    assert len(api.get(f"/orders?created_to={tomorrow}").json["items"]) == 1
    bad = api.get("/orders?created_from=yesterday")
    assert bad.status_code == 422 and error_of(bad)["field"] == "created_from"
    bad_status = api.get("/orders?status=lost")
    assert bad_status.status_code == 422 and error_of(bad_status)["field"] == "status"


def test_platform_refunds_part_of_a_paid_order(
    shop: Shop, api_for: ApiFor, localstripe_url: str
) -> None:
    order = _paid(shop, localstripe_url)
    platform = api_for(PrincipalKind.PLATFORM)
    path = f"/orders/{order.id}/refunds"
    too_much = platform.post(path, {"amount": {"amount": order.total_minor + 1, "currency": "JPY"}})
    assert too_much.status_code == 422 and error_of(too_much)["field"] == "amount.amount"
    wrong = platform.post(path, {"amount": {"amount": 100, "currency": "USD"}})
    assert wrong.status_code == 422 and error_of(wrong)["field"] == "amount.currency"
    refunded = platform.post(path, {"amount": {"amount": 1000, "currency": "JPY"}})
    assert refunded.status_code == 201
    assert refunded.get_json()["order_status"] == "partially_refunded"
    store = api_for(PrincipalKind.STOREFRONT, shop.storefront.id)
    assert store.post(path, {"amount": {"amount": 1, "currency": "JPY"}}).status_code == 403


def test_refund_of_an_unpaid_order_conflicts(shop: Shop, api_for: ApiFor) -> None:
    order = order_for(shop)
    response = api_for(PrincipalKind.PLATFORM).post(
        f"/orders/{order.id}/refunds", {"amount": {"amount": 100, "currency": "JPY"}}
    )
    assert response.status_code == 409 and error_of(response)["code"] == "conflict"


def test_balances_show_each_party_only_its_own(
    shop: Shop, api_for: ApiFor, localstripe_url: str
) -> None:
    _paid(shop, localstripe_url)
    store = api_for(PrincipalKind.STOREFRONT, shop.storefront.id).get("/ledger/balances").json
    assert [item["account"] for item in store["items"]] == ["reseller_payable"]
    assert store["items"][0]["party_id"] == shop.storefront.id
    isv = api_for(PrincipalKind.ISV, shop.mail.isv_id).get("/ledger/balances").json
    assert {item["party_id"] for item in isv["items"]} == {shop.mail.isv_id}
    platform = api_for(PrincipalKind.PLATFORM).get("/ledger/balances").json
    assert sum(item["balance"]["amount"] for item in platform["items"]) == 0
    with all_tenants():
        other = factories.storefront()
        db.session.commit()
    assert api_for(PrincipalKind.STOREFRONT, other.id).get("/ledger/balances").json == {"items": []}


def test_operator_tokens_see_their_own_payable_and_no_offers(
    shop: Shop, api_for: ApiFor, localstripe_url: str
) -> None:
    _paid(shop, localstripe_url)
    api = api_for(PrincipalKind.OPERATOR, shop.storefront.operator_id)
    items = api.get("/ledger/balances").json["items"]
    assert [(i["account"], i["party_id"]) for i in items] == [
        ("operator_payable", shop.storefront.operator_id)
    ]
    assert api.get("/offers").status_code == 403
