"""Conventions every part of /api/v1 keeps: unknown paths and methods answer JSON errors,
oversized bodies are refused as JSON, every read carries an ETag, every creating POST honours
Idempotency-Key."""

from __future__ import annotations

import io
import json

from flask import Flask
from sqlalchemy import func, select

from storefront.api.blueprint import registry
from storefront.api.models import PrincipalKind
from storefront.catalog.models import Listing, Offer, OfferStatus, Plan
from storefront.extensions import db
from storefront.tenants.scope import all_tenants
from tests import factories
from tests.api.client import ApiFor, error_of

NEW_OFFER = {"name": "Mailbox Pro", "category": "email", "application_type": "connector"}


def test_unknown_paths_and_methods_answer_json_errors(api_for: ApiFor) -> None:
    for api in (api_for(), api_for(PrincipalKind.PLATFORM)):
        for method, path in [("GET", "/no-such-thing"), ("POST", "/offers/1/nope"), ("GET", "")]:
            response = api.send(method, path)
            assert response.status_code == 404, (method, path)
            assert response.mimetype == "application/json"
            assert error_of(response)["code"] == "not_found"
        wrong = api.send("DELETE", "/offers")
        assert wrong.status_code == 405 and error_of(wrong)["code"] == "method_not_allowed"
        assert {"GET", "POST"} <= set(wrong.headers["Allow"].split(", "))
        assert api.send("PUT", "/openapi.json").status_code == 405
    page = api_for().client.get("/no-such-page", headers={"Host": "localhost"})
    assert page.status_code == 404 and page.mimetype == "text/html"  # not the API's business


def test_bodies_over_the_apps_own_limit_are_refused_as_json(app: Flask, api_for: ApiFor) -> None:
    api = api_for(PrincipalKind.ISV, factories.isv().id)
    huge = b"x" * (app.config["MAX_CONTENT_LENGTH"] + 1)
    response = api.client.post(
        "/api/v1/offers", data=huge, headers=api.headers({"Content-Type": "application/json"})
    )
    assert response.status_code == 413 and error_of(response)["code"] == "body_too_large"


def test_bodies_without_a_content_length_are_held_to_the_api_limit(
    app: Flask, api_for: ApiFor
) -> None:
    """Chunked uploads, as a server that terminates the stream (gunicorn) passes them on."""
    api = api_for(PrincipalKind.ISV, factories.isv().id)
    description = "x" * app.config["API_MAX_BODY_BYTES"]
    body = json.dumps({**NEW_OFFER, "description": description}).encode()
    response = api.client.post(
        "/api/v1/offers",
        input_stream=io.BytesIO(body),
        headers=api.headers({"Content-Type": "application/json"}),
        environ_overrides={"wsgi.input_terminated": True},
    )
    assert response.status_code == 413 and error_of(response)["code"] == "body_too_large"
    assert db.session.scalar(select(func.count(Offer.id))) == 0


def test_every_read_carries_an_etag_and_answers_304_when_unchanged(api_for: ApiFor) -> None:
    vendor = factories.isv()
    store = factories.storefront()
    offer = factories.offer(vendor=vendor)
    factories.listing(store, offer)
    db.session.commit()
    reads = [
        (api_for(), f"/storefronts/{store.slug}/catalog"),
        (api_for(), "/openapi.json"),
        (api_for(PrincipalKind.ISV, vendor.id), "/offers"),
        (api_for(PrincipalKind.ISV, vendor.id), "/ledger/balances"),
        (api_for(PrincipalKind.ISV, vendor.id), "/ledger/statements?currency=USD&month=2026-11"),
        (api_for(PrincipalKind.STOREFRONT, store.id), "/storefront"),
        (api_for(PrincipalKind.STOREFRONT, store.id), "/storefront/listings"),
        (api_for(PrincipalKind.STOREFRONT, store.id), "/orders"),
        (api_for(PrincipalKind.STOREFRONT, store.id), "/subscriptions"),
        (api_for(PrincipalKind.PLATFORM), f"/offers/{offer.id}"),
    ]
    for api, path in reads:
        first = api.get(path)
        assert first.status_code == 200, path
        etag = first.headers["ETag"]
        again = api.get(path, headers={"If-None-Match": etag})
        assert again.status_code == 304 and again.data == b"", path


def test_every_post_that_creates_something_takes_an_idempotency_key(api_for: ApiFor) -> None:
    creating = [op for op in registry.operations if op.method == "POST" and op.status == 201]
    assert creating and all(op.creates for op in creating)
    document = api_for().get("/openapi.json").get_json()
    for op in creating:
        parameters = document["paths"][registry.prefix + op.openapi_path]["post"]["parameters"]
        assert any(p["name"] == "Idempotency-Key" for p in parameters), op.endpoint


def test_a_repeated_pick_or_new_plan_with_the_same_key_is_made_once(api_for: ApiFor) -> None:
    vendor = factories.isv()
    draft = factories.offer(vendor=vendor, status=OfferStatus.DRAFT)
    offer = factories.offer()
    store = factories.storefront()
    db.session.commit()
    key = {"Idempotency-Key": "retry-1"}

    isv = api_for(PrincipalKind.ISV, vendor.id)
    body = {"name": "Yearly", "term": "yearly"}
    first = isv.post(f"/offers/{draft.id}/plans", body, headers=key)
    again = isv.post(f"/offers/{draft.id}/plans", body, headers=key)
    assert first.status_code == again.status_code == 201
    assert again.headers["Idempotent-Replayed"] == "true" and first.json == again.json
    plans = select(func.count(Plan.id)).where(Plan.offer_id == draft.id)
    assert db.session.scalar(plans) == 2  # the factory's and one new

    shop = api_for(PrincipalKind.STOREFRONT, store.id)
    picked = shop.post("/storefront/listings", {"offer_id": offer.id}, headers=key)
    replay = shop.post("/storefront/listings", {"offer_id": offer.id}, headers=key)
    assert picked.status_code == replay.status_code == 201
    assert replay.headers["Idempotent-Replayed"] == "true"
    with all_tenants():
        assert db.session.scalar(select(func.count(Listing.id))) == 1
