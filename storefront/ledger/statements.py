"""Statements: what the platform owes one party (an ISV, a reseller's storefront, an operator) in
one currency over a period: the opening balance, each ledger line, the closing balance.

Everything is summed by the database: one query for the opening and closing balances and the
number of lines, one paginated (or streamed, for CSV) query for the lines with their running
balance. Nothing loops over a party's whole history in Python.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import Select, and_, case, func, or_, select

from storefront.errors import DomainError
from storefront.extensions import db
from storefront.ledger.models import Account, LedgerEntry, LedgerTransaction, Payout
from storefront.money import Money

PAYABLES = (Account.ISV_PAYABLE, Account.RESELLER_PAYABLE, Account.OPERATOR_PAYABLE)
PAGE_SIZE = 100
_MONTH = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")


class PeriodError(DomainError):
    """A period that cannot be read (or ends before it starts)."""


@dataclass(frozen=True)
class Period:
    """[start, end) in UTC; `label` names it ("2026-11" for a calendar month)."""

    start: datetime
    end: datetime
    label: str

    @classmethod
    def month(cls, label: str) -> Period:
        match = _MONTH.match(label.strip())
        if match is None:
            raise PeriodError("Enter a month like 2026-11.")
        year, month = int(match.group(1)), int(match.group(2))
        try:
            start = datetime(year, month, 1, tzinfo=UTC)
            end = datetime(year + month // 12, month % 12 + 1, 1, tzinfo=UTC)
        except ValueError:  # year 0, or a month that ends after 9999
            raise PeriodError("Enter a month like 2026-11.") from None
        return cls(start, end, label.strip())

    @classmethod
    def days(cls, first: date, last: date) -> Period:
        """From the first day to the last day, both included."""
        if last < first:
            raise PeriodError("The period ends before it starts.")
        start = datetime(first.year, first.month, first.day, tzinfo=UTC)
        end = datetime(last.year, last.month, last.day, tzinfo=UTC) + timedelta(days=1)
        return cls(start, end, f"{first.isoformat()} – {last.isoformat()}")


@dataclass(frozen=True)
class Party:
    account: Account
    party_id: int
    currency: str


@dataclass(frozen=True)
class StatementLine:
    transaction_id: int
    created_at: datetime
    kind: str
    memo: str
    amount: Money  # owed to the party: + it earned, - it gave back or was paid
    balance: Money  # owed to the party after this line
    entry_id: int = 0  # with created_at, the line's place in the statement's order


@dataclass(frozen=True)
class Statement:
    party: Party
    period: Period
    opening: Money
    closing: Money
    line_count: int
    lines: list[StatementLine]
    page: int
    payouts: list[Payout]

    @property
    def pages(self) -> int:
        return max(1, -(-self.line_count // PAGE_SIZE))


def _party_entries(party: Party) -> Any:
    return and_(
        LedgerEntry.account == party.account,
        LedgerEntry.party_id == party.party_id,
        LedgerEntry.currency == party.currency,
    )


def _totals(party: Party, period: Period) -> tuple[int, int, int]:
    """(opening, closing, lines in the period) in one aggregate query; ledger signs (+ debit)."""
    in_period = LedgerTransaction.created_at >= period.start
    row = db.session.execute(
        select(
            func.coalesce(func.sum(case((in_period, 0), else_=LedgerEntry.amount_minor)), 0),
            func.coalesce(func.sum(LedgerEntry.amount_minor), 0),
            func.count(case((in_period, LedgerEntry.id))),
        )
        .select_from(LedgerEntry)
        .join(LedgerTransaction, LedgerTransaction.id == LedgerEntry.transaction_id)
        .where(_party_entries(party), LedgerTransaction.created_at < period.end)
    ).one()
    return int(row[0]), int(row[1]), int(row[2])


def _lines_query(
    party: Party, period: Period, from_the_end: bool = False
) -> Select[*tuple[Any, ...]]:
    """The period's lines in statement order with their running sums; `from_the_end`: in
    reverse order, with the sum of each line and the lines after it."""
    order: tuple[Any, ...] = (LedgerTransaction.created_at, LedgerEntry.id)
    if from_the_end:
        order = tuple(column.desc() for column in order)
    return (
        select(
            LedgerTransaction.id,
            LedgerTransaction.created_at,
            LedgerTransaction.kind,
            LedgerTransaction.memo,
            LedgerEntry.amount_minor,
            func.sum(LedgerEntry.amount_minor).over(order_by=order).label("running"),
            LedgerEntry.id.label("entry_id"),
        )
        .select_from(LedgerEntry)
        .join(LedgerTransaction, LedgerTransaction.id == LedgerEntry.transaction_id)
        .where(
            _party_entries(party),
            LedgerTransaction.created_at >= period.start,
            LedgerTransaction.created_at < period.end,
        )
        .order_by(*order)
    )


def _line(party: Party, opening_minor: int, row: Any) -> StatementLine:
    created_at = row[1] if row[1].tzinfo else row[1].replace(tzinfo=UTC)
    return StatementLine(
        transaction_id=row[0],
        created_at=created_at,
        kind=str(getattr(row[2], "value", row[2])),
        memo=row[3],
        amount=Money(-int(row[4]), party.currency),
        balance=Money(-(opening_minor + int(row[5])), party.currency),
        entry_id=row[6],
    )


def statement(party: Party, period: Period, page: int = 1) -> Statement:
    """One page of a party's statement; amounts are what the platform owes the party.

    A page in the second half is read from the end: the database then skips the lines after
    it instead of the (many more) lines before it, and each line's running balance is the
    period's total less the lines after it."""
    page = max(1, page)
    totals = _totals(party, period)
    before = (page - 1) * PAGE_SIZE  # lines on the pages before this one
    shown = min(PAGE_SIZE, totals[2] - before)
    after = totals[2] - before - shown
    if shown > 0 and after < before:
        query = _lines_query(party, period, from_the_end=True).limit(shown).offset(after)
        return _statement(party, period, query, page, totals, from_the_end=True)
    query = _lines_query(party, period).limit(PAGE_SIZE).offset(before)
    return _statement(party, period, query, page, totals)


