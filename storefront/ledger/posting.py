"""The entries of a charge and of its refunds, computed without a database.

Pure functions, so the money rules (DESIGN.md, Money 4 and 5) can be property-tested on
their own: a charge credits each party its split of every line, and each refund takes back
from every party in proportion to what it still holds of that charge.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from storefront.errors import DomainError
from storefront.ledger.models import Account
from storefront.money import Money, allocate
from storefront.pricing import split_charge

# The order entries are listed in: cash first, then who is owed what, the platform last.
_ACCOUNT_ORDER = {account: position for position, account in enumerate(Account)}


class OverRefund(DomainError):
    """A refund of nothing, or of more than the charge still has to give back."""


@dataclass(frozen=True)
class ChargeLine:
    """One charged order line, as totals (unit price x quantity) in minor units."""

    charged_minor: int
    wholesale_minor: int
    isv_id: int


@dataclass(frozen=True)
class EntrySpec:
    """A ledger entry to write: signed minor units, + debit, - credit."""

    account: Account
    party_id: int | None
    amount_minor: int


PartyKey = tuple[Account, int | None]


def chart_order(account: Account, party_id: int | None) -> tuple[int, int, int]:
    """Where an (account, party) is listed: chart-of-accounts order, then by party."""
    return (_ACCOUNT_ORDER[account], party_id is not None, party_id or 0)


def _sort_key(key: PartyKey) -> tuple[int, int, int]:
    return chart_order(*key)


def _entries(amounts: dict[PartyKey, int]) -> list[EntrySpec]:
    """One entry per (account, party) in a stable order, zero amounts left out."""
    return [
        EntrySpec(account, party_id, amounts[(account, party_id)])
        for account, party_id in sorted(amounts, key=_sort_key)
        if amounts[(account, party_id)] != 0
    ]


def charge_entries(
    lines: Sequence[ChargeLine],
    *,
    currency: str,
    storefront_id: int,
    commission_bp: int,
    operator_id: int | None,
    override_bp: int,
) -> list[EntrySpec]:
    """Debit the cash received, credit every party its part of each line's split.

    Each line is split on its own (as DESIGN.md rule 4 says), then the parts are summed per
    party; the override counts only where an operator hosts the storefront.
    """
    effective_override_bp = override_bp if operator_id is not None else 0
    amounts: dict[PartyKey, int] = defaultdict(int)
    for line in lines:
        split = split_charge(
            Money(line.charged_minor, currency),
            Money(line.wholesale_minor, currency),
            commission_bp,
            effective_override_bp,
        )
        amounts[(Account.PROCESSOR_CLEARING, None)] += line.charged_minor
        amounts[(Account.ISV_PAYABLE, line.isv_id)] -= split.isv
        amounts[(Account.RESELLER_PAYABLE, storefront_id)] -= split.reseller
        if operator_id is not None:
            amounts[(Account.OPERATOR_PAYABLE, operator_id)] -= split.operator
        amounts[(Account.PLATFORM_REVENUE, None)] -= split.platform
    return _entries(amounts)


def _held_by_party(
    charge: Sequence[EntrySpec], already_reversed: Iterable[Sequence[EntrySpec]]
) -> dict[PartyKey, int]:
    """What each party credited by the charge still holds of it after earlier refunds."""
    held: dict[PartyKey, int] = defaultdict(int)
    for entry in charge:
        if entry.amount_minor < 0:
            held[(entry.account, entry.party_id)] -= entry.amount_minor
    for refund in already_reversed:
        for entry in refund:
            if entry.amount_minor <= 0:
                continue  # the refund's credit to the processor
            key = (entry.account, entry.party_id)
            if key not in held:
                raise ValueError(f"an earlier refund debits {key}, never credited by this charge")
            held[key] -= entry.amount_minor
            if held[key] < 0:
                raise ValueError(f"earlier refunds take more from {key} than the charge credited")
    return dict(held)


def refund_entries(
    charge: Sequence[EntrySpec],
    already_reversed: Sequence[Sequence[EntrySpec]],
    amount_minor: int,
) -> list[EntrySpec]:
    """Reverse ``amount_minor`` of a charge, taken from each party pro rata to what it holds.

    Shares go by largest remainder with the amounts still held as weights, so no party ever
    gives back more than it got, and refunding everything that remains (in one part or many)
    returns every party's holding exactly: the charge then nets to zero for everyone.
    """
    held = _held_by_party(charge, already_reversed)
    refundable = sum(held.values())
    if amount_minor <= 0:
        raise OverRefund(f"A refund must be a positive amount, got {amount_minor} minor units.")
    if amount_minor > refundable:
        raise OverRefund(
            f"Cannot refund {amount_minor} minor units: "
            f"only {refundable} remain refundable on this charge."
        )
    parties = sorted(held, key=_sort_key)
    shares = allocate(amount_minor, [held[party] for party in parties])
    amounts: dict[PartyKey, int] = dict(zip(parties, shares, strict=True))
    amounts[(Account.PROCESSOR_CLEARING, None)] = -amount_minor
    return _entries(amounts)
