"""Ledger transactions and their entries. Entries are signed minor units: positive debits,
negative credits; every transaction's entries sum to zero. Rows are never updated or deleted:
corrections are new, reversing transactions."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import CheckConstraint, DateTime, ForeignKey, Index, String
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
