"""`flask ledger ...`: checks and reports an operator runs against the whole ledger."""

from __future__ import annotations

import click
from flask.cli import AppGroup
from sqlalchemy import func, select

from storefront.extensions import db
from storefront.ledger.models import LedgerTransaction
from storefront.ledger.services import balances, unbalanced_transactions
from storefront.money import Money
from storefront.tenants.scope import all_tenants

ledger_group = AppGroup("ledger", help="Check the ledger and report balances.")

_HEADERS = ("account", "party", "currency", "amount")


@ledger_group.command("check")
def check_command() -> None:
    """Verify every transaction balances in one currency; exit 1 if any does not."""
    with all_tenants():
        unbalanced = unbalanced_transactions()
        count = db.session.scalar(select(func.count()).select_from(LedgerTransaction)) or 0
    if unbalanced:
        click.echo(
            f"{len(unbalanced)} of {count} transactions unbalanced: "
            + ", ".join(str(transaction_id) for transaction_id in unbalanced)
        )
        raise SystemExit(1)
    click.echo(f"{count} transactions, all balanced")


@ledger_group.command("balances")
@click.option("--currency", help="Only balances in this ISO 4217 currency, e.g. USD.")
def balances_command(currency: str | None) -> None:
    """Print each account's balance per party and currency (+ debit, - credit)."""
    with all_tenants():
        rows = balances(currency=currency.upper() if currency else None)
    if not rows:
        click.echo("No ledger entries.")
        return
    table = [_HEADERS] + [
        (
            row.account.value,
            "-" if row.party_id is None else str(row.party_id),
            row.currency,
            Money(row.amount_minor, row.currency).format("en"),
        )
        for row in rows
    ]
    widths = [max(len(cells[column]) for cells in table) for column in range(len(_HEADERS))]
    for account, party, currency_code, amount in table:
        click.echo(
            f"{account:<{widths[0]}}  {party:<{widths[1]}}  "
            f"{currency_code:<{widths[2]}}  {amount:>{widths[3]}}"
        )
