"""Rows locked once per transaction, and the statements a payment and a renewal cost: a
regression guard for the figures `bench/checkout.py` and `bench/renewals.py` measure."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator

import pytest
from flask import Flask
from sqlalchemy import select

from storefront import locks
from storefront.extensions import db
from storefront.jobs import job_queue
from storefront.payments import gateway
from storefront.payments.models import Payment, PaymentStatus
from storefront.payments.services import execute, lock_payment, prepare
from storefront.subscriptions.services import Outcome, renew_subscriptions
from storefront.tenants.scope import all_tenants, tenant_scope
from tests.shopping import CARD_OK, Shop, card, order_for
from tests.subscriptions.buying import buy, only_subscription, period_end, subscriptions

REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/0")


def _selects_of(statements: list[str], table: str) -> list[str]:
    return [s for s in statements if s.lstrip().startswith("SELECT") and f"FROM {table}" in s]


def test_a_row_is_locked_once_per_transaction(
    shop: Shop, localstripe_url: str, query_counter: list[str]
) -> None:
    order = order_for(shop)
    payment = prepare(order, payment_method=card(localstripe_url, CARD_OK), attempt="a-1")
    payment_id, order_id = payment.id, order.id
    db.session.commit()
    with tenant_scope(shop.storefront.id):
        query_counter.clear()
        first, first_order = lock_payment(payment_id)
        again, again_order = lock_payment(payment_id)
        db.session.flush()  # a flush is not the end of the transaction
        third = locks.lock(Payment, payment_id)
        assert (again, again_order, third) == (first, first_order, first)
        assert first_order.id == order_id
        assert len(query_counter) == 1  # payment and order in one statement, once
        locked = [s for s in query_counter if "FOR UPDATE" in s]
        assert len(locked) == (1 if db.engine.dialect.name == "postgresql" else 0)
        db.session.commit()
        query_counter.clear()
        locks.lock(Payment, payment_id)  # a new transaction locks it again
        assert len(_selects_of(query_counter, "payments")) == 1
        db.session.rollback()
        assert not locks.is_held(Payment, payment_id)


def test_a_lock_ends_with_a_savepoint(shop: Shop, localstripe_url: str) -> None:
    order = order_for(shop)
    payment = prepare(order, payment_method=card(localstripe_url, CARD_OK), attempt="a-1")
    db.session.commit()
    with tenant_scope(shop.storefront.id):
        savepoint = db.session.begin_nested()
        locks.lock(Payment, payment.id)
        assert locks.is_held(Payment, payment.id)
        savepoint.rollback()
        assert not locks.is_held(Payment, payment.id)
        db.session.rollback()


def _round_trips(statements: list[str]) -> list[str]:
    """The statements, with a run of the same INSERT counted once: PostgreSQL sends it as one
    INSERT ... VALUES (...), (...) (insertmanyvalues), SQLite row by row."""
    trips: list[str] = []
    for statement in statements:
        if not (statement.startswith("INSERT") and trips and trips[-1] == statement):
            trips.append(statement)
    return trips


@pytest.fixture
def queued_jobs(app: Flask, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Receipts and webhook deliveries queued in Redis for the workers, as at scale, so that
    only the payment's own statements are counted."""
    monkeypatch.setitem(app.config, "REDIS_URL", REDIS_URL)
    monkeypatch.setitem(app.config, "JOBS_QUEUE", f"test-{uuid.uuid4().hex}")
    yield
    job_queue(app).delete(delete_jobs=True)


def test_a_card_payment_costs_a_bounded_number_of_statements(
    shop: Shop, localstripe_url: str, query_counter: list[str], queued_jobs: None
) -> None:
    order = order_for(shop)  # two subscription lines of two ISVs
    payment = prepare(order, payment_method=card(localstripe_url, CARD_OK), attempt="a-1")
    db.session.commit()
    query_counter.clear()
    assert execute(payment, gateway.provider())
    db.session.commit()
    # payment and order locked together (with its lines and the renewal it may pay), two
    # updates, saved card, per line a subscription, a key and its offer, endpoints once per
    # owner, the posting
    trips = _round_trips(query_counter)
    assert len(trips) <= 15, "\n".join(trips)
    assert not _selects_of(query_counter, "order_lines")  # read with the lock
    assert len(_selects_of(query_counter, "payments")) == 1
    assert not _selects_of(query_counter, "subscription_renewals")  # read with the lock
    assert not _selects_of(query_counter, "ledger_transactions")  # no re-check of the posting
    assert len(_selects_of(query_counter, "storefront_webhook_endpoints")) == 1
    with all_tenants():
        status = db.session.scalar(select(Payment.status).where(Payment.id == payment.id))
    assert status == PaymentStatus.SUCCEEDED


def test_a_renewal_costs_a_bounded_number_of_statements(
    shop: Shop, localstripe_url: str, query_counter: list[str], queued_jobs: None
) -> None:
    buy(shop, localstripe_url, CARD_OK, mail_seats=1, backup_seats=0)
    subscription = only_subscription()
    due = period_end(subscription)
    query_counter.clear()
    summary = renew_subscriptions([subscription.id], due, gateway.provider())
    assert summary[Outcome.RENEWED] == 1, summary.summary()
    # 3 for the batch's terms; 7 to record the attempts (locks, renewal orders, prices,
    # inserts); 10 to charge them and begin their next periods (one lock statement for the
    # attempts with their orders, renewals and subscriptions, the orders' lines, the offers,
    # three updates, webhooks' endpoints once per owner, the posting)
    trips = _round_trips(query_counter)
    assert len(trips) <= 20, "\n".join(trips)
    assert len(_selects_of(query_counter, "subscriptions")) == 2  # terms, batch lock
    charge_locks = _selects_of(query_counter, "payments")
    assert len(charge_locks) == 1 and "JOIN subscriptions" in charge_locks[0]
    assert len(_selects_of(query_counter, "storefront_webhook_endpoints")) == 1
    assert not _selects_of(query_counter, "orders")  # the renewal order is never re-read
    assert only_subscription().period == 2


def test_a_batch_records_its_renewals_together(
    shop: Shop, localstripe_url: str, query_counter: list[str], queued_jobs: None
) -> None:
    buy(shop, localstripe_url, CARD_OK, mail_seats=1, backup_seats=1)
    due = max(period_end(subscription) for subscription in subscriptions())
    query_counter.clear()
    summary = renew_subscriptions([sub.id for sub in subscriptions()], due, gateway.provider())
    assert summary[Outcome.RENEWED] == 2, summary.summary()
    # the storefront, the price and the renewal orders are read, the orders written, the
    # attempts locked and applied, once for the batch; only the provider calls are per
    # subscription
    for table in ("storefronts", "listings", "subscription_renewals", "payments"):
        assert len(_selects_of(query_counter, table)) == 1, table
    inserts = [q for q in query_counter if q.startswith(("INSERT INTO orders", "UPDATE orders"))]
    if db.engine.dialect.name == "postgresql":  # one INSERT ... RETURNING, one executemany
        assert len(inserts) == 2
    # a second subscription adds no statement: its look-ups, updates and posting go with the
    # first's (the first statement counted is this test's own list of subscriptions)
    trips = _round_trips(query_counter)
    assert len(trips) <= 1 + 20, "\n".join(trips)
    assert [sub.period for sub in subscriptions()] == [2, 2]
