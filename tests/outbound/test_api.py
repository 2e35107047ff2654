"""/api/v1/webhooks for storefront and ISV tokens: create (secret in the answer), read,
update, delete, the delivery log and redelivery to a real receiver; another owner's
endpoints and deliveries are 404; other principals are refused."""

from __future__ import annotations

from flask import Flask

from storefront.api.models import PrincipalKind, TokenScope
from storefront.extensions import db
from tests import factories
from tests.api.client import Api, make_token
from tests.outbound.receiver import receiver


def _api(
    app: Flask,
    kind: PrincipalKind,
    principal_id: int | None,
    scope: TokenScope = TokenScope.READ_WRITE,
) -> Api:
    return Api(app.test_client(), make_token(kind, principal_id, scope))


def test_an_isv_token_manages_its_endpoints_and_redelivers(app: Flask, app_context: None) -> None:
    vendor = factories.isv()
    db.session.commit()
    api = _api(app, PrincipalKind.ISV, vendor.id)
    with receiver() as hook:
        hook.script = [500, 200]
        created = api.post(
            "/webhooks",
            {
                "url": hook.url,
                "events": ["provisioning.*", "offer.approved"],
                "description": "prov",
            },
        )
        assert created.status_code == 201, created.text
        endpoint = created.get_json()
        assert endpoint["secret"].startswith("whsec_") and endpoint["active"] is True
        hook.secret = endpoint["secret"]
        path = f"/webhooks/{endpoint['id']}"

        sent = api.post(f"{path}/test")
        assert sent.status_code == 202
        sent.close()
        hook.wait_for(1)
        deliveries = api.get(f"{path}/deliveries").get_json()["items"]
        (first,) = deliveries
        assert first["status"] == "failed-retrying" and first["last_status_code"] == 500
        assert first["event_type"] == "webhook.test" and first["next_attempt_at"]

        again = api.post(f"{path}/deliveries/{first['id']}/redeliver")
        assert again.status_code == 202
        again.close()
        received = hook.wait_for(2)
    assert all(request.signature_ok for request in received)
    detail = api.get(f"{path}/deliveries/{first['id']}").get_json()
    assert detail["status"] == "succeeded" and detail["attempts"] == 1
    assert detail["event_id"] == first["event_id"]

    changed = api.send("PATCH", path, {"active": False, "events": ["offer.*"]})
    assert changed.status_code == 200 and changed.get_json()["events"] == ["offer.*"]
    assert api.get("/webhooks").get_json()["items"][0]["active"] is False
    refused = api.send("PATCH", path, {"url": "http://203.0.113.5/hook"})
    assert refused.status_code == 422 and refused.get_json()["error"]["field"] == "url"
    unknown = api.send("PATCH", path, {"events": ["order.pad"]})
    assert unknown.status_code == 422 and unknown.get_json()["error"]["field"] == "events"

    reader = _api(app, PrincipalKind.ISV, vendor.id, TokenScope.READ)
    assert reader.get(path).get_json()["secret"] is None
    assert reader.send("DELETE", path).status_code == 403

    assert api.send("DELETE", path).get_json() == {"deleted": True}
    assert api.get(path).status_code == 404


def test_endpoints_and_deliveries_of_other_owners_are_404(app: Flask, app_context: None) -> None:
    store, other_store = factories.storefront(), factories.storefront()
    vendor = factories.isv()
    db.session.commit()
    store_api = _api(app, PrincipalKind.STOREFRONT, store.id)
    created = store_api.post(
        "/webhooks", {"url": "https://panel.example/hook", "events": ["order.paid"]}
    )
    assert created.status_code == 201, created.text
    endpoint_id = created.get_json()["id"]
    delivery = store_api.post(f"/webhooks/{endpoint_id}/test").get_json()
    path = f"/webhooks/{endpoint_id}"

    for outsider in (
        _api(app, PrincipalKind.STOREFRONT, other_store.id),
        _api(app, PrincipalKind.ISV, vendor.id),  # ISV endpoint ids are another table
    ):
        assert outsider.get(path).status_code == 404
        assert outsider.get(f"{path}/deliveries").status_code == 404
        assert outsider.get(f"{path}/deliveries/{delivery['id']}").status_code == 404
        assert outsider.post(f"{path}/deliveries/{delivery['id']}/redeliver").status_code == 404
        assert outsider.send("PATCH", path, {"active": False}).status_code == 404
        assert outsider.send("DELETE", path).status_code == 404
        assert outsider.get("/webhooks").get_json()["items"] == []
    assert store_api.get(path).status_code == 200
    platform = _api(app, PrincipalKind.PLATFORM, None)
    assert platform.get("/webhooks").status_code == 403
    isv_events = store_api.post(
        "/webhooks", {"url": "https://p.example", "events": ["offer.approved"]}
    )
    assert isv_events.status_code == 422
