"""The entries of charges and refunds: every charge and refund balances, each party gets its
split, and refunding everything nets every party of the charge to zero."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from storefront.ledger.models import Account
from storefront.ledger.posting import (
    ChargeLine,
    EntrySpec,
    OverRefund,
    charge_entries,
    refund_entries,
)

STORE = 7
OPERATOR = 3
CLEARING = (Account.PROCESSOR_CLEARING, None)
PLATFORM = (Account.PLATFORM_REVENUE, None)
RESELLER = (Account.RESELLER_PAYABLE, STORE)


def by_party(entries: Sequence[EntrySpec]) -> dict[tuple[Account, int | None], int]:
    keys = [(entry.account, entry.party_id) for entry in entries]
    assert len(keys) == len(set(keys)), "one entry per (account, party)"
    return {(entry.account, entry.party_id): entry.amount_minor for entry in entries}


def test_charge_credits_each_party_its_split_and_debits_the_cash() -> None:
    lines = [
        ChargeLine(charged_minor=30000, wholesale_minor=12000, isv_id=1),
        ChargeLine(charged_minor=999, wholesale_minor=333, isv_id=2),
    ]
    entries = charge_entries(
        lines,
        currency="JPY",
        storefront_id=STORE,
        commission_bp=2500,
        operator_id=OPERATOR,
        override_bp=1000,
    )
    # Second line, margin 666: exact 166.5 / 66.6 / 432.9, the two leftover yen go to the
    # largest remainders (platform, operator).
    assert entries == [
        EntrySpec(Account.PROCESSOR_CLEARING, None, 30999),
        EntrySpec(Account.ISV_PAYABLE, 1, -12000),
        EntrySpec(Account.ISV_PAYABLE, 2, -333),
        EntrySpec(Account.RESELLER_PAYABLE, STORE, -(4500 + 166)),
        EntrySpec(Account.OPERATOR_PAYABLE, OPERATOR, -(1800 + 67)),
        EntrySpec(Account.PLATFORM_REVENUE, None, -(11700 + 433)),
    ]


def test_lines_of_the_same_isv_are_one_entry_and_zero_parts_are_left_out() -> None:
    lines = [
        ChargeLine(charged_minor=2000, wholesale_minor=800, isv_id=5),
        ChargeLine(charged_minor=2999, wholesale_minor=1234, isv_id=5),
    ]
    entries = charge_entries(
        lines, currency="USD", storefront_id=STORE, commission_bp=0, operator_id=None, override_bp=0
    )
    assert entries == [
        EntrySpec(Account.PROCESSOR_CLEARING, None, 4999),
        EntrySpec(Account.ISV_PAYABLE, 5, -2034),
        EntrySpec(Account.PLATFORM_REVENUE, None, -2965),
    ]


def test_override_counts_only_where_an_operator_hosts_the_store() -> None:
    line = [ChargeLine(charged_minor=10000, wholesale_minor=5000, isv_id=1)]
    entries = charge_entries(
        line,
        currency="USD",
        storefront_id=STORE,
        commission_bp=3000,
        operator_id=None,
        override_bp=1000,
    )
    assert by_party(entries)[PLATFORM] == -3500
    assert Account.OPERATOR_PAYABLE not in {entry.account for entry in entries}


CHARGE = [
    EntrySpec(Account.PROCESSOR_CLEARING, None, 1000),
    EntrySpec(Account.ISV_PAYABLE, 1, -400),
    EntrySpec(Account.RESELLER_PAYABLE, STORE, -150),
    EntrySpec(Account.PLATFORM_REVENUE, None, -450),
]


def test_refund_takes_back_pro_rata_and_credits_the_cash() -> None:
    assert refund_entries(CHARGE, [], 100) == [
        EntrySpec(Account.PROCESSOR_CLEARING, None, -100),
        EntrySpec(Account.ISV_PAYABLE, 1, 40),
        EntrySpec(Account.RESELLER_PAYABLE, STORE, 15),
        EntrySpec(Account.PLATFORM_REVENUE, None, 45),
    ]


def test_last_refund_returns_exactly_what_each_party_still_holds() -> None:
    first = refund_entries(CHARGE, [], 333)
    second = refund_entries(CHARGE, [first], 333)
    rest = refund_entries(CHARGE, [first, second], 334)
    net = Counter[tuple[Account, int | None]]()
    for entries in (CHARGE, first, second, rest):
        net.update(by_party(entries))
    assert set(net.values()) == {0}


@pytest.mark.parametrize("amount", [0, -5, 1001])
def test_refund_of_nothing_or_more_than_was_paid_is_refused(amount: int) -> None:
    with pytest.raises(OverRefund):
        refund_entries(CHARGE, [], amount)


def test_refund_after_a_full_refund_is_refused() -> None:
    everything = refund_entries(CHARGE, [], 1000)
    with pytest.raises(OverRefund, match="only 0 remain"):
        refund_entries(CHARGE, [everything], 1)


def test_history_that_takes_back_more_than_was_credited_is_refused() -> None:
    impossible = [
        EntrySpec(Account.PROCESSOR_CLEARING, None, -500),
        EntrySpec(Account.ISV_PAYABLE, 1, 500),
    ]
    with pytest.raises(ValueError, match="more"):
        refund_entries(CHARGE, [impossible], 1)


# --- properties ---------------------------------------------------------------------------

CURRENCIES = ["USD", "JPY", "KWD", "EUR"]


@st.composite
def charge_lines(draw: st.DrawFn) -> ChargeLine:
    unit_wholesale = draw(st.integers(min_value=0, max_value=100_000))
    unit_retail = draw(st.integers(min_value=max(2 * unit_wholesale, 1), max_value=400_000))
    quantity = draw(st.integers(min_value=1, max_value=50))
    return ChargeLine(
        charged_minor=unit_retail * quantity,
        wholesale_minor=unit_wholesale * quantity,
        isv_id=draw(st.integers(min_value=1, max_value=4)),
    )


rates = st.integers(min_value=0, max_value=10_000).flatmap(
    lambda commission: st.tuples(
        st.just(commission), st.integers(min_value=0, max_value=10_000 - commission)
    )
)


@st.composite
def charges(draw: st.DrawFn) -> tuple[list[ChargeLine], str, int, int | None, int]:
    lines = draw(st.lists(charge_lines(), min_size=1, max_size=6))
    commission_bp, override_bp = draw(rates)
    operator_id = draw(st.sampled_from([None, OPERATOR]))
    return lines, draw(st.sampled_from(CURRENCIES)), commission_bp, operator_id, override_bp


def post(charge: tuple[list[ChargeLine], str, int, int | None, int]) -> list[EntrySpec]:
    lines, currency, commission_bp, operator_id, override_bp = charge
    return charge_entries(
        lines,
        currency=currency,
        storefront_id=STORE,
        commission_bp=commission_bp,
        operator_id=operator_id,
        override_bp=override_bp,
    )


@given(charges())
def test_charge_balances_and_gives_each_party_its_exact_share(
    charge: tuple[list[ChargeLine], str, int, int | None, int],
) -> None:
    lines, _currency, commission_bp, operator_id, override_bp = charge
    entries = post(charge)
    parties = by_party(entries)

    assert sum(parties.values()) == 0
    assert parties[CLEARING] == sum(line.charged_minor for line in lines)
    assert all(amount < 0 for key, amount in parties.items() if key != CLEARING)
    assert entries[0].account == Account.PROCESSOR_CLEARING

    for isv_id in {line.isv_id for line in lines}:
        wholesale = sum(line.wholesale_minor for line in lines if line.isv_id == isv_id)
        assert parties.get((Account.ISV_PAYABLE, isv_id), 0) == -wholesale

    if operator_id is None:
        override_bp = 0
        assert not any(account == Account.OPERATOR_PAYABLE for account, _party in parties)
    margin = sum(line.charged_minor - line.wholesale_minor for line in lines)
    exact = {
        RESELLER: Fraction(margin * commission_bp, 10_000),
        (Account.OPERATOR_PAYABLE, OPERATOR): Fraction(margin * override_bp, 10_000),
        PLATFORM: Fraction(margin * (10_000 - commission_bp - override_bp), 10_000),
    }
    for key, share in exact.items():
        # Each line rounds its part up or down by less than one minor unit.
        assert abs(-parties.get(key, 0) - share) < len(lines)


@given(charges(), st.data())
def test_refunds_never_exceed_the_charge_and_refunding_everything_nets_to_zero(
    charge: tuple[list[ChargeLine], str, int, int | None, int], data: st.DataObject
) -> None:
    entries = post(charge)
    paid = by_party(entries)[CLEARING]
    credited = {key: -amount for key, amount in by_party(entries).items() if key != CLEARING}
    taken_back = Counter[tuple[Account, int | None]]()
    refunds: list[list[EntrySpec]] = []
    remaining = paid

    def refund(amount: int) -> None:
        nonlocal remaining
        reversal = refund_entries(entries, refunds, amount)
        refunds.append(reversal)
        parties = by_party(reversal)
        assert sum(parties.values()) == 0
        assert parties[CLEARING] == -amount
        assert all(amount > 0 for key, amount in parties.items() if key != CLEARING)
        taken_back.update({key: amount for key, amount in parties.items() if key != CLEARING})
        assert all(taken_back[key] <= credited.get(key, 0) for key in taken_back)
        remaining -= amount

    for _ in range(data.draw(st.integers(min_value=0, max_value=4), label="partial refunds")):
        if remaining == 0:
            break
        refund(data.draw(st.integers(min_value=1, max_value=remaining), label="refund"))
    with pytest.raises(OverRefund):
        refund_entries(entries, refunds, remaining + 1)

    if remaining and data.draw(st.booleans(), label="refund the rest"):
        refund(remaining)
    if remaining == 0:
        net = Counter(by_party(entries))
        for reversal in refunds:
            net.update(by_party(reversal))
        assert set(net.values()) == {0}
        assert sum(-reversal[0].amount_minor for reversal in refunds) == paid
