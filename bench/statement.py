"""How long a statement takes for a party with 100,000 ledger lines on SQLite: the page (opening
and closing balances, first and last page of lines) and the whole CSV. Prints the figures.

    .venv/bin/python bench/statement.py [lines]
"""

from __future__ import annotations

import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from flask_migrate import upgrade
from sqlalchemy import insert

from storefront import create_app
from storefront.extensions import db
from storefront.ledger.models import Account, LedgerEntry, LedgerTransaction, TransactionKind
from storefront.ledger.statements import Party, Period, statement, statement_csv


def main(lines: int) -> None:
    folder = Path(tempfile.mkdtemp(prefix="statement-bench-"))
    app = create_app(
        {"SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder / 'bench.sqlite'}", "SECRET_KEY": "bench"}
    )
    with app.app_context():
        upgrade(revision="heads")
        start = datetime(2025, 1, 1, tzinfo=UTC)
        transactions, entries = [], []
        for number in range(1, lines + 1):
            transactions.append(
                {
                    "id": number,
                    "source_key": f"bench:{number}",
                    "kind": TransactionKind.CHARGE,
                    "currency": "USD",
                    "memo": f"Order {number}",
                    "created_at": start + timedelta(minutes=5 * number),
                }
            )
            entries += [
                {
                    "transaction_id": number,
                    "account": Account.ISV_PAYABLE,
                    "party_id": 1,
                    "currency": "USD",
                    "amount_minor": -(number % 997 + 1),
                },
                {
                    "transaction_id": number,
                    "account": Account.PROCESSOR_CLEARING,
                    "party_id": None,
                    "currency": "USD",
                    "amount_minor": number % 997 + 1,
                },
            ]
        db.session.execute(insert(LedgerTransaction), transactions)
        db.session.execute(insert(LedgerEntry), entries)
        db.session.commit()
        party = Party(Account.ISV_PAYABLE, 1, "USD")
        everything = Period.days(start.date(), (start + timedelta(minutes=5 * lines)).date())
        middle = Period.month("2025-06")
        for label, period, page in (
            ("whole history, first page", everything, 1),
            ("whole history, last page", everything, lines // 100),
            ("one month, first page", middle, 1),
        ):
            began = time.perf_counter()
            result = statement(party, period, page)
            took = time.perf_counter() - began
            print(f"{label:28} {result.line_count:>7} lines  {took * 1000:8.1f} ms")
        began = time.perf_counter()
        size = sum(len(chunk) for chunk in statement_csv(party, everything))
        took = time.perf_counter() - began
        print(f"{'whole history, CSV':28} {size:>7} bytes {took * 1000:8.1f} ms")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 100_000)
