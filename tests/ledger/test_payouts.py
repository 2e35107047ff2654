"""Payout runs: once per month, idempotent, and every paid party owes nothing for the month
afterwards; a month already paid is refused with nothing written."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select

from storefront.accounts.models import Role, User
from storefront.extensions import db
from storefront.ledger.models import (
    Account,
    LedgerEntry,
    LedgerTransaction,
    Payout,
    TransactionKind,
)
from storefront.ledger.payouts import PayoutRefused, PeriodAlreadyPaid, dues, run_payouts
from storefront.ledger.posting import EntrySpec
from storefront.ledger.services import _write, unbalanced_transactions
from storefront.ledger.statements import Period
from tests import factories

pytestmark = pytest.mark.usefixtures("app_context")
OCTOBER = Period.month("2025-10")


def post(key: str, when: datetime, currency: str, parts: dict[tuple[Account, int], int]) -> None:
    """A charge posted at `when`: the cash, and each party's credit (what it is owed)."""
    entries = [EntrySpec(account, party, -amount) for (account, party), amount in parts.items()]
    entries.append(EntrySpec(Account.PROCESSOR_CLEARING, None, sum(parts.values())))
    _write(
        LedgerTransaction(
            source_key=key, kind=TransactionKind.CHARGE, currency=currency, created_at=when
        ),
        entries,
    )


def counts() -> tuple[int, int, int]:
    return (
        db.session.scalar(select(func.count(LedgerTransaction.id))) or 0,
        db.session.scalar(select(func.count(LedgerEntry.id))) or 0,
        db.session.scalar(select(func.count(Payout.id))) or 0,
    )


@pytest.fixture
def admin() -> User:
    return factories.user(Role.PLATFORM_ADMIN)


def test_a_run_pays_everyone_owed_and_running_it_again_changes_nothing(admin: User) -> None:
    october, november = datetime(2025, 10, 9, tzinfo=UTC), datetime(2025, 11, 2, tzinfo=UTC)
    post("c1", october, "USD", {(Account.ISV_PAYABLE, 1): 600, (Account.RESELLER_PAYABLE, 7): 225})
    post("c2", october, "JPY", {(Account.ISV_PAYABLE, 1): 333, (Account.OPERATOR_PAYABLE, 3): 5})
    post("c3", october, "USD", {(Account.ISV_PAYABLE, 2): 99})  # below the USD minimum
    post("c4", november, "USD", {(Account.ISV_PAYABLE, 1): 1000})  # next month's
    db.session.commit()

    run = run_payouts(admin, OCTOBER, {"USD": 100})
    db.session.commit()
    paid = {(p.account, p.party_id, p.currency): p.amount_minor for p in run.payouts}
    assert paid == {
        (Account.ISV_PAYABLE, 1, "USD"): 600,
        (Account.RESELLER_PAYABLE, 7, "USD"): 225,
        (Account.ISV_PAYABLE, 1, "JPY"): 333,
        (Account.OPERATOR_PAYABLE, 3, "JPY"): 5,
    }
    owed = {(d.account, d.party_id, d.currency): d.owed_minor for d in dues(OCTOBER)}
    for key in paid:
        assert owed[key] == 0
    assert owed[(Account.ISV_PAYABLE, 2, "USD")] == 99
    assert unbalanced_transactions() == []
    keys = db.session.scalars(
        select(LedgerTransaction.source_key).where(LedgerTransaction.kind == TransactionKind.PAYOUT)
    ).all()
    assert "payout:isv_payable:1:USD:2025-10" in keys

    before = counts()
    with pytest.raises(PeriodAlreadyPaid):
        run_payouts(admin, OCTOBER, {"USD": 100})
    db.session.rollback()
    assert counts() == before
    with pytest.raises(PeriodAlreadyPaid):  # an earlier month would pay twice
        run_payouts(admin, Period.month("2025-09"))
    db.session.rollback()
    assert counts() == before

    november_run = run_payouts(admin, Period.month("2025-11"), {"USD": 100})
    assert [(p.party_id, p.amount_minor) for p in november_run.payouts] == [(1, 1000)]


def test_a_month_still_in_progress_cannot_be_paid(admin: User) -> None:
    now = datetime.now(UTC)
    with pytest.raises(PayoutRefused):
        run_payouts(admin, Period.month(f"{now.year:04d}-{now.month:02d}"))


def test_only_platform_admins_run_payouts() -> None:
    isv = factories.isv()
    member = factories.user(Role.ISV_MEMBER, isv_id=isv.id)
    with pytest.raises(PayoutRefused):
        run_payouts(member, OCTOBER)
