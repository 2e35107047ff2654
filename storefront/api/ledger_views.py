"""Ledger statements: what the platform owes one party in one currency over a month, as the
console's and the vendor portal's statement pages show it (opening balance, lines with their
running balance, closing balance). Every principal reads its own party's, a white-label
operator also those of the storefronts it hosts, the platform any."""

from __future__ import annotations

from typing import Any

from flask import g, request

from storefront.api import schemas, serialize
from storefront.api.blueprint import registry
from storefront.api.errors import invalid, not_found
from storefront.api.models import PrincipalKind
from storefront.api.pagination import (
    DEFAULT_LIMIT,
    MAX_LIMIT,
    choice_arg,
    cursor_arg,
    encode_cursor,
    integer_arg,
)
from storefront.api.registry import MAX_ID, Param
from storefront.catalog.models import Isv
from storefront.extensions import db
from storefront.ledger.models import Account
from storefront.ledger.statements import (
    PAYABLES,
    Party,
    Period,
    PeriodError,
    StatementLine,
    statement_after,
)
from storefront.money import CurrencyError, Money
from storefront.tenants.models import Storefront, WhiteLabelOperator

EVERYONE = (
    PrincipalKind.STOREFRONT,
    PrincipalKind.ISV,
    PrincipalKind.OPERATOR,
    PrincipalKind.PLATFORM,
)
OWN_ACCOUNT = {
    PrincipalKind.STOREFRONT: Account.RESELLER_PAYABLE,
    PrincipalKind.ISV: Account.ISV_PAYABLE,
    PrincipalKind.OPERATOR: Account.OPERATOR_PAYABLE,
}
PARTIES: dict[Account, type[Storefront | Isv | WhiteLabelOperator]] = {
    Account.RESELLER_PAYABLE: Storefront,
    Account.ISV_PAYABLE: Isv,
    Account.OPERATOR_PAYABLE: WhiteLabelOperator,
}
CURSOR_LABEL = "statement"

STATEMENT_PARAMS = (
    Param(
        "month",
        {"type": "string", "pattern": r"^[1-9]\d{3}-(0[1-9]|1[0-2])$"},
        "The calendar month (UTC), e.g. 2026-11.",
        required=True,
    ),
    Param("currency", {"type": "string", "pattern": "^[A-Z]{3}$"}, "ISO 4217", required=True),
    Param(
        "account",
        {"type": "string", "enum": [account.value for account in PAYABLES]},
        "The party's payable account (the platform must name it; others: their own).",
    ),
    Param(
        "party_id",
        {"type": "integer", "minimum": 1, "maximum": MAX_ID},
        "The storefront, ISV or operator id (the platform must name it; others: their own).",
    ),
    Param("limit", {"type": "integer", "minimum": 1, "maximum": MAX_LIMIT}, "Lines per page."),
    Param("cursor", {"type": "string"}, "The `next_cursor` of the previous page."),
)


def _period() -> Period:
    try:
        return Period.month(request.args.get("month") or "")
    except PeriodError as error:
        raise invalid("month", str(error)) from None


def _currency() -> str:
    currency = request.args.get("currency") or ""
    try:
        if len(currency) != 3 or not currency.isupper():
            raise CurrencyError(currency)
        Money(0, currency)
    except CurrencyError:
        raise invalid("currency", "Must be an ISO 4217 code, e.g. USD.") from None
    return currency


def _party(currency: str) -> Party:
    """The token's own party, or (platform) the one it names; another party is 404."""
    token = g.api_token
    named = choice_arg("account", [account.value for account in PAYABLES])
    account = Account(named) if named is not None else None
    party_id = integer_arg("party_id", 0, 1, MAX_ID) or None
    if token.principal == PrincipalKind.PLATFORM:
        if account is None:
            raise invalid("account", "Name the party's account.")
        if party_id is None:
            raise invalid("party_id", "Name the party.")
        if db.session.get(PARTIES[account], party_id) is None:
            raise not_found("party")
        return Party(account, party_id, currency)
    if token.principal == PrincipalKind.OPERATOR and account == Account.RESELLER_PAYABLE:
        # as in the console: a white-label operator reads the storefronts it hosts
        store = db.session.get(Storefront, party_id) if party_id is not None else None
        if store is None or store.operator_id != token.principal_id:
            raise not_found("party")
        return Party(account, store.id, currency)
    own = OWN_ACCOUNT[token.principal]
    if account not in (None, own) or party_id not in (None, token.principal_id):
        raise not_found("party")
    return Party(own, token.principal_id, currency)


def _line(line: StatementLine) -> dict[str, Any]:
    return {
        "transaction_id": line.transaction_id,
        "entry_id": line.entry_id,
        "created_at": serialize.moment(line.created_at),
        "kind": line.kind,
        "memo": line.memo,
        "amount": serialize.money(line.amount),
        "balance": serialize.money(line.balance),
    }


@registry.route(
    "GET",
    "/ledger/statements",
    summary="A party's statement for a month: opening balance, lines, closing balance "
    "(what the platform owes the party: + earned, − given back or paid out)",
    tag="ledger",
    principals=EVERYONE,
    response=schemas.STATEMENT,
    params=STATEMENT_PARAMS,
)
def ledger_statement() -> dict[str, Any]:
    limit = integer_arg("limit", DEFAULT_LIMIT, 1, MAX_LIMIT)
    period = _period()
    party = _party(_currency())
    cursor = cursor_arg()
    after = None
    if cursor is not None:
        label, after = cursor
        if label != CURSOR_LABEL:
            raise invalid("cursor", "The cursor belongs to another list.")
    result = statement_after(party, period, after, limit + 1)
    lines = result.lines[:limit]
    next_cursor = None
    if len(result.lines) > limit:
        next_cursor = encode_cursor(CURSOR_LABEL, lines[-1].created_at, lines[-1].entry_id)
    return {
        "party": {
            "account": party.account.value,
            "party_id": party.party_id,
            "currency": party.currency,
        },
        "month": period.label,
        "start": serialize.moment(period.start),
        "end": serialize.moment(period.end),
        "opening": serialize.money(result.opening),
        "closing": serialize.money(result.closing),
        "line_count": result.line_count,
        "payouts": [
            {
                "period": payout.period,
                "amount": serialize.money(payout.amount_minor, payout.currency),
            }
            for payout in result.payouts
        ],
        "items": [_line(line) for line in lines],
        "next_cursor": next_cursor,
    }
