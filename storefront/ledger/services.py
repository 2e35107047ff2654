"""Posting charges and refunds to the ledger, and reading balances back from the entries.

Helpers flush but never commit: each posting belongs to the database transaction of the
business change that caused it (DESIGN.md, Money), so the caller commits both or neither.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import event, func, or_, select
from sqlalchemy.orm import Session, selectinload

from storefront.errors import DomainError
from storefront.extensions import db
from storefront.ledger.models import Account, LedgerEntry, LedgerTransaction, TransactionKind
from storefront.ledger.posting import (
    ChargeLine,
    EntrySpec,
    charge_entries,
    chart_order,
    refund_entries,
)
from storefront.money import Money
from storefront.orders.models import Order
from storefront.payments.models import Payment, PaymentStatus, Refund


class LedgerError(DomainError):
    """A posting that would not match the money that actually moved."""


class LedgerImmutable(RuntimeError):
    """Someone tried to change or delete a posted ledger row: corrections are new postings."""


@dataclass(frozen=True)
class Balance:
    """What one party's account holds in one currency: + debit, - credit (owed to it)."""

    account: Account
    party_id: int | None
    currency: str
    amount_minor: int


def _posted(source_key: str) -> LedgerTransaction | None:
    return db.session.scalars(
        select(LedgerTransaction).where(LedgerTransaction.source_key == source_key)
    ).one_or_none()


def _write(transaction: LedgerTransaction, entries: Sequence[EntrySpec]) -> LedgerTransaction:
    """Add a transaction with its entries, flushed with the caller's next flush or commit,
    where a duplicate source key fails."""
    if sum(entry.amount_minor for entry in entries) != 0:
        raise LedgerError(f"The entries of {transaction.source_key} do not balance.")
    transaction.entries = [
        LedgerEntry(
            account=entry.account,
            party_id=entry.party_id,
            currency=transaction.currency,
            amount_minor=entry.amount_minor,
        )
        for entry in entries
    ]
    db.session.add(transaction)
    return transaction


def _specs(entries: Iterable[LedgerEntry]) -> list[EntrySpec]:
    return [EntrySpec(entry.account, entry.party_id, entry.amount_minor) for entry in entries]


def _check_payment_pays_order(order: Order, payment: Payment) -> None:
    if payment.order_id != order.id or payment.storefront_id != order.storefront_id:
        raise LedgerError(f"Payment {payment.id} does not belong to order {order.number}.")
    if payment.status != PaymentStatus.SUCCEEDED:
        raise LedgerError(f"Payment {payment.id} has not succeeded ({payment.status.value}).")
    paid = Money(payment.amount_minor, payment.currency)
    if paid != order.total:
        raise LedgerError(
            f"Payment {payment.id} of {paid} does not match the total {order.total} "
            f"of order {order.number}."
        )
    lines_total = sum(line.total_minor for line in order.lines)
    if lines_total != order.total_minor:
        raise LedgerError(
            f"The lines of order {order.number} add up to "
            f"{Money(lines_total, order.currency)}, not its total {order.total}."
        )


def post_charge(order: Order, payment: Payment, *, unposted: bool = False) -> LedgerTransaction:
    """Record the cash of a succeeded payment and what each party is owed of it.

    Posting a payment that is already posted returns the first posting unchanged; if two
    requests race, the unique source key refuses the second at flush time. A caller that
    knows the payment is not posted yet (`unposted`) skips the look-up; the unique source
    key still refuses a duplicate.
    """
    if payment.id is None or order.id is None:
        db.session.flush()
    source_key = f"charge:{payment.id}"
    posted = None if unposted else _posted(source_key)
    if posted is not None:
        return posted
    _check_payment_pays_order(order, payment)
    entries = charge_entries(
        [
            ChargeLine(
                charged_minor=line.total_minor,
                wholesale_minor=line.wholesale_total_minor,
                isv_id=line.isv_id,
            )
            for line in order.lines
        ],
        currency=order.currency,
        storefront_id=order.storefront_id,
        commission_bp=order.commission_rate_bp,
        operator_id=order.operator_id,
        override_bp=order.operator_override_bp,
    )
    transaction = LedgerTransaction(
        source_key=source_key,
        kind=TransactionKind.CHARGE,
        currency=order.currency,
        storefront_id=order.storefront_id,
        order_id=order.id,
        payment_id=payment.id,
        memo=f"Order {order.number}, payment {payment.id}",
    )
    return _write(transaction, entries)


