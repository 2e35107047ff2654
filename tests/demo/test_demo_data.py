"""The demo marketplace shows every listing rule at work."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from flask.testing import FlaskClient
from sqlalchemy import func, select

from storefront.catalog.models import ApplicationType, BillingTerm, Offer, OfferStatus
from storefront.demo.data import load_demo
from storefront.extensions import db
from storefront.tenants.models import Storefront

pytestmark = pytest.mark.usefixtures("app_context")


def slugs(client: FlaskClient, host: str) -> set[str]:
    response = client.get("/", headers={"Host": host})
    assert response.status_code == 200
    return set(re.findall(r'data-offer="([^"]+)"', response.text))


@pytest.fixture
def demo(app_context: None, tmp_path: Path) -> None:
    load_demo(tmp_path)
    db.session.commit()


@pytest.mark.usefixtures("demo")
def test_demo_covers_types_terms_and_statuses() -> None:
    offers = db.session.scalars(select(Offer)).all()
    assert len(offers) >= 12
    assert {offer.application_type for offer in offers} == set(ApplicationType)
    assert {plan.term for offer in offers for plan in offer.plans} == set(BillingTerm)
    assert {OfferStatus.DRAFT, OfferStatus.SUBMITTED, OfferStatus.REJECTED} <= {
        o.status for o in offers
    }
    assert (
        db.session.scalar(
            select(func.count(Storefront.id)).where(Storefront.operator_id.is_not(None))
        )
        == 2
    )


@pytest.mark.usefixtures("demo")
def test_demo_storefronts_list_different_offers(client: FlaskClient) -> None:
    acme, sakura = slugs(client, "acme.localhost"), slugs(client, "sakura.localhost")
    assert acme and sakura and acme != sakura
    # Acme's own price for the site scanner fails the margin after the ISV raised wholesale
    assert "fortress-scan" not in acme and "fortress-scan" in sakura
    # never picked, or not approved: nowhere
    for hidden in (
        "nimbus-meet",
        "quill-analytics",
        "nimbus-chat",
        "fortress-vault",
        "quill-forms",
    ):
        assert hidden not in acme | sakura
    closed = client.get("/", headers={"Host": "berlin.localhost"})
    assert closed.status_code == 404
    assert "Dieser Shop" in closed.text or "not open" in closed.text


@pytest.mark.usefixtures("demo")
def test_demo_hides_only_the_plan_whose_price_fails(client: FlaskClient) -> None:
    page = client.get("/offers/quill-shop", headers={"Host": "acme.localhost"}).text
    assert len(re.findall(r'data-testid="plan"', page)) == 2
    page = client.get("/offers/quill-shop", headers={"Host": "sakura.localhost"}).text
    assert len(re.findall(r'data-testid="plan"', page)) == 3
    assert "￥" in page


def test_demo_data_command_loads_once_and_resets(app, client: FlaskClient) -> None:  # type: ignore[no-untyped-def]
    runner = app.test_cli_runner()
    assert "Demo data loaded." in runner.invoke(args=["demo-data"]).output
    assert "already loaded" in runner.invoke(args=["demo-data"]).output
    assert "Demo data loaded." in runner.invoke(args=["demo-data", "--reset"]).output
    assert len(slugs(client, "acme.localhost")) == 8
    assert len(slugs(client, "sakura.localhost")) == 6
