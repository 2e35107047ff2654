"""A new price reaches existing subscribers from the first renewal at least 30 days after they
were told of it, and they are told when the price changes (not at their next renewal); new
buyers pay it at once."""

from __future__ import annotations

import email
import uuid
from datetime import datetime, timedelta
from email import policy
from email.message import EmailMessage
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from flask_babel import force_locale, gettext
from rq import SimpleWorker
from sqlalchemy import select

from storefront.accounts.models import Role
from storefront.api.models import PrincipalKind
from storefront.catalog.models import Listing
from storefront.catalog.services import (
    approve_revision,
    price_plan,
    set_listing_price,
    set_plan_price,
)
from storefront.extensions import db
from storefront.jobs import job_queue
from storefront.ledger.models import Account, LedgerEntry
from storefront.money import Money
from storefront.orders.cart import price_cart
from storefront.payments import gateway
from storefront.subscriptions.models import Subscription
from storefront.subscriptions.periods import add_months, aware
from storefront.subscriptions.services import Outcome, renew_due
from storefront.tenants.scope import all_tenants, tenant_scope
from storefront.timeutil import utcnow
from tests import factories
from tests.api.client import Api, make_token
from tests.conftest import require_redis
from tests.reseller.dashboard import account, host, sign_in
from tests.shopping import CARD_OK, Shop
from tests.subscriptions.buying import buy, ledger_transactions, period_end, subscriptions

NOTICE = timedelta(days=30)


@pytest.fixture
def outbox(app: Flask) -> Path:
    folder = Path(app.instance_path) / "outbox"
    for leftover in folder.glob("*.eml"):
        leftover.unlink()
    return folder


def price_notices(outbox: Path, subscription: Subscription, store_name: str) -> list[str]:
    """The plain-text bodies of the price-change notices mailed to the subscriber."""
    with force_locale(subscription.locale):
        subject = gettext(
            "A new price for your %(offer)s subscription at %(store)s",
            offer=subscription.offer_name,
            store=store_name,
        )
    found = []
    for path in sorted(outbox.glob("*.eml")):
        message = email.message_from_bytes(path.read_bytes(), policy=policy.default)
        assert isinstance(message, EmailMessage)
        if message["To"] == subscription.billing_email and message["Subject"] == subject:
            part = message.get_body(("plain",))
            assert part is not None
            found.append(part.get_content())
    return found


def bought_days_ago(subscription: Subscription, days: int) -> Subscription:
    """Move the subscription's start `days` back, so its first renewal comes sooner."""
    with tenant_scope(subscription.storefront_id):
        started = aware(subscription.started_at) - timedelta(days=days)
        subscription.started_at = started
        subscription.current_period_start = started
        subscription.current_period_end = add_months(started, subscription.term.months)
        db.session.commit()
    return subscription


def fresh(subscription: Subscription) -> Subscription:
    db.session.expire_all()
    return next(s for s in subscriptions() if s.id == subscription.id)


def mail_listing_id(shop: Shop) -> int:
    with tenant_scope(shop.storefront.id):
        listing_id = db.session.scalar(select(Listing.id).where(Listing.offer_id == shop.mail.id))
    assert listing_id is not None
    return listing_id


def renew_and_charge(subscription: Subscription) -> int:
    """Renew the subscription at its period end; the amount charged."""
    outcome = renew_due(period_end(fresh(subscription)), gateway.provider())
    assert outcome[Outcome.RENEWED] == 1, outcome.summary()
    return ledger_transactions()[-1].entries[0].amount_minor


def assert_notified_now(subscription: Subscription, retail: int, before: datetime) -> datetime:
    subscription = fresh(subscription)
    assert subscription.pending_retail_minor == retail
    assert subscription.price_notified_at is not None
    notified = aware(subscription.price_notified_at)
    assert before <= notified <= utcnow()
    return notified


def assert_charged_after_notice(subscription: Subscription, notified: datetime, new: int) -> None:
    """Bought 20 days ago: the renewal in about 10 days is before the notice has run and
    charges the old price; the one after it (about 40 days) charges the new one."""
    first_due = period_end(fresh(subscription))
    assert first_due < notified + NOTICE
    assert renew_and_charge(subscription) == 1000
    assert fresh(subscription).pending_retail_minor == new  # still waiting
    assert period_end(fresh(subscription)) >= notified + NOTICE
    assert renew_and_charge(subscription) == new
    renewed = fresh(subscription)
    assert (renewed.unit_retail_minor, renewed.pending_retail_minor) == (new, None)


def isv_part_of_last_charge() -> int:
    with all_tenants():
        entry = db.session.scalars(
            select(LedgerEntry)
            .where(LedgerEntry.account == Account.ISV_PAYABLE)
            .order_by(LedgerEntry.id.desc())
        ).first()
    assert entry is not None
    return -entry.amount_minor


