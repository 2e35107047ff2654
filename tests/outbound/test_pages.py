"""The webhook pages of the vendor portal and the reseller dashboard: add an endpoint (the
provisioning URL), reveal its secret, send a test event to a real receiver, see a 4xx stop
the retries with the receiver's answer shown; another owner's endpoints are 404."""

from __future__ import annotations

import re

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from storefront.audit.models import AuditEntry
from storefront.extensions import db
from storefront.outbound.models import IsvWebhookEndpoint, StorefrontWebhookEndpoint
from storefront.tenants.scope import all_tenants
from tests.operator.people import CONSOLE, People, sign_in, token
from tests.outbound.receiver import receiver
from tests.reseller.dashboard import Tenant, host
from tests.reseller.dashboard import sign_in as reseller_sign_in


def _isv_endpoint(url: str) -> IsvWebhookEndpoint:
    db.session.expire_all()
    row = db.session.scalars(select(IsvWebhookEndpoint).where(IsvWebhookEndpoint.url == url)).one()
    return row


def test_an_isv_adds_a_provisioning_url_sees_the_secret_and_a_4xx_on_its_page(
    app: Flask, client: FlaskClient, people: People
) -> None:
    sign_in(client, people.isv_member.email, "vendor")
    page = client.get("/vendor/webhooks", headers=CONSOLE)
    assert page.status_code == 200 and "provisioning.created" in page.text
    with receiver() as hook:
        hook.script = [422]
        response = client.post(
            "/vendor/webhooks",
            data={
                "url": hook.url,
                "description": "Provisioning <b>bold</b>",
                "events": ["provisioning.*"],
                "active": "y",
                "csrf_token": token(client, "/vendor/webhooks"),
            },
            headers=CONSOLE,
        )
        assert response.status_code == 303, response.text
        endpoint = _isv_endpoint(hook.url)
        assert endpoint.isv_id == people.isv.id and endpoint.events == ["provisioning.*"]
        path = f"/vendor/webhooks/{endpoint.id}"
        assert response.headers["Location"].endswith(path)
        listing = client.get("/vendor/webhooks", headers=CONSOLE).text
        assert "Provisioning &lt;b&gt;bold&lt;/b&gt;" in listing  # escaped
        assert 'data-testid="provisioning-url"' in listing

        detail = client.get(path, headers=CONSOLE)
        assert endpoint.secret not in detail.text  # only on the reveal POST's answer
        revealed = client.post(
            f"{path}/secret", data={"csrf_token": token(client, path)}, headers=CONSOLE
        )
        assert endpoint.secret in revealed.text
        assert revealed.headers["Cache-Control"] == "no-store"
        hook.secret = endpoint.secret

        sent = client.post(
            f"{path}/test", data={"csrf_token": token(client, path)}, headers=CONSOLE
        )
        assert sent.status_code == 303
        sent.close()  # inline (no Redis): the send happens once the response is over
        (received,) = hook.wait_for(1)
    assert received.signature_ok and received.headers["Storefront-Event"] == "webhook.test"
    log = client.get(path, headers=CONSOLE).text
    assert 'data-status="failed-permanently"' in log
    assert "<strong>422</strong>" in log and "&#34;answer&#34;: 422" in log
    assert "Retry now" in log


def test_the_endpoint_form_shows_errors_next_to_the_fields(
    client: FlaskClient, people: People
) -> None:
    sign_in(client, people.isv_member.email, "vendor")
    for url, message in [
        ("ftp://example.com/hook", "must start with https://"),
        ("http://example.com/hook", "must start with https://"),
        ("https://user:secret@example.com/hook", "user name or password"),
        ("", "Enter the URL"),
    ]:
        response = client.post(
            "/vendor/webhooks",
            data={
                "url": url,
                "events": ["offer.approved"],
                "csrf_token": token(client, "/vendor/webhooks"),
            },
            headers=CONSOLE,
        )
        assert response.status_code == 400
        assert 'data-testid="url-error"' in response.text and message in response.text
    response = client.post(
        "/vendor/webhooks",
        data={"url": "https://example.com/hook", "csrf_token": token(client, "/vendor/webhooks")},
        headers=CONSOLE,
    )
    assert response.status_code == 400 and 'data-testid="events-error"' in response.text
    missing_csrf = client.post(
        "/vendor/webhooks",
        data={"url": "https://example.com/hook", "events": ["offer.approved"]},
        headers=CONSOLE,
    )
    assert missing_csrf.status_code == 400
    assert db.session.scalars(select(IsvWebhookEndpoint)).all() == []