def statement_after(
    party: Party, period: Period, after: tuple[datetime, int] | None, limit: int
) -> Statement:
    """The statement with the `limit` lines that follow the line at `after` (its `created_at`
    and `entry_id`; None: from the first line): the API's cursor pages, which never skip or
    repeat a line when lines are added between two requests, as offset pages could."""
    lines = _lines_query(party, period).order_by(None).subquery()
    query = select(*lines.c)
    if after is not None:
        moment, entry_id = after
        query = query.where(
            or_(
                lines.c.created_at > moment,
                and_(lines.c.created_at == moment, lines.c.entry_id > entry_id),
            )
        )
    query = query.order_by(lines.c.created_at, lines.c.entry_id).limit(limit)
    return _statement(party, period, query, page=1)


def _statement(
    party: Party,
    period: Period,
    lines_query: Select[*tuple[Any, ...]],
    page: int,
    totals: tuple[int, int, int] | None = None,
    from_the_end: bool = False,
) -> Statement:
    opening, closing, count = totals or _totals(party, period)
    rows: list[Any] = list(db.session.execute(lines_query).all())
    if from_the_end:  # back in statement order, each with the sum up to and including it
        period_sum = closing - opening
        rows = [(*row[:5], period_sum - row[5] + row[4], row[6]) for row in reversed(rows)]
    payouts = list(
        db.session.scalars(
            select(Payout)
            .where(
                Payout.account == party.account,
                Payout.party_id == party.party_id,
                Payout.currency == party.currency,
                Payout.period >= period.start.strftime("%Y-%m"),
                Payout.period <= (period.end - timedelta(microseconds=1)).strftime("%Y-%m"),
            )
            .order_by(Payout.period)
        )
    )
    return Statement(
        party=party,
        period=period,
        opening=Money(-opening, party.currency),
        closing=Money(-closing, party.currency),
        line_count=count,
        lines=[_line(party, opening, row) for row in rows],
        page=page,
        payouts=payouts,
    )


_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(text: str) -> str:
    """Text a spreadsheet will not run as a formula (OWASP's CSV injection advice)."""
    return "'" + text if text.startswith(_FORMULA_START) else text


def statement_csv(party: Party, period: Period) -> Iterator[str]:
    """The whole statement as CSV, streamed in chunks of rows: amounts are decimal strings
    in major units (exact, from minor units), text cells are formula-safe."""
    opening, closing, _count = _totals(party, period)
    buffer = io.StringIO()
    writer = csv.writer(buffer)

    def flush() -> str:
        text = buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
        return text

    def amount(minor: int) -> str:
        return str(Money(minor, party.currency).to_decimal())

    writer.writerow(["date", "transaction", "kind", "memo", "amount", "currency", "balance"])
    writer.writerow(
        [
            period.start.date().isoformat(),
            "",
            "opening",
            "Opening balance",
            "",
            party.currency,
            amount(-opening),
        ]
    )
    yield flush()
    rows = db.session.execute(_lines_query(party, period).execution_options(yield_per=2000))
    for number, row in enumerate(rows, start=1):
        line = _line(party, opening, row)
        writer.writerow(
            [
                line.created_at.isoformat(timespec="seconds"),
                line.transaction_id,
                line.kind,
                safe_cell(line.memo),
                amount(line.amount.amount),
                party.currency,
                amount(line.balance.amount),
            ]
        )
        if number % 2000 == 0:
            yield flush()
    writer.writerow(
        [
            (period.end - timedelta(seconds=1)).date().isoformat(),
            "",
            "closing",
            "Closing balance",
            "",
            party.currency,
            amount(-closing),
        ]
    )
    yield flush()
