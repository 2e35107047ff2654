"""Ledger transactions and their entries. Entries are signed minor units: positive debits,
negative credits; every transaction's entries sum to zero. Rows are never updated or deleted:
corrections are new, reversing transactions."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import CheckConstraint, DateTime, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from storefront.dbtypes import enum_column
from storefront.extensions import Model
from storefront.timeutil import utcnow


class Account(StrEnum):
    """Ledger accounts; payables are per party (`party_id`: the ISV, storefront or operator)."""

    PROCESSOR_CLEARING = "processor_clearing"  # cash held at the payment processor
    ISV_PAYABLE = "isv_payable"
    RESELLER_PAYABLE = "reseller_payable"
    OPERATOR_PAYABLE = "operator_payable"
    PLATFORM_REVENUE = "platform_revenue"


class TransactionKind(StrEnum):
    CHARGE = "charge"
    REFUND = "refund"
    PAYOUT = "payout"  # money sent to a party: debit its payable, credit processor clearing


class LedgerTransaction(Model):
    __tablename__ = "ledger_transactions"

    id: Mapped[int] = mapped_column(primary_key=True)
    # What caused it, unique, so the same charge or refund can never be posted twice.
    source_key: Mapped[str] = mapped_column(String(80), unique=True)
    kind: Mapped[TransactionKind] = mapped_column(enum_column(TransactionKind, "ledger_kind"))
    currency: Mapped[str] = mapped_column(String(3))
    storefront_id: Mapped[int | None] = mapped_column(
        ForeignKey("storefronts.id", ondelete="RESTRICT"), index=True
    )
    order_id: Mapped[int | None] = mapped_column(
        ForeignKey("orders.id", ondelete="RESTRICT"), index=True
    )
    payment_id: Mapped[int | None] = mapped_column(
        ForeignKey("payments.id", ondelete="RESTRICT"), index=True
    )
    refund_id: Mapped[int | None] = mapped_column(
        ForeignKey("refunds.id", ondelete="RESTRICT"), index=True
    )
    memo: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, index=True
    )

    entries: Mapped[list[LedgerEntry]] = relationship(
        back_populates="transaction", order_by="LedgerEntry.id"
    )


class LedgerEntry(Model):
    __tablename__ = "ledger_entries"
    __table_args__ = (
        Index("ix_ledger_entries_balance", "account", "party_id", "currency"),
        CheckConstraint("amount_minor <> 0", name="amount_not_zero"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    transaction_id: Mapped[int] = mapped_column(
        ForeignKey("ledger_transactions.id", ondelete="RESTRICT"), index=True
    )
    account: Mapped[Account] = mapped_column(enum_column(Account, "ledger_account"))
    party_id: Mapped[int | None]
    currency: Mapped[str] = mapped_column(String(3))
    amount_minor: Mapped[int]  # + debit, - credit

    transaction: Mapped[LedgerTransaction] = relationship(back_populates="entries")


class PayoutRun(Model):
    """One payout run for a calendar month: who ran it and when (the audit log keeps the
    minimums it applied)."""

    __tablename__ = "payout_runs"

    id: Mapped[int] = mapped_column(primary_key=True)
    period: Mapped[str] = mapped_column(String(7), unique=True)  # "2026-11"
    run_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    payouts: Mapped[list[Payout]] = relationship(back_populates="run", order_by="Payout.id")


class Payout(Model):
    """What one party was paid for one period, and the ledger transaction that records it."""

    __tablename__ = "payouts"
    __table_args__ = (
        UniqueConstraint("account", "party_id", "currency", "period"),
        CheckConstraint("amount_minor > 0", name="amount_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    run_id: Mapped[int] = mapped_column(
        ForeignKey("payout_runs.id", ondelete="RESTRICT"), index=True
    )
    transaction_id: Mapped[int] = mapped_column(
        ForeignKey("ledger_transactions.id", ondelete="RESTRICT"), unique=True
    )
    account: Mapped[Account] = mapped_column(enum_column(Account, "ledger_account"))
    party_id: Mapped[int]
    currency: Mapped[str] = mapped_column(String(3))
    period: Mapped[str] = mapped_column(String(7), index=True)
    amount_minor: Mapped[int]

    run: Mapped[PayoutRun] = relationship(back_populates="payouts")
    transaction: Mapped[LedgerTransaction] = relationship()
