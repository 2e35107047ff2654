"""What every endpoint shares: tokens, the error format and statuses, body limits, rate
limits, idempotent creation, ETags and cursor pagination."""

from __future__ import annotations

import base64
import json

from flask import Flask
from sqlalchemy import func, select

from storefront.api.models import ApiToken, PrincipalKind
from storefront.api.tokens import revoke_token
from storefront.audit.models import Surface
from storefront.catalog.models import Offer, OfferStatus
from storefront.extensions import db
from tests import factories
from tests.api.client import ApiFor, error_of

NEW_OFFER = {"name": "Mailbox Pro", "category": "email", "application_type": "connector"}


def test_missing_unknown_and_revoked_tokens_get_401(api_for: ApiFor) -> None:
    assert error_of(api_for().get("/offers"))["code"] == "unauthenticated"
    unknown = api_for().get("/offers", headers={"Authorization": "Bearer sft_nonsense"})
    assert unknown.status_code == 401
    assert unknown.headers["WWW-Authenticate"].startswith("Bearer")
    api = api_for(PrincipalKind.PLATFORM)
    assert api.get("/offers").status_code == 200
    token = db.session.scalars(select(ApiToken)).one()
    assert token.last_used_at is not None
    revoke_token(token.id, None, Surface.SYSTEM)
    db.session.commit()
    assert api.get("/offers").status_code == 401
    basic = api_for().get("/offers", headers={"Authorization": "Basic dXNlcjpwYXNz"})
    assert basic.status_code == 401


def test_tokens_are_stored_only_as_hashes(api_for: ApiFor) -> None:
    api = api_for(PrincipalKind.PLATFORM)
    stored = db.session.scalars(select(ApiToken)).one()
    assert api.token is not None and api.token not in stored.token_hash
    assert len(stored.token_hash) == 64


def test_malformed_json_is_400_and_non_json_is_415(api_for: ApiFor) -> None:
    api = api_for(PrincipalKind.ISV, factories.isv().id)
    malformed = api.client.post(
        "/api/v1/offers",
        data="{not json",
        headers=api.headers({"Content-Type": "application/json"}),
    )
    assert malformed.status_code == 400 and error_of(malformed)["code"] == "malformed_request"
    form = api.client.post(
        "/api/v1/offers",
        data="name=x",
        headers=api.headers({"Content-Type": "application/x-www-form-urlencoded"}),
    )
    assert form.status_code == 415


def test_unknown_fields_wrong_types_and_out_of_range_numbers_are_422(api_for: ApiFor) -> None:
    vendor = factories.isv()
    draft = factories.offer(vendor=vendor, status=OfferStatus.DRAFT)
    db.session.commit()
    api = api_for(PrincipalKind.ISV, vendor.id)
    cases = [
        ({**NEW_OFFER, "status": "approved"}, "status"),
        ({**NEW_OFFER, "name": 42}, "name"),
        ({**NEW_OFFER, "category": "games"}, "category"),
        ({**NEW_OFFER, "name": "x" * 121}, "name"),
        ({"category": "email", "application_type": "connector"}, "name"),
        ([NEW_OFFER], "body"),
    ]
    for body, field in cases:
        response = api.post("/offers", body)
        assert response.status_code == 422, body
        assert error_of(response)["field"] == field
    assert db.session.scalar(select(func.count(Offer.id))) == 1  # nothing created

    price_path = f"/offers/{draft.id}/plans/{draft.plans[0].id}/price"
    for wholesale, field in [
        ({"amount": -1, "currency": "USD"}, "wholesale.amount"),
        ({"amount": 10**13, "currency": "USD"}, "wholesale.amount"),
        ({"amount": 4.5, "currency": "USD"}, "wholesale.amount"),
        ({"amount": True, "currency": "USD"}, "wholesale.amount"),
        ({"amount": 400, "currency": "usd"}, "wholesale.currency"),
        ({"amount": 400, "currency": "USD", "extra": 1}, "wholesale.extra"),
    ]:
        response = api.send(
            "PUT",
            price_path,
            {"wholesale": wholesale, "recommended_retail": {"amount": 1000, "currency": "USD"}},
        )
        assert response.status_code == 422 and error_of(response)["field"] == field, wholesale
    bad_limit = api.get("/offers?limit=101")
    assert bad_limit.status_code == 422 and error_of(bad_limit)["field"] == "limit"


def test_bodies_over_the_limit_are_413(app: Flask, api_for: ApiFor) -> None:
    api = api_for(PrincipalKind.ISV, factories.isv().id)
    body = {**NEW_OFFER, "description": "x" * app.config["API_MAX_BODY_BYTES"]}
    response = api.post("/offers", body)
    assert response.status_code == 413 and error_of(response)["code"] == "body_too_large"


