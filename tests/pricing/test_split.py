from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from storefront.money import CurrencyError, Money
from storefront.pricing import Split, split_charge


def test_reseller_takes_its_commission_of_the_margin() -> None:
    split = split_charge(Money(10000, "USD"), Money(5000, "USD"), commission_bp=3000)
    assert split == Split(currency="USD", isv=5000, reseller=1500, operator=0, platform=3500)
    assert split.total == 10000


def test_operator_override_is_carved_out_of_the_platform_part() -> None:
    without = split_charge(Money(10000, "USD"), Money(5000, "USD"), commission_bp=3000)
    with_operator = split_charge(
        Money(10000, "USD"), Money(5000, "USD"), commission_bp=3000, override_bp=1000
    )
    assert with_operator.reseller == without.reseller
    assert with_operator.operator == 500
    assert with_operator.platform == without.platform - 500


def test_rounding_remainders_go_by_largest_remainder() -> None:
    # Margin 501: exact shares 166.98, 50.1 and 283.92.
    split = split_charge(Money(1001, "USD"), Money(500, "USD"), 3333, 1000)
    assert split.parts() == {"isv": 500, "reseller": 167, "operator": 50, "platform": 284}


def test_split_is_in_the_charge_currency() -> None:
    split = split_charge(Money(3000, "JPY"), Money(1000, "JPY"), 2500)
    assert split.currency == "JPY"
    assert split.parts() == {"isv": 1000, "reseller": 500, "operator": 0, "platform": 1500}


def test_charge_below_wholesale_is_refused() -> None:
    with pytest.raises(ValueError):
        split_charge(Money(999, "USD"), Money(1000, "USD"), 3000)


def test_mixed_currencies_are_refused() -> None:
    with pytest.raises(CurrencyError):
        split_charge(Money(1000, "USD"), Money(500, "EUR"), 3000)


@pytest.mark.parametrize(
    ("commission_bp", "override_bp"), [(-1, 0), (10001, 0), (0, -1), (0, 10001), (6000, 4001)]
)
def test_rates_outside_zero_to_one_hundred_percent_are_refused(
    commission_bp: int, override_bp: int
) -> None:
    with pytest.raises(ValueError):
        split_charge(Money(1000, "USD"), Money(500, "USD"), commission_bp, override_bp)


rates = st.integers(min_value=0, max_value=10000).flatmap(
    lambda commission: st.tuples(
        st.just(commission), st.integers(min_value=0, max_value=10000 - commission)
    )
)


@given(
    wholesale=st.integers(min_value=0, max_value=10**12),
    margin=st.integers(min_value=0, max_value=10**12),
    rates=rates,
    currency=st.sampled_from(["JPY", "USD", "KWD"]),
)
def test_parts_add_up_to_the_charge_and_match_the_exact_shares(
    wholesale: int, margin: int, rates: tuple[int, int], currency: str
) -> None:
    commission_bp, override_bp = rates
    charged = wholesale + margin
    split = split_charge(
        Money(charged, currency), Money(wholesale, currency), commission_bp, override_bp
    )

    assert split.total == sum(split.parts().values()) == charged
    assert all(part >= 0 for part in split.parts().values())
    assert split.isv == wholesale
    platform_bp = 10000 - commission_bp - override_bp
    for part, rate_bp in [
        (split.reseller, commission_bp),
        (split.operator, override_bp),
        (split.platform, platform_bp),
    ]:
        assert abs(part - Fraction(margin * rate_bp, 10000)) < 1