def test_another_isvs_endpoint_and_deliveries_are_404(client: FlaskClient, people: People) -> None:
    from storefront.audit.models import Surface
    from storefront.outbound.services import Owner, create_endpoint, send_test_event

    owner = Owner.isv(people.other_isv.id)
    other = create_endpoint(
        owner,
        url="https://other.example/hook",
        events=["offer.*"],
        actor=None,
        surface=Surface.SYSTEM,
    )
    db.session.flush()
    delivery = send_test_event(owner, other)
    db.session.commit()
    sign_in(client, people.isv_member.email, "vendor")
    csrf = token(client, "/vendor/webhooks")
    base = f"/vendor/webhooks/{other.id}"
    assert client.get(base, headers=CONSOLE).status_code == 404
    for path in (
        base,
        f"{base}/secret",
        f"{base}/roll-secret",
        f"{base}/test",
        f"{base}/delete",
        f"{base}/deliveries/{delivery.id}/retry",
    ):
        assert client.post(path, data={"csrf_token": csrf}, headers=CONSOLE).status_code == 404
    assert "other.example" not in client.get("/vendor/webhooks", headers=CONSOLE).text


def test_a_reseller_manages_its_storefront_endpoints_and_never_sees_anothers(
    app: Flask, client: FlaskClient, tenant_a: Tenant, tenant_b: Tenant
) -> None:
    csrf = reseller_sign_in(client, tenant_a.store, tenant_a.admin.email)
    headers = host(tenant_a.store)
    response = client.post(
        "/reseller/webhooks",
        data={
            "url": "https://panel.alpha.example/hooks",
            "events": ["order.paid", "order.refunded"],
            "active": "y",
            "csrf_token": csrf,
        },
        headers=headers,
    )
    assert response.status_code == 303, response.text
    with all_tenants():
        mine = db.session.scalars(select(StorefrontWebhookEndpoint)).one()
    assert mine.storefront_id == tenant_a.store.id
    path = f"/reseller/webhooks/{mine.id}"
    edited = client.post(
        path,
        data={"url": "https://panel.alpha.example/v2", "events": ["order.*"], "csrf_token": csrf},
        headers=headers,
    )
    assert edited.status_code == 303
    with all_tenants():
        db.session.expire_all()
        assert db.session.get(StorefrontWebhookEndpoint, mine.id).events == ["order.*"]
        assert db.session.get(StorefrontWebhookEndpoint, mine.id).active is False
        actions = set(db.session.scalars(select(AuditEntry.action)))
    assert {"webhook_endpoint.create", "webhook_endpoint.update"} <= actions
    refused = client.post(
        "/reseller/webhooks",
        data={"url": "https://x.example", "events": ["provisioning.created"], "csrf_token": csrf},
        headers=headers,
    )
    assert refused.status_code == 400 and "Unknown event" in refused.text

    # B's admin, on B's host, cannot reach A's endpoint by its id.
    client_b = app.test_client()
    csrf_b = reseller_sign_in(client_b, tenant_b.store, tenant_b.admin.email)
    assert client_b.get(path, headers=host(tenant_b.store)).status_code == 404
    for action in ("", "/secret", "/test", "/delete"):
        answer = client_b.post(
            path + action, data={"csrf_token": csrf_b}, headers=host(tenant_b.store)
        )
        assert answer.status_code == 404
    assert (
        "panel.alpha" not in client_b.get("/reseller/webhooks", headers=host(tenant_b.store)).text
    )
    deleted = client.post(f"{path}/delete", data={"csrf_token": csrf}, headers=headers)
    assert deleted.status_code == 303
    with all_tenants():
        assert db.session.scalars(select(StorefrontWebhookEndpoint)).all() == []
    assert re.search(r"No endpoints yet", client.get("/reseller/webhooks", headers=headers).text)
