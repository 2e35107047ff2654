"""Faults: a crash between the provider's success and our commit, two runs at once on
PostgreSQL, the RQ path and the cron command; price changes made where nothing noticed them
(see test_price_notice) still reach subscribers after notice, from the renewal."""

from __future__ import annotations

import os
import threading
import uuid
from datetime import timedelta
from pathlib import Path

import pytest
from flask import Flask
from rq import SimpleWorker
from sqlalchemy import event, select, update

from storefront.catalog.models import PlanPrice
from storefront.extensions import db
from storefront.money import Money
from storefront.orders.cart import price_cart
from storefront.orders.models import Order
from storefront.payments import gateway
from storefront.payments import services as payment_services
from storefront.payments.models import Payment
from storefront.subscriptions.periods import add_months, aware
from storefront.subscriptions.services import (
    Outcome,
    _prepare,
    renew_due,
    renew_subscriptions,
    schedule_renewals,
)
from storefront.tenants.scope import all_tenants, tenant_scope
from tests.conftest import REDIS_URL, require_redis
from tests.shopping import CARD_OK, Shop
from tests.subscriptions.buying import (
    buy,
    ledger_transactions,
    only_subscription,
    period_end,
    renewal_charges_at_stripe,
    subscriptions,
)


def test_a_crash_after_the_provider_charged_is_reconciled_not_charged_again(
    shop: Shop, localstripe_url: str
) -> None:
    buy(shop, localstripe_url, CARD_OK, mail_seats=1, backup_seats=0)
    subscription = only_subscription()
    due = period_end(subscription)
    customer = subscription.customer_reference or ""
    with tenant_scope(shop.storefront.id):
        step = _prepare(subscription.id, due)  # the attempt is recorded and committed...
        db.session.commit()
        payment = db.session.get(Payment, step.payment_id)
        assert payment is not None
        gateway.provider().charge(  # ...the provider charges, and the process dies
            amount=Money(payment.amount_minor, payment.currency),
            payment_method=payment.payment_method,
            idempotency_key=payment.idempotency_key,
            metadata={"payment_id": str(payment.id)},
            customer=customer,
            off_session=True,
        )
        db.session.rollback()
    assert renewal_charges_at_stripe(localstripe_url, customer) == 2

    summary = renew_due(due, gateway.provider())
    assert summary[Outcome.RENEWED] == 1, summary.summary()
    assert renewal_charges_at_stripe(localstripe_url, customer) == 2  # no second charge
    assert only_subscription().period == 2
    assert len(ledger_transactions()) == 2