def post_refund(refund: Refund) -> LedgerTransaction:
    """Record a refund as the proportional reversal of its payment's charge.

    Idempotent like `post_charge`. The charge row is read FOR UPDATE (on PostgreSQL), so
    refunds of the same payment are posted one after the other and never both spend the
    same refundable remainder.
    """
    if refund.id is None:
        db.session.flush()
    source_key = f"refund:{refund.id}"
    posted = _posted(source_key)
    if posted is not None:
        return posted
    charge = db.session.scalars(
        select(LedgerTransaction)
        .where(
            LedgerTransaction.kind == TransactionKind.CHARGE,
            LedgerTransaction.payment_id == refund.payment_id,
        )
        .options(selectinload(LedgerTransaction.entries))
        .with_for_update()
    ).one_or_none()
    if charge is None:
        raise LedgerError(f"Payment {refund.payment_id} has no charge in the ledger to refund.")
    if refund.currency != charge.currency or refund.order_id != charge.order_id:
        raise LedgerError(
            f"Refund {refund.id} ({refund.currency}, order {refund.order_id}) does not match "
            f"the charge of payment {refund.payment_id} ({charge.currency}, "
            f"order {charge.order_id})."
        )
    earlier_refunds = db.session.scalars(
        select(LedgerTransaction)
        .where(
            LedgerTransaction.kind == TransactionKind.REFUND,
            LedgerTransaction.payment_id == refund.payment_id,
            LedgerTransaction.source_key != source_key,
        )
        .options(selectinload(LedgerTransaction.entries))
        .order_by(LedgerTransaction.id)
    ).all()
    entries = refund_entries(
        _specs(charge.entries),
        [_specs(earlier.entries) for earlier in earlier_refunds],
        refund.amount_minor,
    )
    transaction = LedgerTransaction(
        source_key=source_key,
        kind=TransactionKind.REFUND,
        currency=charge.currency,
        storefront_id=refund.storefront_id,
        order_id=refund.order_id,
        payment_id=refund.payment_id,
        refund_id=refund.id,
        memo=f"Refund {refund.id} of payment {refund.payment_id}",
    )
    return _write(transaction, entries)


def balances(
    *,
    account: Account | None = None,
    party_id: int | None = None,
    currency: str | None = None,
) -> list[Balance]:
    """Every account's balance per party and currency, summed from the entries themselves
    (never a stored running total), in chart-of-accounts order."""
    query = select(
        LedgerEntry.account,
        LedgerEntry.party_id,
        LedgerEntry.currency,
        func.sum(LedgerEntry.amount_minor),
    ).group_by(LedgerEntry.account, LedgerEntry.party_id, LedgerEntry.currency)
    if account is not None:
        query = query.where(LedgerEntry.account == account)
    if party_id is not None:
        query = query.where(LedgerEntry.party_id == party_id)
    if currency is not None:
        query = query.where(LedgerEntry.currency == currency)
    rows = [
        Balance(account=row[0], party_id=row[1], currency=row[2], amount_minor=int(row[3]))
        for row in db.session.execute(query)
    ]
    return sorted(
        rows,
        key=lambda balance: (*chart_order(balance.account, balance.party_id), balance.currency),
    )


def unbalanced_transactions() -> list[int]:
    """Ids of transactions whose entries do not sum to zero or are not all in the
    transaction's currency: what `flask ledger check` reports."""
    query = (
        select(LedgerTransaction.id)
        .join(LedgerEntry, LedgerEntry.transaction_id == LedgerTransaction.id)
        .group_by(LedgerTransaction.id, LedgerTransaction.currency)
        .having(
            or_(
                func.sum(LedgerEntry.amount_minor) != 0,
                func.min(LedgerEntry.currency) != LedgerTransaction.currency,
                func.max(LedgerEntry.currency) != LedgerTransaction.currency,
            )
        )
        .order_by(LedgerTransaction.id)
    )
    return list(db.session.scalars(query))


def _refuse_ledger_changes(session: Session, _flush_context: Any, _instances: Any) -> None:
    """Stop any flush that would update or delete a posted ledger row, or add an entry to one."""
    ledger_rows = (LedgerTransaction, LedgerEntry)
    for row in session.new:
        if isinstance(row, LedgerEntry) and (
            row.transaction is None or row.transaction not in session.new
        ):
            raise LedgerImmutable(
                "Ledger entries are written with their own new transaction, never added to one."
            )
    for row in session.dirty:
        if isinstance(row, ledger_rows) and session.is_modified(row):
            raise LedgerImmutable(
                f"{type(row).__name__} {row.id} is append-only: post a reversing transaction."
            )
    for row in session.deleted:
        if isinstance(row, ledger_rows):
            raise LedgerImmutable(
                f"{type(row).__name__} {row.id} is append-only: it cannot be deleted."
            )


def install_append_only_guard() -> None:
    """Refuse, in every ORM session, flushes that change or delete ledger rows (bulk SQL and
    raw statements are not covered: only the database could stop those)."""
    if not event.contains(Session, "before_flush", _refuse_ledger_changes):
        event.listen(Session, "before_flush", _refuse_ledger_changes)
