"""Statements: opening balance, lines with running balances, closing balance; CSV with exact
decimal amounts and formula-safe text."""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime

import pytest

from storefront.extensions import db
from storefront.ledger import statements
from storefront.ledger.models import Account
from storefront.ledger.statements import (
    Party,
    Period,
    PeriodError,
    safe_cell,
    statement,
    statement_csv,
)
from tests.ledger.test_payouts import post

pytestmark = pytest.mark.usefixtures("app_context")
ISV = Party(Account.ISV_PAYABLE, 1, "USD")


def test_opening_lines_and_closing_balance() -> None:
    post("a", datetime(2025, 9, 30, tzinfo=UTC), "USD", {(Account.ISV_PAYABLE, 1): 500})
    post("b", datetime(2025, 10, 2, tzinfo=UTC), "USD", {(Account.ISV_PAYABLE, 1): 125})
    post("c", datetime(2025, 10, 30, tzinfo=UTC), "USD", {(Account.ISV_PAYABLE, 1): 1})
    post("d", datetime(2025, 10, 3, tzinfo=UTC), "USD", {(Account.ISV_PAYABLE, 2): 999})
    post("e", datetime(2025, 11, 1, tzinfo=UTC), "USD", {(Account.ISV_PAYABLE, 1): 7})
    db.session.commit()
    result = statement(ISV, Period.days(date(2025, 10, 1), date(2025, 10, 31)))
    assert result.opening.amount == 500 and result.closing.amount == 626
    assert [line.amount.amount for line in result.lines] == [125, 1]
    assert [line.balance.amount for line in result.lines] == [625, 626]
    assert result.line_count == 2


def test_csv_is_exact_and_formula_safe() -> None:
    post("a", datetime(2025, 10, 2, tzinfo=UTC), "JPY", {(Account.ISV_PAYABLE, 1): 1234})
    db.session.commit()
    rows = list(
        csv.reader(
            io.StringIO(
                "".join(
                    statement_csv(Party(Account.ISV_PAYABLE, 1, "JPY"), Period.month("2025-10"))
                )
            )
        )
    )
    assert rows[0][0] == "date"
    assert rows[1][2:] == ["opening", "Opening balance", "", "JPY", "0"]
    assert rows[2][4:] == ["1234", "JPY", "1234"]
    assert rows[-1][2:] == ["closing", "Closing balance", "", "JPY", "1234"]
    assert safe_cell("=HYPERLINK(1)") == "'=HYPERLINK(1)" and safe_cell("Order 1") == "Order 1"


def test_usd_amounts_are_decimal_strings_in_major_units() -> None:
    post("a", datetime(2025, 10, 2, tzinfo=UTC), "USD", {(Account.ISV_PAYABLE, 1): 1205})
    db.session.commit()
    text = "".join(statement_csv(ISV, Period.month("2025-10")))
    assert ",12.05,USD,12.05" in text


def test_unreadable_periods_are_refused() -> None:
    with pytest.raises(PeriodError):
        Period.month("2025-13")
    with pytest.raises(PeriodError):
        Period.days(date(2025, 10, 2), date(2025, 10, 1))


def test_every_page_continues_the_running_balance_whichever_end_it_is_read_from(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Pages in the second half are read from the end of the period: the lines, their order
    (ties on time by entry) and their balances are the same as reading from the start."""
    monkeypatch.setattr(statements, "PAGE_SIZE", 4)
    post("before", datetime(2025, 9, 30, tzinfo=UTC), "USD", {(Account.ISV_PAYABLE, 1): 1000})
    amounts = [(-1) ** n * (n * 37 % 101 + 1) for n in range(19)]
    for n, amount in enumerate(amounts):
        day = datetime(2025, 10, 1 + n // 3, tzinfo=UTC)  # three lines at each moment
        post(f"line-{n}", day, "USD", {(Account.ISV_PAYABLE, 1): amount})
        post(f"other-{n}", day, "USD", {(Account.ISV_PAYABLE, 2): 5})
    post("after", datetime(2025, 11, 1, tzinfo=UTC), "USD", {(Account.ISV_PAYABLE, 1): 3})
    db.session.commit()
    october = Period.month("2025-10")
    pages = [statement(ISV, october, page) for page in range(1, 7)]
    assert pages[0].pages == 5 and [len(page.lines) for page in pages] == [4, 4, 4, 4, 3, 0]
    lines = [line for page in pages for line in page.lines]
    assert [line.amount.amount for line in lines] == amounts
    balances = [1000 + sum(amounts[: n + 1]) for n in range(len(amounts))]
    assert [line.balance.amount for line in lines] == balances
    assert [line.entry_id for line in lines] == sorted(line.entry_id for line in lines)
    assert all(page.closing.amount == balances[-1] for page in pages)
