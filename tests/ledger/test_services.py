"""Posting paid orders and their refunds to the ledger, and reading the balances back."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from storefront.catalog.models import BillingTerm
from storefront.extensions import db
from storefront.ledger.models import Account, LedgerEntry, LedgerTransaction, TransactionKind
from storefront.ledger.posting import OverRefund
from storefront.ledger.services import (
    Balance,
    LedgerError,
    LedgerImmutable,
    balances,
    post_charge,
    post_refund,
    unbalanced_transactions,
)
from storefront.payments.models import PaymentStatus, Refund
from tests import factories

if TYPE_CHECKING:
    from tests.ledger.conftest import Sale

pytestmark = pytest.mark.usefixtures("app_context")

Sell = Callable[..., "Sale"]
RefundOf = Callable[["Sale", int], Refund]


def amounts(transaction: LedgerTransaction) -> dict[tuple[Account, int | None], int]:
    return {(entry.account, entry.party_id): entry.amount_minor for entry in transaction.entries}


def ledger_rows() -> tuple[int, int]:
    return (
        db.session.scalar(select(func.count()).select_from(LedgerTransaction)) or 0,
        db.session.scalar(select(func.count()).select_from(LedgerEntry)) or 0,
    )


@pytest.fixture
def usd_sale(sell: Sell) -> Sale:
    """$49.99 from one ISV in two lines, in a store with 20% commission and no operator."""
    store = factories.storefront(currency="USD", commission_rate_bp=2000)
    vendor = factories.isv()
    basic = factories.offer(vendor=vendor, prices=[(BillingTerm.MONTHLY, "USD", 400, 1000)])
    pro = factories.offer(vendor=vendor, prices=[(BillingTerm.YEARLY, "USD", 1234, 2999)])
    return sell(store, [(basic, 2), (pro, 1)])


def test_charge_in_yen_pays_each_isv_the_reseller_the_operator_and_the_platform(
    sell: Sell,
) -> None:
    operator = factories.operator(override_rate_bp=1000)
    store = factories.storefront(
        currency="JPY",
        locale="ja",
        languages=["ja"],
        commission_rate_bp=2500,
        operator_id=operator.id,
    )
    mail = factories.offer(prices=[(BillingTerm.MONTHLY, "JPY", 4000, 10000)])
    backup = factories.offer(prices=[(BillingTerm.MONTHLY, "JPY", 333, 999)])
    sale = sell(store, [(mail, 3), (backup, 1)])

    transaction = post_charge(sale.order, sale.payment)

    assert transaction.kind == TransactionKind.CHARGE
    assert transaction.source_key == f"charge:{sale.payment.id}"
    assert (transaction.currency, transaction.storefront_id) == ("JPY", store.id)
    assert (transaction.order_id, transaction.payment_id) == (sale.order.id, sale.payment.id)
    assert {entry.currency for entry in transaction.entries} == {"JPY"}
    assert amounts(transaction) == {
        (Account.PROCESSOR_CLEARING, None): 30999,
        (Account.ISV_PAYABLE, mail.isv_id): -12000,
        (Account.ISV_PAYABLE, backup.isv_id): -333,
        (Account.RESELLER_PAYABLE, store.id): -4666,
        (Account.OPERATOR_PAYABLE, operator.id): -1867,
        (Account.PLATFORM_REVENUE, None): -12133,
    }
    assert unbalanced_transactions() == []


def test_charge_in_dollars_without_an_operator(usd_sale: Sale) -> None:
    transaction = post_charge(usd_sale.order, usd_sale.payment)

    vendor = usd_sale.order.lines[0].isv_id
    assert amounts(transaction) == {
        (Account.PROCESSOR_CLEARING, None): 4999,
        (Account.ISV_PAYABLE, vendor): -2034,
        (Account.RESELLER_PAYABLE, usd_sale.store.id): -593,
        (Account.PLATFORM_REVENUE, None): -2372,
    }


def test_posting_a_payment_twice_returns_the_first_posting(usd_sale: Sale) -> None:
    first = post_charge(usd_sale.order, usd_sale.payment)
    db.session.commit()
    rows = ledger_rows()

    again = post_charge(usd_sale.order, usd_sale.payment)

    assert again.id == first.id
    assert ledger_rows() == rows


def test_a_racing_second_posting_is_refused_by_the_database(usd_sale: Sale) -> None:
    post_charge(usd_sale.order, usd_sale.payment)
    db.session.commit()
    duplicate = LedgerTransaction(
        source_key=f"charge:{usd_sale.payment.id}", kind=TransactionKind.CHARGE, currency="USD"
    )
    db.session.add(duplicate)
    with pytest.raises(IntegrityError):
        db.session.flush()


@pytest.mark.parametrize(
    ("paid_minor", "paid_currency"), [(4998, None), (5000, None), (4999, "EUR")]
)
def test_payment_that_does_not_match_the_order_is_not_posted(
    sell: Sell, paid_minor: int, paid_currency: str | None
) -> None:
    store = factories.storefront(currency="USD")
    offer = factories.offer(prices=[(BillingTerm.MONTHLY, "USD", 1000, 4999)])
    sale = sell(store, [(offer, 1)], paid_minor=paid_minor, paid_currency=paid_currency)

    with pytest.raises(LedgerError, match="does not match the total"):
        post_charge(sale.order, sale.payment)
    assert ledger_rows() == (0, 0)


def test_payment_that_has_not_succeeded_is_not_posted(usd_sale: Sale) -> None:
    usd_sale.payment.status = PaymentStatus.REQUIRES_ACTION
    with pytest.raises(LedgerError, match="has not succeeded"):
        post_charge(usd_sale.order, usd_sale.payment)
    assert ledger_rows() == (0, 0)


def test_partial_refunds_then_the_rest_net_every_party_to_zero(
    usd_sale: Sale, refund_of: RefundOf
) -> None:
    post_charge(usd_sale.order, usd_sale.payment)
    vendor = usd_sale.order.lines[0].isv_id
    store = usd_sale.store.id

    first = post_refund(refund_of(usd_sale, 1000))
    assert first.kind == TransactionKind.REFUND
    assert amounts(first) == {
        (Account.PROCESSOR_CLEARING, None): -1000,
        (Account.ISV_PAYABLE, vendor): 407,  # 406.88...
        (Account.RESELLER_PAYABLE, store): 119,  # 118.62...
        (Account.PLATFORM_REVENUE, None): 474,  # 474.49...
    }
    assert balances(account=Account.ISV_PAYABLE, party_id=vendor) == [
        Balance(Account.ISV_PAYABLE, vendor, "USD", -2034 + 407)
    ]

    post_refund(refund_of(usd_sale, 1500))
    last_refund = refund_of(usd_sale, 2499)
    last = post_refund(last_refund)

    assert (last.refund_id, last.payment_id) == (last_refund.id, usd_sale.payment.id)
    assert balances() == [
        Balance(Account.PROCESSOR_CLEARING, None, "USD", 0),
        Balance(Account.ISV_PAYABLE, vendor, "USD", 0),
        Balance(Account.RESELLER_PAYABLE, store, "USD", 0),
        Balance(Account.PLATFORM_REVENUE, None, "USD", 0),
    ]
    assert unbalanced_transactions() == []
    with pytest.raises(OverRefund):
        post_refund(refund_of(usd_sale, 1))


def test_refund_is_posted_once(usd_sale: Sale, refund_of: RefundOf) -> None:
    post_charge(usd_sale.order, usd_sale.payment)
    refund = refund_of(usd_sale, 500)
    first = post_refund(refund)
    rows = ledger_rows()

    assert post_refund(refund).id == first.id
    assert ledger_rows() == rows


def test_refund_of_more_than_remains_writes_nothing(usd_sale: Sale, refund_of: RefundOf) -> None:
    post_charge(usd_sale.order, usd_sale.payment)
    post_refund(refund_of(usd_sale, 4000))
    rows = ledger_rows()

    with pytest.raises(OverRefund, match="only 999 remain"):
        post_refund(refund_of(usd_sale, 1000))
    assert ledger_rows() == rows


def test_refund_of_a_payment_never_posted_is_refused(usd_sale: Sale, refund_of: RefundOf) -> None:
    with pytest.raises(LedgerError, match="no charge"):
        post_refund(refund_of(usd_sale, 100))


def test_balances_sum_per_party_across_orders_and_filter(sell: Sell, usd_sale: Sale) -> None:
    post_charge(usd_sale.order, usd_sale.payment)
    store = factories.storefront(currency="JPY", locale="ja", languages=["ja"])
    offer = factories.offer(prices=[(BillingTerm.MONTHLY, "JPY", 100, 300)])
    yen_sale = sell(store, [(offer, 2)])
    post_charge(yen_sale.order, yen_sale.payment)

    assert [(row.account, row.currency) for row in balances()] == [
        (Account.PROCESSOR_CLEARING, "JPY"),
        (Account.PROCESSOR_CLEARING, "USD"),
        (Account.ISV_PAYABLE, "USD"),
        (Account.ISV_PAYABLE, "JPY"),
        (Account.RESELLER_PAYABLE, "USD"),
        (Account.RESELLER_PAYABLE, "JPY"),
        (Account.PLATFORM_REVENUE, "JPY"),
        (Account.PLATFORM_REVENUE, "USD"),
    ]
    assert balances(account=Account.PROCESSOR_CLEARING, currency="JPY") == [
        Balance(Account.PROCESSOR_CLEARING, None, "JPY", 600)
    ]
    assert balances(party_id=store.id, account=Account.RESELLER_PAYABLE) == [
        Balance(Account.RESELLER_PAYABLE, store.id, "JPY", -100)  # 25% of the 400 yen margin
    ]


def test_posted_entries_cannot_be_changed(usd_sale: Sale) -> None:
    entry = post_charge(usd_sale.order, usd_sale.payment).entries[1]
    db.session.commit()

    entry.amount_minor = entry.amount_minor  # not a change
    db.session.flush()

    entry.amount_minor -= 1
    with pytest.raises(LedgerImmutable):
        db.session.flush()
    db.session.rollback()


def test_posted_transactions_cannot_be_changed(usd_sale: Sale) -> None:
    transaction = post_charge(usd_sale.order, usd_sale.payment)
    db.session.commit()
    transaction.memo = "corrected"
    with pytest.raises(LedgerImmutable):
        db.session.flush()
    db.session.rollback()


def test_posted_rows_cannot_be_deleted(usd_sale: Sale) -> None:
    transaction = post_charge(usd_sale.order, usd_sale.payment)
    db.session.commit()
    db.session.delete(transaction.entries[0])
    with pytest.raises(LedgerImmutable):
        db.session.flush()
    db.session.rollback()


def test_no_entry_can_be_added_to_a_posted_transaction(usd_sale: Sale) -> None:
    transaction = post_charge(usd_sale.order, usd_sale.payment)
    db.session.commit()
    db.session.add(
        LedgerEntry(
            transaction_id=transaction.id,
            account=Account.PLATFORM_REVENUE,
            currency="USD",
            amount_minor=-1,
        )
    )
    with pytest.raises(LedgerImmutable):
        db.session.flush()
    db.session.rollback()


def write_transaction(source_key: str, *entries: tuple[Account, str, int]) -> LedgerTransaction:
    """A hand-written transaction, bypassing the posting rules."""
    transaction = LedgerTransaction(
        source_key=source_key, kind=TransactionKind.CHARGE, currency="USD"
    )
    transaction.entries = [
        LedgerEntry(account=account, currency=currency, amount_minor=amount)
        for account, currency, amount in entries
    ]
    db.session.add(transaction)
    db.session.flush()
    return transaction


def test_check_finds_unbalanced_and_mixed_currency_transactions(usd_sale: Sale) -> None:
    post_charge(usd_sale.order, usd_sale.payment)
    short = write_transaction(
        "manual:short",
        (Account.PROCESSOR_CLEARING, "USD", 100),
        (Account.PLATFORM_REVENUE, "USD", -90),
    )
    mixed = write_transaction(
        "manual:mixed",
        (Account.PROCESSOR_CLEARING, "USD", 100),
        (Account.PLATFORM_REVENUE, "EUR", -100),
    )
    foreign = write_transaction(
        "manual:foreign",
        (Account.PROCESSOR_CLEARING, "EUR", 100),
        (Account.PLATFORM_REVENUE, "EUR", -100),
    )
    write_transaction(
        "manual:fine",
        (Account.PROCESSOR_CLEARING, "USD", 100),
        (Account.PLATFORM_REVENUE, "USD", -100),
    )

    assert unbalanced_transactions() == [short.id, mixed.id, foreign.id]