def test_a_batch_whose_charges_fail_to_apply_goes_alone_and_charges_once(
    shop: Shop, localstripe_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    buy(shop, localstripe_url, CARD_OK, mail_seats=1, backup_seats=1)
    subscribed = subscriptions()
    due = max(period_end(sub) for sub in subscribed)
    customer = only_customer()
    posted: list[int] = []
    real_post_charge = payment_services.post_charge

    def post_charge_failing_once(order: Order, payment: Payment, **kwargs: bool) -> object:
        posted.append(payment.id)
        if len(posted) == 2:  # the batch's second posting: both are charged at the provider
            raise RuntimeError("the database went away")
        return real_post_charge(order, payment, **kwargs)

    monkeypatch.setattr(payment_services, "post_charge", post_charge_failing_once)
    summary = renew_subscriptions([sub.id for sub in subscribed], due, gateway.provider())

    # the batch's transaction was rolled back; each renewal then went alone, found its charge
    # at the provider (the attempt may have been charged) and applied it: no second charge
    assert summary[Outcome.RENEWED] == 2, summary.summary()
    assert len(posted) == 2 + 2
    assert renewal_charges_at_stripe(localstripe_url, customer) == 1 + 2
    assert [sub.period for sub in subscriptions()] == [2, 2]
    assert len(ledger_transactions()) == 1 + 2


def test_charges_committed_one_at_a_time_renew_the_same(
    app: Flask, shop: Shop, localstripe_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(app.config, "RENEWAL_COMMIT_SECONDS", 0)  # a commit after each charge
    buy(shop, localstripe_url, CARD_OK, mail_seats=1, backup_seats=1)
    subscribed = subscriptions()
    due = max(period_end(sub) for sub in subscribed)
    commits: list[object] = []
    event.listen(db.session(), "after_commit", commits.append)
    summary = renew_subscriptions([sub.id for sub in subscribed], due, gateway.provider())
    assert summary[Outcome.RENEWED] == 2, summary.summary()
    assert len(commits) == 1 + 2  # the batch's attempts, then each charge
    assert [sub.period for sub in subscriptions()] == [2, 2]
    assert renewal_charges_at_stripe(localstripe_url, only_customer()) == 1 + 2


@pytest.mark.skipif(
    not os.environ.get("DATABASE_URL", "").startswith("postgres"),
    reason="row locks: the concurrency guarantee is PostgreSQL's (SQLite runs one process)",
)
def test_two_runs_at_the_same_moment_charge_once(
    app: Flask, shop: Shop, localstripe_url: str
) -> None:
    buy(shop, localstripe_url, CARD_OK, mail_seats=1, backup_seats=1)
    due = max(period_end(sub) for sub in subscriptions())
    customer = only_customer()
    start = threading.Barrier(2)
    results: list[str] = []

    def run() -> None:
        with app.app_context(), all_tenants():
            start.wait()
            results.append(renew_due(due, gateway.provider()).summary())
            db.session.remove()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert len(results) == 2, results
    db.session.expire_all()
    # At the yearly plan's end the monthly one is due for many periods: each run moves each
    # subscription one step, so it may be renewed once or twice, but every period it moved
    # to was charged and posted exactly once, whoever of the two runs did it.
    monthly, yearly = [sub.period for sub in subscriptions()]
    assert 2 <= monthly <= 3 and yearly == 2
    renewed = (monthly - 1) + (yearly - 1)
    assert len(ledger_transactions()) == 1 + renewed  # the purchase and each renewed period
    assert renewal_charges_at_stripe(localstripe_url, customer) == 1 + renewed


def only_customer() -> str:
    (customer,) = {sub.customer_reference for sub in subscriptions()}
    return customer or ""


def test_with_redis_renewals_are_queued_in_batches_for_workers(
    app: Flask, shop: Shop, localstripe_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    require_redis(REDIS_URL)
    buy(shop, localstripe_url, CARD_OK, mail_seats=1, backup_seats=0)
    due = period_end(only_subscription())
    monkeypatch.setitem(app.config, "REDIS_URL", REDIS_URL)
    monkeypatch.setitem(app.config, "JOBS_QUEUE", f"test-{uuid.uuid4().hex}")
    from storefront.jobs import job_queue

    queue = job_queue(app)
    try:
        assert schedule_renewals(due) == 1
        assert queue.count == 1 and len(ledger_transactions()) == 1  # queued, not run
        SimpleWorker([queue], connection=queue.connection).work(burst=True)
        assert queue.count == 0
    finally:
        queue.delete(delete_jobs=True)
    db.session.expire_all()
    assert only_subscription().period == 2
    assert len(ledger_transactions()) == 2


def test_the_cron_command_renews_what_is_due(app: Flask, shop: Shop, localstripe_url: str) -> None:
    buy(shop, localstripe_url, CARD_OK, mail_seats=1, backup_seats=0)
    due = period_end(only_subscription())
    runner = app.test_cli_runner()
    early = runner.invoke(args=["renew", "--at", (due - timedelta(hours=1)).isoformat()])
    assert early.exit_code == 0 and "0 renewed" in early.output
    result = runner.invoke(args=["renew", "--at", due.isoformat()])
    assert result.exit_code == 0, result.output
    assert "1 renewed" in result.output
    assert runner.invoke(args=["renew", "--at", "yesterday"]).exit_code != 0
    db.session.expire_all()
    assert only_subscription().period == 2


def reprice_in_bulk(plan_id: int, **prices: int) -> None:
    """A price change by a bulk statement, which the session's change tracking never sees
    (`subscriptions.price_changes`): only the renewal engine's own check notices it."""
    db.session.execute(update(PlanPrice).where(PlanPrice.plan_id == plan_id).values(**prices))
    db.session.commit()


def test_a_price_change_unseen_when_made_is_noticed_at_renewal_and_applies_after_notice(
    app: Flask, shop: Shop, localstripe_url: str
) -> None:
    buy(shop, localstripe_url, CARD_OK, mail_seats=1, backup_seats=0)
    plan = shop.mail.plans[0]
    reprice_in_bulk(plan.id, recommended_retail_minor=1500)
    assert price_cart(shop.storefront, {plan.id: 1}).total == Money(1500, "JPY")  # new buyers
    assert only_subscription().pending_retail_minor is None  # nobody told yet

    charged: list[int] = []
    notified_at = None
    for _ in range(4):
        subscription = only_subscription()
        due = period_end(subscription)
        assert renew_due(due, gateway.provider())[Outcome.RENEWED] == 1
        charged.append(ledger_transactions()[-1].entries[0].amount_minor)
        subscription = only_subscription()
        if notified_at is None:
            assert subscription.price_notified_at is not None
            notified_at = aware(subscription.price_notified_at)
            assert notified_at == due
    # the first renewal is at the old price and notifies; the new price applies from the first
    # renewal at least 30 days after the notice
    started = aware(only_subscription().started_at)
    dues = [add_months(started, month) for month in range(1, 5)]
    expected = [1500 if due >= notified_at + timedelta(days=30) else 1000 for due in dues]
    assert charged == expected
    assert charged[0] == 1000 and charged[-1] == 1500
    outbox = (Path(app.instance_path) / "outbox").glob("*.eml")
    assert any("1,500" in path.read_text() or "1500" in path.read_text() for path in outbox)


def test_a_wholesale_change_alone_unseen_when_made_applies_after_notice_without_mailing(
    app: Flask, shop: Shop, localstripe_url: str
) -> None:
    from storefront.ledger.models import Account, LedgerEntry

    buy(shop, localstripe_url, CARD_OK, mail_seats=1, backup_seats=0)
    reprice_in_bulk(shop.mail.plans[0].id, wholesale_minor=400)  # the ISV's new wholesale price
    outbox = Path(app.instance_path) / "outbox"
    mails_before = len(list(outbox.glob("*.eml")))
    isv_parts = []
    for _ in range(3):
        assert renew_due(period_end(only_subscription()), gateway.provider()).processed == 1
        with all_tenants():
            entry = db.session.scalars(
                select(LedgerEntry)
                .where(LedgerEntry.account == Account.ISV_PAYABLE)
                .order_by(LedgerEntry.id.desc())
            ).first()
        assert entry is not None
        isv_parts.append(-entry.amount_minor)
    assert isv_parts[0] == 333 and isv_parts[-1] == 400
    # three receipts, no price-change notice: the buyer's price did not change
    assert len(list(outbox.glob("*.eml"))) == mails_before + 3
