"""Every route of the console and the vendor portal, walked as each role: the wrong surface
is 403, another tenant's storefront, operator-only pages and another ISV's offers are
refused, and nothing answers 500."""

from __future__ import annotations

import pytest
from flask import Flask
from flask.testing import FlaskClient

from storefront.api.models import PrincipalKind, TokenScope
from storefront.api.tokens import issue_token
from storefront.audit.models import Surface
from storefront.catalog.models import OfferRevision
from storefront.extensions import db
from storefront.outbound.models import IsvWebhookEndpoint
from storefront.outbound.services import Owner, send_test_event
from tests.operator.people import CONSOLE, People, sign_in, token

PUBLIC = {"operator.login", "operator.logout", "vendor.login", "vendor.logout"}


def _urls(app: Flask, blueprint: str, people: People) -> list[tuple[str, str, str]]:
    """(endpoint, method, path) for every rule, with ids of things the roles may not see:
    the other operator's storefront, the other ISV's offer, another principal's API token."""
    revision = OfferRevision(offer_id=people.other_offer.id)
    db.session.add(revision)
    others_token, _secret = issue_token(
        name="Someone else's",
        principal=PrincipalKind.ISV if blueprint == "vendor" else PrincipalKind.OPERATOR,
        principal_id=people.other_isv.id if blueprint == "vendor" else people.other_operator.id,
        scope=TokenScope.READ,
        created_by=None,
        surface=Surface.SYSTEM,
    )
    others_webhook = IsvWebhookEndpoint(
        isv_id=people.other_isv.id, url="https://other.example/hook", secret="s", events=["offer.*"]
    )
    db.session.add(others_webhook)
    db.session.flush()
    others_delivery = send_test_event(Owner.isv(people.other_isv.id), others_webhook)
    db.session.info.pop("outbound_deliveries", None)  # recorded, never sent
    db.session.commit()
    values = {
        "storefront_id": people.foreign.id,
        "operator_id": people.other_operator.id,
        "offer_id": people.other_offer.id,
        "order_id": 999999,
        "revision_id": revision.id,
        "token_id": others_token.id,
        "endpoint_id": others_webhook.id,
        "delivery_id": others_delivery.id,
    }
    urls = []
    for rule in app.url_map.iter_rules():
        if rule.endpoint.split(".")[0] != blueprint or rule.endpoint in PUBLIC:
            continue
        path = rule.rule
        for name in rule.arguments:
            path = path.replace(f"<int:{name}>", str(values.get(name, 999999)))
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            urls.append((rule.endpoint, method, path))
    assert urls
    return urls


def _status(client: FlaskClient, method: str, path: str) -> int:
    if method == "GET":
        return client.get(path, headers=CONSOLE).status_code
    data = {"csrf_token": token(client, "/vendor/")}  # every page's sign-out form has one
    return client.open(path, method=method, data=data, headers=CONSOLE).status_code


@pytest.mark.parametrize("blueprint", ["operator", "vendor"])
def test_signed_out_visitors_are_sent_to_sign_in(
    app: Flask, client: FlaskClient, people: People, blueprint: str
) -> None:
    for endpoint, method, path in _urls(app, blueprint, people):
        if method == "GET":
            response = client.get(path, headers=CONSOLE)
            assert response.status_code == 302, endpoint
            assert f"/{blueprint}/login" in response.headers["Location"]


def test_isv_member_is_forbidden_everywhere_on_the_console(
    app: Flask, client: FlaskClient, people: People
) -> None:
    sign_in(client, "dev@nimbus.test", "vendor")
    for endpoint, method, path in _urls(app, "operator", people):
        if method == "GET":
            assert client.get(path, headers=CONSOLE).status_code == 403, endpoint


def test_platform_admin_is_forbidden_everywhere_on_the_vendor_portal(
    app: Flask, client: FlaskClient, people: People
) -> None:
    sign_in(client, "admin@platform.test")
    for endpoint, method, path in _urls(app, "vendor", people):
        if method == "GET":
            assert client.get(path, headers=CONSOLE).status_code == 403, endpoint


def test_platform_admin_reaches_every_console_page(
    app: Flask, client: FlaskClient, people: People
) -> None:
    sign_in(client, "admin@platform.test")
    for endpoint, method, path in _urls(app, "operator", people):
        if method == "GET":
            status = client.get(path, headers=CONSOLE).status_code
            if endpoint.startswith(("operator.order", "operator.domain", "operator.statements_")):
                assert status in (200, 404), endpoint  # ids that do not exist: 404
            else:
                assert status == 200, endpoint


OPERATOR_ADMIN_GET = {
    "operator.dashboard": 200,
    "operator.storefronts": 200,
    "operator.new_storefront": 200,
    "operator.storefront": 404,  # another operator's storefront
    "operator.operators": 403,
    "operator.white_label_operator": 403,
    "operator.offers": 403,
    "operator.offer": 403,
    "operator.orders": 200,
    "operator.order": 404,
    "operator.ledger": 200,
    "operator.statements": 200,
    "operator.statements_csv": 404,
    "operator.payouts": 403,
    "operator.audit_log": 200,
}


def test_operator_admin_of_another_operator_gets_404_or_403(
    app: Flask, client: FlaskClient, people: People
) -> None:
    sign_in(client, "ops@cloudwave.test")
    seen = {}
    for endpoint, method, path in _urls(app, "operator", people):
        if method == "GET":
            seen[endpoint] = client.get(path, headers=CONSOLE).status_code
    for endpoint, status in seen.items():
        if endpoint in OPERATOR_ADMIN_GET:
            assert status == OPERATOR_ADMIN_GET[endpoint], endpoint
        else:
            assert status in (200, 403, 404), endpoint  # a page added later: never a leak
    foreign = f"/operator/statements?account=reseller_payable&party_id={people.foreign.id}"
    assert client.get(foreign, headers=CONSOLE).status_code == 404
    mine = f"/operator/storefronts/{people.hosted.id}"
    assert client.get(mine, headers=CONSOLE).status_code == 200


def test_isv_member_gets_404_on_another_isvs_offer_and_200_on_its_own(
    app: Flask, client: FlaskClient, people: People
) -> None:
    sign_in(client, "dev@nimbus.test", "vendor")
    for endpoint, method, path in _urls(app, "vendor", people):
        status = _status(client, method, path)
        rule = next(r.rule for r in app.url_map.iter_rules() if r.endpoint == endpoint)
        if any(f"<int:{name}>" in rule for name in ("offer_id", "token_id", "endpoint_id")):
            # another ISV's
            assert status == 404, (endpoint, method)
        else:
            assert status in (200, 400), (endpoint, method)
    own = f"/vendor/offers/{people.own_offer.id}"
    assert client.get(own, headers=CONSOLE).status_code == 200