def signed_in_reseller(client: FlaskClient, shop: Shop) -> str:
    account(shop.storefront, email="owner@yen.test")
    db.session.commit()
    return sign_in(client, shop.storefront, "owner@yen.test")


def set_price_on_dashboard(client: FlaskClient, shop: Shop, csrf: str, price: str) -> None:
    response = client.post(
        f"/reseller/listings/{mail_listing_id(shop)}/plans/{shop.mail.plans[0].id}/price",
        data={"csrf_token": csrf, "price": price},
        headers=host(shop.storefront),
    )
    assert response.status_code == 302, response.text


def test_a_price_set_on_the_dashboard_is_mailed_at_once_and_charged_after_notice(
    app: Flask, client: FlaskClient, shop: Shop, localstripe_url: str, outbox: Path
) -> None:
    buy(shop, localstripe_url, CARD_OK, mail_seats=1, backup_seats=0)
    subscription = bought_days_ago(subscriptions()[0], 20)
    csrf = signed_in_reseller(client, shop)
    before = utcnow()

    set_price_on_dashboard(client, shop, csrf, "1500")

    notified = assert_notified_now(subscription, 1500, before)
    [notice] = price_notices(outbox, subscription, shop.storefront.name)
    assert "1,500" in notice and "1,000" in notice
    plan = shop.mail.plans[0]
    assert price_cart(shop.storefront, {plan.id: 1}).total == Money(1500, "JPY")  # new buyers

    assert_charged_after_notice(subscription, notified, 1500)
    # the engine's check at renewal saw the change already noted: no second notice
    assert len(price_notices(outbox, subscription, shop.storefront.name)) == 1
    buy(shop, localstripe_url, CARD_OK, mail_seats=1, backup_seats=0)
    newcomer = subscriptions()[-1]
    assert (newcomer.unit_retail_minor, newcomer.pending_retail_minor) == (1500, None)


def test_a_price_set_through_the_api_is_mailed_at_once_and_a_second_change_restarts_notice(
    app: Flask, shop: Shop, localstripe_url: str, outbox: Path
) -> None:
    buy(shop, localstripe_url, CARD_OK, mail_seats=1, backup_seats=0)
    subscription = bought_days_ago(subscriptions()[0], 20)
    api = Api(app.test_client(), make_token(PrincipalKind.STOREFRONT, shop.storefront.id))
    path = f"/storefront/listings/{mail_listing_id(shop)}/prices/{shop.mail.plans[0].id}"
    before = utcnow()

    response = api.send("PUT", path, {"price": {"amount": 1500, "currency": "JPY"}})
    assert response.status_code == 200, response.text
    first = assert_notified_now(subscription, 1500, before)
    assert len(price_notices(outbox, subscription, shop.storefront.name)) == 1

    response = api.send("PUT", path, {"price": {"amount": 1800, "currency": "JPY"}})
    assert response.status_code == 200, response.text
    second = assert_notified_now(subscription, 1800, first)
    notices = price_notices(outbox, subscription, shop.storefront.name)
    assert len(notices) == 2 and "1,800" in notices[-1]

    assert_charged_after_notice(subscription, second, 1800)


def test_going_back_to_the_subscribers_price_before_it_applies_clears_the_change(
    client: FlaskClient, shop: Shop, localstripe_url: str, outbox: Path
) -> None:
    buy(shop, localstripe_url, CARD_OK, mail_seats=1, backup_seats=0)
    subscription = bought_days_ago(subscriptions()[0], 20)
    csrf = signed_in_reseller(client, shop)
    set_price_on_dashboard(client, shop, csrf, "1500")
    assert fresh(subscription).pending_retail_minor == 1500

    set_price_on_dashboard(client, shop, csrf, "")  # back to the recommended 1,000

    reverted = fresh(subscription)
    assert (reverted.pending_retail_minor, reverted.price_notified_at) == (None, None)
    assert [renew_and_charge(subscription) for _ in range(2)] == [1000, 1000]
    assert len(price_notices(outbox, subscription, shop.storefront.name)) == 1


