"""Payout runs: once a month has ended, pay every party what it is owed for it.

What a party is owed for a month is every payable posting made before the month ended, plus
the payouts already recorded for that month or earlier. A run writes, for each party owed more
than the minimum for its currency, one PAYOUT transaction (debit the party's payable, credit
processor clearing) with the unique source key `payout:<account>:<party>:<currency>:<month>`,
so the same party is never paid twice for a month; and a month (or an earlier one) that was
run already is refused as a whole.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from sqlalchemy import and_, func, or_, select

from storefront.accounts.models import Role, User
from storefront.audit.models import Surface
from storefront.audit.services import record
from storefront.errors import DomainError
from storefront.extensions import db
from storefront.ledger.models import (
    Account,
    LedgerEntry,
    LedgerTransaction,
    Payout,
    PayoutRun,
    TransactionKind,
)
from storefront.ledger.posting import EntrySpec
from storefront.ledger.services import _posted, _write
from storefront.ledger.statements import PAYABLES, Period
from storefront.timeutil import utcnow


class PayoutRefused(DomainError):
    """The run cannot happen (period not over, or already paid); nothing was written."""


class PeriodAlreadyPaid(PayoutRefused):
    pass


@dataclass(frozen=True)
class Due:
    account: Account
    party_id: int
    currency: str
    owed_minor: int


def source_key(account: Account, party_id: int, currency: str, period: Period) -> str:
    return f"payout:{account.value}:{party_id}:{currency}:{period.label}"


def dues(period: Period) -> list[Due]:
    """What the platform owes each party for the month, one aggregate query."""
    paid_for_period = select(Payout.transaction_id).where(Payout.period <= period.label)
    owed = -func.sum(LedgerEntry.amount_minor)
    query = (
        select(LedgerEntry.account, LedgerEntry.party_id, LedgerEntry.currency, owed)
        .join(LedgerTransaction, LedgerTransaction.id == LedgerEntry.transaction_id)
        .where(
            LedgerEntry.account.in_(PAYABLES),
            LedgerEntry.party_id.is_not(None),
            or_(
                and_(
                    LedgerTransaction.kind != TransactionKind.PAYOUT,
                    LedgerTransaction.created_at < period.end,
                ),
                LedgerTransaction.id.in_(paid_for_period),
            ),
        )
        .group_by(LedgerEntry.account, LedgerEntry.party_id, LedgerEntry.currency)
        .order_by(LedgerEntry.account, LedgerEntry.party_id, LedgerEntry.currency)
    )
    return [
        Due(account=row[0], party_id=int(row[1] or 0), currency=row[2], owed_minor=int(row[3]))
        for row in db.session.execute(query)
    ]


def latest_run() -> PayoutRun | None:
    return db.session.scalar(select(PayoutRun).order_by(PayoutRun.period.desc()).limit(1))


def run_payouts(
    actor: User, period: Period, minimums: Mapping[str, int] | None = None
) -> PayoutRun:
    """Pay every party owed more than `minimums[currency]` (minor units; 0 if absent)."""
    if actor.role != Role.PLATFORM_ADMIN:
        raise PayoutRefused("Only platform admins run payouts.")
    if period.end > utcnow():
        raise PayoutRefused(f"{period.label} has not ended yet: it can be paid from its end.")
    latest = latest_run()
    if latest is not None and latest.period >= period.label:
        raise PeriodAlreadyPaid(
            f"Payouts were run already for {latest.period}"
            + ("." if latest.period == period.label else f", after {period.label}.")
        )
    minimums = dict(minimums or {})
    run = PayoutRun(period=period.label, run_by_id=actor.id)
    db.session.add(run)
    db.session.flush()
    paid: dict[str, int] = {}
    for due in dues(period):
        if due.owed_minor <= max(0, minimums.get(due.currency, 0)):
            continue
        key = source_key(due.account, due.party_id, due.currency, period)
        if _posted(key) is not None:
            continue
        transaction = _write(
            LedgerTransaction(
                source_key=key,
                kind=TransactionKind.PAYOUT,
                currency=due.currency,
                memo=f"Payout for {period.label}",
            ),
            [
                EntrySpec(due.account, due.party_id, due.owed_minor),
                EntrySpec(Account.PROCESSOR_CLEARING, None, -due.owed_minor),
            ],
        )
        db.session.add(
            Payout(
                run=run,
                transaction=transaction,
                account=due.account,
                party_id=due.party_id,
                currency=due.currency,
                period=period.label,
                amount_minor=due.owed_minor,
            )
        )
        paid[due.currency] = paid.get(due.currency, 0) + due.owed_minor
    db.session.flush()
    record(
        actor=actor,
        surface=Surface.CONSOLE,
        action="payout.run",
        target=run,
        after={
            "period": period.label,
            "payouts": len(run.payouts),
            "paid_minor": paid,
            "minimums_minor": minimums,
        },
    )
    return run
