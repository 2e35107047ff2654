"""`flask ledger check` and `flask ledger balances`, as an operator runs them."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

import pytest
from flask import Flask

from storefront.catalog.models import BillingTerm
from storefront.extensions import db
from storefront.ledger.models import Account, LedgerEntry, LedgerTransaction, TransactionKind
from storefront.ledger.services import post_charge
from tests import factories

if TYPE_CHECKING:
    from tests.ledger.conftest import Sale

pytestmark = pytest.mark.usefixtures("app_context")


def run(app: Flask, *args: str) -> tuple[int, str]:
    result = app.test_cli_runner().invoke(args=["ledger", *args])
    return result.exit_code, result.output


@pytest.fixture
def posted(sell: Callable[..., Sale]) -> tuple[Sale, Sale]:
    """A dollar sale and a yen sale, both posted and committed."""
    dollars = factories.storefront(currency="USD", commission_rate_bp=2000)
    dollar_offer = factories.offer(prices=[(BillingTerm.MONTHLY, "USD", 1000, 2500)])
    yen = factories.storefront(currency="JPY", locale="ja", languages=["ja"])
    yen_offer = factories.offer(prices=[(BillingTerm.MONTHLY, "JPY", 1000, 3000)])
    sales = (sell(dollars, [(dollar_offer, 2)]), sell(yen, [(yen_offer, 1)]))
    for sale in sales:
        post_charge(sale.order, sale.payment)
    db.session.commit()
    return sales


def test_check_passes_on_a_balanced_ledger(app: Flask, posted: tuple[Sale, Sale]) -> None:
    assert run(app, "check") == (0, "2 transactions, all balanced\n")


def test_check_passes_on_an_empty_ledger(app: Flask) -> None:
    assert run(app, "check") == (0, "0 transactions, all balanced\n")


def test_check_fails_and_names_the_unbalanced_transaction(
    app: Flask, posted: tuple[Sale, Sale]
) -> None:
    broken = LedgerTransaction(
        source_key="manual:broken", kind=TransactionKind.CHARGE, currency="USD"
    )
    broken.entries = [
        LedgerEntry(account=Account.PROCESSOR_CLEARING, currency="USD", amount_minor=100)
    ]
    db.session.add(broken)
    db.session.commit()

    exit_code, output = run(app, "check")

    assert exit_code == 1
    assert output == f"1 of 3 transactions unbalanced: {broken.id}\n"


def test_balances_lists_every_account_with_formatted_amounts(
    app: Flask, posted: tuple[Sale, Sale]
) -> None:
    dollars, yen = posted
    exit_code, output = run(app, "balances")

    assert exit_code == 0
    rows = [line.split() for line in output.splitlines()]
    assert rows == [
        ["account", "party", "currency", "amount"],
        ["processor_clearing", "-", "JPY", "¥3,000"],
        ["processor_clearing", "-", "USD", "$50.00"],
        ["isv_payable", str(dollars.order.lines[0].isv_id), "USD", "-$20.00"],
        ["isv_payable", str(yen.order.lines[0].isv_id), "JPY", "-¥1,000"],
        ["reseller_payable", str(dollars.store.id), "USD", "-$6.00"],
        ["reseller_payable", str(yen.store.id), "JPY", "-¥500"],
        ["platform_revenue", "-", "JPY", "-¥1,500"],
        ["platform_revenue", "-", "USD", "-$24.00"],
    ]


def test_balances_in_one_currency(app: Flask, posted: tuple[Sale, Sale]) -> None:
    exit_code, output = run(app, "balances", "--currency", "jpy")

    assert exit_code == 0
    assert "USD" not in output
    assert [line.split()[2] for line in output.splitlines()[1:]] == ["JPY"] * 4


def test_balances_of_an_empty_ledger(app: Flask) -> None:
    assert run(app, "balances") == (0, "No ledger entries.\n")
