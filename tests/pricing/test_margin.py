import pickle
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from storefront.money import CurrencyError, Money
from storefront.pricing import MarginError, check_margin, margin_floor, passes_margin

NBSP = "\xa0"


@pytest.mark.parametrize(
    ("wholesale", "retail", "passes"),
    [
        (500, 1000, True),  # exactly 50%
        (501, 1000, False),
        (500, 999, False),
        (0, 1, True),
        (0, 0, False),  # nothing to take a margin of
        (1, 2, True),
        (1, 1, False),
    ],
)
def test_margin_rule(wholesale: int, retail: int, passes: bool) -> None:
    assert passes_margin(wholesale, retail) is passes


def test_negative_wholesale_is_refused() -> None:
    with pytest.raises(ValueError):
        passes_margin(-1, 100)
    with pytest.raises(ValueError):
        margin_floor(Money(-1, "USD"))


def test_float_prices_are_refused() -> None:
    with pytest.raises(TypeError):
        passes_margin(4.5, 10)  # type: ignore[arg-type]


@given(st.integers(min_value=0, max_value=10**12), st.integers(min_value=1, max_value=10**12))
def test_margin_rule_agrees_with_exact_rational_arithmetic(wholesale: int, retail: int) -> None:
    exact = Fraction(retail - wholesale, retail) >= Fraction(1, 2)
    assert passes_margin(wholesale, retail) is exact


def test_floor_is_twice_the_wholesale_price() -> None:
    assert margin_floor(Money(450, "USD")) == Money(900, "USD")
    assert margin_floor(Money(1235, "JPY")) == Money(2470, "JPY")


def test_check_margin_accepts_the_floor_itself() -> None:
    check_margin(Money(500, "USD"), Money(1000, "USD"))


def test_a_price_below_the_floor_is_refused_with_the_floor() -> None:
    with pytest.raises(MarginError) as refused:
        check_margin(Money(500, "USD"), Money(900, "USD"))
    error = refused.value
    assert error.wholesale == Money(500, "USD")
    assert error.retail == Money(900, "USD")
    assert error.floor == Money(1000, "USD")
    expected = "The retail price $9.00 is below the floor $10.00 (twice the wholesale price)."
    assert str(error) == expected
    assert error.message() == expected
    assert error.message("de") == (
        f"The retail price 9,00{NBSP}$ is below the floor 10,00{NBSP}$ (twice the wholesale price)."
    )


def test_a_zero_retail_price_is_refused_even_at_zero_wholesale() -> None:
    with pytest.raises(MarginError, match="must be above zero"):
        check_margin(Money(0, "EUR"), Money(0, "EUR"))


def test_mixed_currencies_are_refused() -> None:
    with pytest.raises(CurrencyError):
        check_margin(Money(500, "USD"), Money(1000, "EUR"))


def test_margin_error_survives_pickling() -> None:
    error = MarginError(Money(500, "JPY"), Money(900, "JPY"))
    restored = pickle.loads(pickle.dumps(error))  # noqa: S301
    assert (restored.wholesale, restored.retail, restored.floor) == (
        error.wholesale,
        error.retail,
        error.floor,
    )
    assert str(restored) == str(error)
