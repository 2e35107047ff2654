"""Schemathesis against /api/v1/openapi.json through the app's WSGI interface: generated
requests for every operation (a bounded number each) get no 5xx and only responses that
the document describes (status, content type, body schema)."""

from __future__ import annotations

import contextvars
from typing import Any

import pytest
from flask import Flask
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from storefront.api.models import PrincipalKind
from storefront.catalog.models import OfferStatus
from storefront.extensions import db
from tests import factories
from tests.api.client import make_token

schemathesis = pytest.importorskip("schemathesis")
from schemathesis import checks as schemathesis_checks  # noqa: E402

EXAMPLES_PER_OPERATION = 10


def test_generated_requests_get_documented_answers_and_no_server_error(
    app: Flask, app_context: None
) -> None:
    vendor = factories.isv()
    store = factories.storefront(slug="fuzz")
    factories.listing(store, factories.offer(vendor=vendor))
    factories.offer(vendor=vendor, status=OfferStatus.SUBMITTED)
    db.session.commit()
    tokens = [
        make_token(PrincipalKind.PLATFORM, None),
        make_token(PrincipalKind.ISV, vendor.id),
        make_token(PrincipalKind.STOREFRONT, store.id),
    ]
    app.config["RATELIMIT_API"] = "100000 per minute"
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    checks = [
        schemathesis_checks.not_a_server_error,
        schemathesis_checks.status_code_conformance,
        schemathesis_checks.content_type_conformance,
        schemathesis_checks.response_schema_conformance,
    ]
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 20
    try:
        for operation in operations:

            @settings(
                max_examples=EXAMPLES_PER_OPERATION,
                deadline=None,
                database=None,
                derandomize=True,
                suppress_health_check=list(HealthCheck),
            )
            @given(case=operation.as_strategy(), token=st.sampled_from(tokens))
            def exercise(case: Any, token: str) -> None:
                headers = {"Authorization": f"Bearer {token}", "Host": "localhost"}
                # A fresh context per request, as a server has: the test's app context and
                # tenant scope never leak into it.
                contextvars.Context().run(case.call_and_validate, headers=headers, checks=checks)

            exercise()
    finally:
        app.config["RATELIMIT_API"] = "600 per minute"