def test_rate_limit_per_token_answers_429_with_retry_after(app: Flask, api_for: ApiFor) -> None:
    limited = api_for(PrincipalKind.PLATFORM)
    other = api_for(PrincipalKind.PLATFORM)
    app.config["RATELIMIT_API"] = "2 per minute"
    try:
        assert limited.get("/offers").status_code == 200
        assert limited.get("/offers").status_code == 200
        refused = limited.get("/offers")
        assert refused.status_code == 429
        assert error_of(refused)["code"] == "rate_limited"
        assert int(refused.headers["Retry-After"]) > 0
        assert other.get("/offers").status_code == 200
    finally:
        app.config["RATELIMIT_API"] = "600 per minute"


def test_idempotency_key_replays_the_same_request_and_refuses_another(api_for: ApiFor) -> None:
    api = api_for(PrincipalKind.ISV, factories.isv().id)
    key = {"Idempotency-Key": "create-mailbox-1"}
    first = api.post("/offers", NEW_OFFER, headers=key)
    again = api.post("/offers", NEW_OFFER, headers=key)
    assert first.status_code == again.status_code == 201
    assert first.get_json() == again.get_json()
    assert again.headers["Idempotent-Replayed"] == "true"
    assert db.session.scalar(select(func.count(Offer.id))) == 1
    other = api.post("/offers", {**NEW_OFFER, "name": "Other"}, headers=key)
    assert other.status_code == 409 and error_of(other)["field"] == "Idempotency-Key"
    assert api.post("/offers", NEW_OFFER).status_code == 201  # no key: a new offer
    assert db.session.scalar(select(func.count(Offer.id))) == 2
    # Keys are per token: another token's same key is another request.
    other_isv = api_for(PrincipalKind.ISV, factories.isv().id)
    assert "Idempotent-Replayed" not in other_isv.post("/offers", NEW_OFFER, headers=key).headers


def test_reads_carry_an_etag_and_answer_304_when_unchanged(api_for: ApiFor) -> None:
    vendor = factories.isv()
    draft = factories.offer(vendor=vendor, status=OfferStatus.DRAFT)
    db.session.commit()
    api = api_for(PrincipalKind.ISV, vendor.id)
    first = api.get(f"/offers/{draft.id}")
    etag = first.headers["ETag"]
    unchanged = api.get(f"/offers/{draft.id}", headers={"If-None-Match": etag})
    assert unchanged.status_code == 304 and unchanged.data == b""
    api.send("PATCH", f"/offers/{draft.id}", {"summary": "Changed"})
    changed = api.get(f"/offers/{draft.id}", headers={"If-None-Match": etag})
    assert changed.status_code == 200 and changed.headers["ETag"] != etag


def test_cursor_pagination_walks_every_offer_once_in_either_order(api_for: ApiFor) -> None:
    vendor = factories.isv()
    ids = [factories.offer(vendor=vendor, status=OfferStatus.DRAFT).id for _ in range(5)]
    db.session.commit()
    api = api_for(PrincipalKind.ISV, vendor.id)
    for sort, expected in (("-created_at", ids[::-1]), ("created_at", ids)):
        seen: list[int] = []
        cursor = None
        while True:
            query = f"/offers?limit=2&sort={sort}" + (f"&cursor={cursor}" if cursor else "")
            page = api.get(query).get_json()
            assert len(page["items"]) <= 2
            seen += [item["id"] for item in page["items"]]
            cursor = page["next_cursor"]
            if cursor is None:
                break
        assert seen == expected
    first = api.get("/offers?limit=2").get_json()
    mixed = api.get(f"/offers?limit=2&sort=created_at&cursor={first['next_cursor']}")
    assert mixed.status_code == 422 and error_of(mixed)["field"] == "cursor"
    garbage = api.get("/offers?cursor=bm90LWEtY3Vyc29y")
    assert garbage.status_code == 422 and error_of(garbage)["field"] == "cursor"
    position = json.dumps(["-created_at", "2026-01-01T00:00:00", 10**30]).encode()
    huge_id = base64.urlsafe_b64encode(position).decode().rstrip("=")
    beyond = api.get(f"/offers?cursor={huge_id}")  # an id no integer column holds
    assert beyond.status_code == 422 and error_of(beyond)["field"] == "cursor"


def test_nul_bytes_are_refused_as_json(api_for: ApiFor) -> None:
    api = api_for(PrincipalKind.ISV, factories.isv().id)
    response = api.client.post(
        "/api/v1/offers",
        data=json.dumps({**NEW_OFFER, "name": "a\x00b"}),
        headers=api.headers({"Content-Type": "application/json"}),
    )
    assert response.status_code == 400 and error_of(response)["code"] == "malformed_request"
