"""Tenants in the console: commission and override limits, suspension closing the store,
operator admins confined to their own storefronts, every change audited."""

from __future__ import annotations

import email
import re
from pathlib import Path

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from storefront.audit.models import AuditEntry
from storefront.extensions import db
from storefront.operator.services import is_suspended
from storefront.tenants.models import Storefront, WhiteLabelOperator
from tests.operator.people import CONSOLE, People, post, sign_in


def audit_count() -> int:
    return db.session.scalar(select(func.count(AuditEntry.id))) or 0


def test_commission_outside_0_to_100_percent_is_refused_and_nothing_written(
    client: FlaskClient, people: People
) -> None:
    sign_in(client, "admin@platform.test")
    path = f"/operator/storefronts/{people.hosted.id}"
    for rate in ("101", "-1", "abc", "12.345"):
        response = post(client, path, {"action": "commission", "rate": rate})
        assert response.status_code == 400 and 'id="rate-error"' in response.text, rate
    assert audit_count() == 0
    response = post(client, path, {"action": "commission", "rate": "30"})
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(Storefront, people.hosted.id).commission_rate_bp == 3000  # type: ignore[union-attr]
    entry = db.session.scalars(select(AuditEntry)).one()
    assert entry.action == "storefront.commission" and entry.after == {"commission_rate_bp": 3000}
    assert (
        entry.before == {"commission_rate_bp": 2500} and entry.actor_email == "admin@platform.test"
    )


def test_override_that_leaves_the_platform_a_negative_share_is_refused(
    client: FlaskClient, people: People
) -> None:
    sign_in(client, "admin@platform.test")
    path = f"/operator/operators/{people.operator.id}"
    response = post(client, path, {"action": "override", "rate": "80"})  # 25% + 80% > 100%
    assert response.status_code == 400 and "negative share" in response.text
    db.session.expire_all()
    assert db.session.get(WhiteLabelOperator, people.operator.id).override_rate_bp == 500  # type: ignore[union-attr]
    store_path = f"/operator/storefronts/{people.hosted.id}"
    response = post(client, store_path, {"action": "commission", "rate": "96"})  # 96% + 5%
    assert response.status_code == 400 and "negative share" in response.text
    assert audit_count() == 0


def test_create_storefront_with_its_first_admin(client: FlaskClient, people: People) -> None:
    sign_in(client, "ops@cloudwave.test")
    data = {
        "slug": "newco",
        "name": "NewCo",
        "admin_email": "owner@newco.test",
        "currency": "EUR",
        "language": "de",
        "commission": "20",
    }
    bad = post(client, "/operator/storefronts/new", {**data, "commission": "150"})
    assert bad.status_code == 400 and 'id="commission-error"' in bad.text
    assert post(client, "/operator/storefronts/new", {**data, "slug": "www"}).status_code == 400
    response = post(client, "/operator/storefronts/new", data)
    assert response.status_code == 302
    store = db.session.scalars(select(Storefront).where(Storefront.slug == "newco")).one()
    assert store.operator_id == people.operator.id and not store.is_opted_in
    assert store.commission_rate_bp == 2000 and store.currency == "EUR"
    assert db.session.scalars(select(AuditEntry.action)).all() == ["storefront.create"]


def test_new_storefront_admin_sets_a_password_by_link_and_signs_in(
    app: Flask, client: FlaskClient, people: People
) -> None:
    """No password travels by mail: the first admin chooses one through a single-use link on
    the store's own host, which works while the store is still closed."""
    sign_in(client, "ops@cloudwave.test")
    data = {
        "slug": "newco",
        "name": "NewCo",
        "admin_email": "owner@newco.test",
        "currency": "EUR",
        "language": "de",
        "commission": "20",
    }
    assert post(client, "/operator/storefronts/new", data).status_code == 302
    latest = sorted((Path(app.instance_path) / "outbox").glob("*.eml"))[-1]
    body = email.message_from_bytes(latest.read_bytes()).get_payload(decode=True).decode()  # type: ignore[union-attr]
    link = re.search(r"http://newco\.localhost(/account/password-reset/\S+)", body)
    assert link, body
    store_host = {"Host": "newco.localhost"}
    page = client.get(link.group(1), headers=store_host)
    assert page.status_code == 200
    token = re.search(r'name="csrf_token"[^>]*?value="([^"]+)"', page.text)
    assert token
    chosen = "my own first passphrase"
    done = client.post(
        link.group(1),
        headers=store_host,
        data={"password": chosen, "confirm_password": chosen, "csrf_token": token.group(1)},
    )
    assert done.status_code == 302
    login = client.get("/reseller/login", headers=store_host).text
    login_token = re.search(r'name="csrf_token"[^>]*?value="([^"]+)"', login)
    assert login_token
    signed = client.post(
        "/reseller/login",
        headers=store_host,
        data={"email": "owner@newco.test", "password": chosen, "csrf_token": login_token.group(1)},
    )
    assert signed.status_code == 302


def test_suspended_store_is_not_open_until_resumed(client: FlaskClient, people: People) -> None:
    host = {"Host": f"{people.hosted.slug}.localhost"}
    assert client.get("/", headers=host).status_code == 200
    sign_in(client, "ops@cloudwave.test")
    path = f"/operator/storefronts/{people.hosted.id}"
    assert post(client, path, {"action": "suspend", "reason": ""}).status_code == 400
    assert post(client, path, {"action": "suspend", "reason": "unpaid fees"}).status_code == 302
    assert is_suspended(people.hosted.id)
    closed = client.get("/", headers=host)
    assert closed.status_code == 404
    assert post(client, path, {"action": "resume"}).status_code == 302
    assert not is_suspended(people.hosted.id)
    assert client.get("/", headers=host).status_code == 200
    actions = db.session.scalars(select(AuditEntry.action).order_by(AuditEntry.id)).all()
    assert actions == ["storefront.suspend", "storefront.resume"]


def test_operator_admin_cannot_touch_a_storefront_it_does_not_host(
    client: FlaskClient, people: People
) -> None:
    sign_in(client, "ops@cloudwave.test")
    path = f"/operator/storefronts/{people.foreign.id}"
    assert client.get(path, headers=CONSOLE).status_code == 404
    mine = f"/operator/storefronts/{people.hosted.id}"
    response = post(client, path, {"action": "suspend", "reason": "x"}, page=mine)
    assert response.status_code == 404
    assert not is_suspended(people.foreign.id)
    listing = client.get("/operator/storefronts", headers=CONSOLE).text
    assert "Hosted Store" in listing and "Foreign Store" not in listing


def test_audit_log_filters_and_scopes(client: FlaskClient, people: People) -> None:
    sign_in(client, "admin@platform.test")
    post(
        client, f"/operator/storefronts/{people.hosted.id}", {"action": "commission", "rate": "30"}
    )
    post(
        client, f"/operator/storefronts/{people.foreign.id}", {"action": "commission", "rate": "31"}
    )
    page = client.get("/operator/audit?action=storefront.commission", headers=CONSOLE).text
    assert page.count('data-testid="audit-row"') == 2
    page = client.get(f"/operator/audit?storefront={people.foreign.id}", headers=CONSOLE).text
    assert page.count('data-testid="audit-row"') == 1
    assert client.get("/operator/audit?actor=nobody", headers=CONSOLE).text.count("audit-row") == 0
    assert (
        client.get("/operator/audit?from=2999-01-01", headers=CONSOLE).text.count("audit-row") == 0
    )