def test_an_isv_wholesale_change_approved_in_a_revision_is_recorded_without_mailing(
    shop: Shop, localstripe_url: str, outbox: Path
) -> None:
    buy(shop, localstripe_url, CARD_OK, mail_seats=1, backup_seats=0)
    subscription = bought_days_ago(subscriptions()[0], 20)
    vendor = factories.user(Role.ISV_MEMBER, isv_id=shop.mail.isv_id)
    admin = factories.user(Role.PLATFORM_ADMIN)
    plan = shop.mail.plans[0]
    revision = price_plan(vendor, shop.mail.id, plan.id, "JPY", 400, 1000)
    assert revision is not None
    db.session.commit()
    assert fresh(subscription).pending_wholesale_minor is None  # not live until approved
    before = utcnow()

    approve_revision(admin, revision.id)
    db.session.commit()

    noted = fresh(subscription)
    assert (noted.pending_retail_minor, noted.pending_wholesale_minor) == (1000, 400)
    assert noted.price_notified_at is not None and aware(noted.price_notified_at) >= before
    assert price_notices(outbox, subscription, shop.storefront.name) == []
    isv_parts = []
    for _ in range(2):
        renew_and_charge(subscription)
        isv_parts.append(isv_part_of_last_charge())
    assert isv_parts == [333, 400]  # the renewal in ~10 days is before the notice has run
    assert price_notices(outbox, subscription, shop.storefront.name) == []


def test_another_storefronts_subscribers_are_untouched(
    shop: Shop, localstripe_url: str, outbox: Path
) -> None:
    other_store = factories.storefront(slug="zen", currency="JPY", locale="ja")
    factories.listing(other_store, shop.mail)
    factories.listing(other_store, shop.backup)
    other_buyer = factories.user(
        Role.BUYER, email="other@example.com", storefront_id=other_store.id
    )
    db.session.commit()
    other = Shop(other_store, other_buyer, shop.mail, shop.backup)
    buy(shop, localstripe_url, CARD_OK, mail_seats=1, backup_seats=0)
    buy(other, localstripe_url, CARD_OK, mail_seats=1, backup_seats=0)
    mine, theirs = subscriptions()
    assert theirs.storefront_id == other_store.id

    with tenant_scope(shop.storefront.id):
        listing = db.session.get(Listing, mail_listing_id(shop))
        assert listing is not None
        set_listing_price(shop.storefront, listing, shop.mail.plans[0], 1500)
    db.session.commit()

    assert fresh(mine).pending_retail_minor == 1500
    untouched = fresh(theirs)
    assert (untouched.pending_retail_minor, untouched.price_notified_at) == (None, None)
    assert price_notices(outbox, untouched, other_store.name) == []
    assert price_cart(other_store, {shop.mail.plans[0].id: 1}).total == Money(1000, "JPY")


def test_with_redis_the_change_is_queued_and_workers_note_it_in_batches(
    app: Flask,
    shop: Shop,
    localstripe_url: str,
    outbox: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    redis_url = require_redis()
    for _ in range(3):
        buy(shop, localstripe_url, CARD_OK, mail_seats=1, backup_seats=0)
    monkeypatch.setitem(app.config, "REDIS_URL", redis_url)
    monkeypatch.setitem(app.config, "JOBS_QUEUE", f"test-{uuid.uuid4().hex}")
    monkeypatch.setitem(app.config, "RENEWAL_BATCH_SIZE", 2)
    queue = job_queue(app)
    try:
        with tenant_scope(shop.storefront.id):
            listing = db.session.get(Listing, mail_listing_id(shop))
            assert listing is not None
            set_listing_price(shop.storefront, listing, shop.mail.plans[0], 1500)
        db.session.commit()
        # the committing process queued one job and did nothing per subscription
        assert queue.count == 1
        assert [s.pending_retail_minor for s in subscriptions()] == [None, None, None]
        SimpleWorker([queue], connection=queue.connection).work(burst=True)
        assert queue.count == 0
    finally:
        queue.delete(delete_jobs=True)
    assert [s.pending_retail_minor for s in subscriptions()] == [1500, 1500, 1500]
    # one notice per subscription (the three are the same buyer's)
    assert len(price_notices(outbox, subscriptions()[0], shop.storefront.name)) == 3


def test_a_wholesale_change_under_a_notified_retail_change_keeps_that_notice(
    shop: Shop, localstripe_url: str, outbox: Path
) -> None:
    buy(shop, localstripe_url, CARD_OK, mail_seats=1, backup_seats=0)
    subscription = subscriptions()[0]
    plan = shop.mail.plans[0]
    with tenant_scope(shop.storefront.id):
        listing = db.session.get(Listing, mail_listing_id(shop))
        assert listing is not None
        set_listing_price(shop.storefront, listing, plan, 1500)
    db.session.commit()
    told_at = fresh(subscription).price_notified_at

    set_plan_price(plan, "JPY", 400, 1000)  # what an approved revision does
    db.session.commit()

    noted = fresh(subscription)
    assert (noted.pending_retail_minor, noted.pending_wholesale_minor) == (1500, 400)
    assert noted.price_notified_at == told_at  # the buyer's notice still runs from then
    assert len(price_notices(outbox, subscription, shop.storefront.name)) == 1
