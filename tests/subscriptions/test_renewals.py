"""The renewal engine against localstripe with the clock passed in: monthly renewals split
like purchases, dunning and restoration, long terms, and each period charged once."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from flask import Flask
from sqlalchemy import func, select

from storefront.catalog.models import BillingTerm, OfferStatus
from storefront.extensions import db
from storefront.ledger.models import Account, LedgerEntry
from storefront.ledger.services import unbalanced_transactions
from storefront.orders.models import OrderStatus
from storefront.payments import gateway
from storefront.payments.models import Payment, PaymentStatus
from storefront.subscriptions.models import (
    LicenseKey,
    LicenseStatus,
    SubscriptionRenewal,
    SubscriptionStatus,
)
from storefront.subscriptions.periods import add_months, aware
from storefront.subscriptions.services import Outcome, renew_due
from storefront.tenants.scope import all_tenants
from tests import factories
from tests.shopping import CARD_DECLINED, CARD_OK, Shop
from tests.subscriptions.buying import (
    buy,
    ledger_transactions,
    only_subscription,
    period_end,
    renewal_charges_at_stripe,
    replace_card,
    subscriptions,
)


def entries(transaction_id: int) -> dict[tuple[Account, int | None], int]:
    rows = db.session.execute(
        select(LedgerEntry.account, LedgerEntry.party_id, LedgerEntry.amount_minor).where(
            LedgerEntry.transaction_id == transaction_id
        )
    ).all()
    return {(account, party): amount for account, party, amount in rows}


def outbox(app: Flask) -> list[str]:
    folder = Path(app.instance_path) / "outbox"
    if not folder.exists():
        return []
    return [path.read_text() for path in sorted(folder.glob("*.eml"))]


def keys_status() -> set[LicenseStatus]:
    with all_tenants():
        return set(db.session.scalars(select(LicenseKey.status)))


def test_a_monthly_plan_renews_twelve_times_each_split_like_a_purchase(
    shop: Shop, localstripe_url: str
) -> None:
    buy(shop, localstripe_url, CARD_OK, mail_seats=3, backup_seats=0)
    subscription = only_subscription()
    assert subscription.term == BillingTerm.MONTHLY and subscription.quantity == 3
    assert subscription.card_brand == "Visa" and subscription.card_last4 == "4242"
    started = subscription.started_at
    store = shop.storefront
    for month in range(1, 13):
        if month == 7:  # the reseller's rate changes: renewals from now on use the new one
            store.commission_rate_bp = 4000
            db.session.commit()
        due = period_end(subscription)
        summary = renew_due(due, gateway.provider())
        assert summary[Outcome.RENEWED] == 1, summary.summary()
        subscription = only_subscription()
        assert subscription.period == month + 1
        assert subscription.status == SubscriptionStatus.ACTIVE
        assert period_end(subscription) == add_months(aware(started), month + 1)

    transactions = ledger_transactions()
    assert len(transactions) == 13  # the purchase and twelve renewals
    assert unbalanced_transactions() == []
    for number, transaction in enumerate(transactions[1:], start=1):
        parts = entries(transaction.id)
        assert parts[(Account.PROCESSOR_CLEARING, None)] == 3000
        assert parts[(Account.ISV_PAYABLE, shop.mail.isv_id)] == -999
        margin = 3000 - 999
        rate = 3000 if number < 7 else 4000
        reseller = -parts[(Account.RESELLER_PAYABLE, store.id)]
        assert reseller == round(margin * rate / 10000), number
        assert -parts[(Account.OPERATOR_PAYABLE, store.operator_id)] == round(margin * 0.05)
        assert sum(parts.values()) == 0
    with all_tenants():
        renewals = db.session.scalars(select(SubscriptionRenewal)).all()
        assert sorted(r.period for r in renewals) == list(range(2, 14))
        assert all(r.order.status == OrderStatus.PAID for r in renewals)
    assert renewal_charges_at_stripe(localstripe_url, subscription.customer_reference or "") == 13


def test_running_twice_for_the_same_moment_charges_once(shop: Shop, localstripe_url: str) -> None:
    buy(shop, localstripe_url, CARD_OK, mail_seats=1, backup_seats=0)
    due = period_end(only_subscription())
    assert renew_due(due - timedelta(seconds=1), gateway.provider()).processed == 0
    assert renew_due(due, gateway.provider())[Outcome.RENEWED] == 1
    assert renew_due(due, gateway.provider()).processed == 0
    assert len(ledger_transactions()) == 2
    with all_tenants():
        assert db.session.scalar(select(func.count(Payment.id))) == 2


def test_a_declined_renewal_is_retried_then_suspended_and_paying_restores_it(
    app: Flask, shop: Shop, localstripe_url: str
) -> None:
    buy(shop, localstripe_url, CARD_OK, mail_seats=2, backup_seats=0)
    replace_card(shop, localstripe_url, only_subscription(), CARD_DECLINED)
    due = period_end(only_subscription())
    sent_before = len(outbox(app))

    assert renew_due(due, gateway.provider())[Outcome.FAILED] == 1
    subscription = only_subscription()
    assert subscription.status == SubscriptionStatus.PAST_DUE
    assert keys_status() == {LicenseStatus.SUSPENDED}
    mails = outbox(app)[sent_before:]
    assert len(mails) == 1 and "yen.localhost" in mails[0]
    assert f"/account/subscriptions/{subscription.id}/card" in mails[0]

    # retried after 1, 3 and 7 days (counted from the first failure), not in between
    assert renew_due(due + timedelta(hours=23), gateway.provider()).processed == 0
    assert renew_due(due + timedelta(days=1), gateway.provider())[Outcome.FAILED] == 1
    assert renew_due(due + timedelta(days=2), gateway.provider()).processed == 0
    assert renew_due(due + timedelta(days=3), gateway.provider())[Outcome.FAILED] == 1
    assert renew_due(due + timedelta(days=7), gateway.provider())[Outcome.SUSPENDED] == 1
    subscription = only_subscription()
    assert subscription.status == SubscriptionStatus.SUSPENDED
    assert subscription.period == 1
    with all_tenants():
        attempts = db.session.scalars(
            select(Payment.status)
            .join(SubscriptionRenewal, SubscriptionRenewal.order_id == Payment.order_id)
            .order_by(Payment.id)
        ).all()
    assert list(attempts) == [PaymentStatus.FAILED] * 4
    assert len(ledger_transactions()) == 1  # nothing posted for failed charges

    # the buyer pays with a new card: the overdue period is charged, split, and restored
    from storefront.subscriptions.services import charge_attempt, lock_subscription, next_attempt
    from storefront.tenants.scope import tenant_scope

    replace_card(shop, localstripe_url, subscription, CARD_OK)
    with tenant_scope(shop.storefront.id):
        locked = lock_subscription(subscription.id)
        assert locked is not None
        renewal = db.session.scalar(select(SubscriptionRenewal))
        assert renewal is not None
        payment, fresh = next_attempt(locked, renewal)
        db.session.commit()
        locked = lock_subscription(subscription.id)
        assert locked is not None
        assert charge_attempt(
            locked, payment, gateway.provider(), off_session=False, reconcile=not fresh
        )
        db.session.commit()
    subscription = only_subscription()
    assert subscription.status == SubscriptionStatus.ACTIVE and subscription.period == 2
    assert keys_status() == {LicenseStatus.ACTIVE}
    assert len(ledger_transactions()) == 2 and unbalanced_transactions() == []
    # and it renews on the new card next time
    assert renew_due(period_end(subscription), gateway.provider())[Outcome.RENEWED] == 1


def test_unpaid_after_the_grace_period_is_cancelled(shop: Shop, localstripe_url: str) -> None:
    buy(shop, localstripe_url, CARD_OK, mail_seats=1, backup_seats=0)
    replace_card(shop, localstripe_url, only_subscription(), CARD_DECLINED)
    due = period_end(only_subscription())
    for days in (0, 1, 3, 7):
        renew_due(due + timedelta(days=days), gateway.provider())
    assert only_subscription().status == SubscriptionStatus.SUSPENDED
    assert renew_due(due + timedelta(days=20), gateway.provider()).processed == 0
    assert renew_due(due + timedelta(days=21), gateway.provider())[Outcome.CANCELLED] == 1
    subscription = only_subscription()
    assert subscription.status == SubscriptionStatus.CANCELLED
    with all_tenants():
        renewal = db.session.scalar(select(SubscriptionRenewal))
        assert renewal is not None and renewal.order.status == OrderStatus.CANCELLED
    assert renew_due(due + timedelta(days=400), gateway.provider()).processed == 0


def test_a_three_year_plan_renews_once_after_three_years(shop: Shop, localstripe_url: str) -> None:
    long_term = factories.offer(
        name="Archive", prices=[(BillingTerm.THREE_YEARS, "JPY", 10000, 30000)]
    )
    factories.listing(shop.storefront, long_term)
    db.session.commit()
    from storefront.orders.cart import price_cart
    from storefront.orders.services import BillingDetails, place_order
    from storefront.payments.services import execute, prepare
    from storefront.subscriptions.cards import save_buyer_card
    from tests.subscriptions.buying import card_token

    cart = price_cart(shop.storefront, {long_term.plans[0].id: 1})
    order = place_order(
        shop.storefront,
        shop.buyer,
        cart,
        BillingDetails(name="Hanako Yamada", email="buyer@example.com", country="JP"),
        locale="ja",
    )
    card = save_buyer_card(
        shop.storefront.id, shop.buyer, card_token(localstripe_url, CARD_OK), gateway.provider()
    )
    payment = prepare(order, payment_method=card.payment_method, attempt="attempt-1")
    db.session.commit()
    assert execute(payment, gateway.provider(), customer=card.customer_reference)
    db.session.commit()

    subscription = only_subscription()
    started = aware(subscription.started_at)
    for years in (1, 2):
        assert renew_due(add_months(started, 12 * years), gateway.provider()).processed == 0
    three_years = period_end(subscription)
    assert three_years == add_months(started, 36)
    assert renew_due(three_years, gateway.provider())[Outcome.RENEWED] == 1
    assert renew_due(three_years + timedelta(days=400), gateway.provider()).processed == 0
    subscription = only_subscription()
    assert subscription.period == 2
    assert len(ledger_transactions()) == 2


def test_a_store_that_opted_out_or_a_retired_offer_ends_without_a_charge(
    app: Flask, shop: Shop, localstripe_url: str
) -> None:
    buy(shop, localstripe_url, CARD_OK, mail_seats=1, backup_seats=1)
    mail_sub, backup_sub = subscriptions()
    shop.mail.status = OfferStatus.RETIRED
    db.session.commit()
    sent_before = len(outbox(app))
    summary = renew_due(period_end(mail_sub), gateway.provider())
    assert summary[Outcome.ENDED] == 1 and summary[Outcome.RENEWED] == 0
    mail_sub, backup_sub = subscriptions()
    assert mail_sub.status == SubscriptionStatus.ENDED
    assert len(outbox(app)) == sent_before + 1

    shop.storefront.is_opted_in = False
    db.session.commit()
    assert renew_due(period_end(backup_sub), gateway.provider())[Outcome.ENDED] == 1
    assert [sub.status for sub in subscriptions()] == [SubscriptionStatus.ENDED] * 2
    assert len(ledger_transactions()) == 1
    assert keys_status() == {LicenseStatus.SUSPENDED}


def test_each_order_of_a_lot_gets_its_own_keys_in_one_statement_per_store(
    app: Flask, shop: Shop, localstripe_url: str, query_counter: list[str]
) -> None:
    from storefront.orders.models import Order
    from storefront.subscriptions.licenses import keys_for_order, keys_for_orders

    buy(shop, localstripe_url, CARD_OK, mail_seats=2, backup_seats=1)
    mail, backup = subscriptions()
    sent_before = len(outbox(app))
    yearly = period_end(backup)
    assert renew_due(yearly, gateway.provider())[Outcome.RENEWED] == 2  # both
    assert renew_due(yearly, gateway.provider())[Outcome.RENEWED] == 1  # the monthly one again
    with all_tenants():
        keys = {key.subscription_id: key.id for key in db.session.scalars(select(LicenseKey))}
        renewals = db.session.scalars(select(SubscriptionRenewal)).all()
        renewed = {renewal.order_id: renewal.subscription_id for renewal in renewals}
        purchase = db.session.scalars(select(Order).where(Order.id.not_in(renewed))).one()
        orders = [purchase, *db.session.scalars(select(Order).where(Order.id.in_(renewed)))]
    assert len(orders) == 1 + 3
    query_counter.clear()
    found = keys_for_orders(orders)
    assert len(query_counter) == 1
    assert [key.id for key in found[purchase.id]] == sorted(keys.values())
    for order_id, subscription_id in renewed.items():
        assert [key.id for key in found[order_id]] == [keys[subscription_id]]
    for order in orders:
        assert keys_for_order(order) == found[order.id]
    receipts = outbox(app)[sent_before:]  # the renewals' (buy() sends no receipt)
    assert len(receipts) == 3
    with all_tenants():
        for key in db.session.scalars(select(LicenseKey)):
            renewed = 2 if key.subscription_id == mail.id else 1
            assert sum(key.key in receipt for receipt in receipts) == renewed
