import pickle
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from storefront.money import CurrencyError, Money, currency_exponent

NBSP = "\xa0"
FULLWIDTH_YEN = "\uffe5"


@pytest.mark.parametrize(("code", "exponent"), [("JPY", 0), ("USD", 2), ("EUR", 2), ("KWD", 3)])
def test_exponents_come_from_babel(code: str, exponent: int) -> None:
    assert currency_exponent(code) == exponent


@pytest.mark.parametrize("code", ["ABC", "usd", "", "DOLLARS"])
def test_unknown_currency_is_refused(code: str) -> None:
    with pytest.raises(CurrencyError):
        currency_exponent(code)
    with pytest.raises(CurrencyError):
        Money(100, code)


def test_float_amounts_are_refused() -> None:
    with pytest.raises(TypeError):
        Money(12.5, "USD")  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        Money(True, "USD")
    with pytest.raises(TypeError):
        Money.from_major(12.5, "USD")  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        Money(100, "USD") * 1.5  # type: ignore[operator]


def test_formatting_follows_the_storefront_locale() -> None:
    assert Money(123450, "USD").format("en") == "$1,234.50"
    assert Money(123450, "EUR").format("de") == f"1.234,50{NBSP}€"
    assert Money(1235, "JPY").format("ja") == f"{FULLWIDTH_YEN}1,235"
    assert Money(1235, "KWD").format("en") == "KWD1.235"
    assert Money(123450, "USD").format("en-US") == "$1,234.50"


def test_str_is_exact_and_locale_free() -> None:
    assert str(Money(1250, "USD")) == "12.50 USD"
    assert str(Money(-5, "USD")) == "-0.05 USD"
    assert str(Money(0, "KWD")) == "0.000 KWD"
    assert str(Money(1235, "JPY")) == "1235 JPY"


def test_to_decimal_is_exact_even_for_huge_amounts() -> None:
    amount = 12345678901234567890123456789012345
    assert Money(amount, "USD").to_decimal() == Decimal("123456789012345678901234567890123.45")
    assert Money(1250, "USD").to_decimal().as_tuple().exponent == -2


@pytest.mark.parametrize(
    ("value", "currency", "amount"),
    [
        ("12", "USD", 1200),
        ("12.5", "USD", 1250),
        ("12.50", "USD", 1250),
        ("12.500", "USD", 1250),
        ("1e2", "JPY", 100),
        ("-0.01", "USD", -1),
        (Decimal("1.234"), "KWD", 1234),
        (1500, "JPY", 1500),
        ("1500", "JPY", 1500),
        (7, "USD", 700),
    ],
)
def test_from_major_is_exact(value: str | Decimal | int, currency: str, amount: int) -> None:
    assert Money.from_major(value, currency) == Money(amount, currency)


@pytest.mark.parametrize(
    ("value", "currency"),
    [
        ("1.234", "USD"),
        ("1.5", "JPY"),
        ("0.0001", "KWD"),
        ("twelve", "USD"),
        ("NaN", "USD"),
        ("Infinity", "USD"),
        ("", "USD"),
        ("1e999999999", "USD"),
    ],
)
def test_from_major_refuses_what_would_need_rounding(value: str, currency: str) -> None:
    with pytest.raises(ValueError):
        Money.from_major(value, currency)


@given(st.integers(min_value=-(10**20), max_value=10**20), st.sampled_from(["JPY", "USD", "KWD"]))
def test_from_major_round_trips_to_decimal(amount: int, currency: str) -> None:
    money = Money(amount, currency)
    assert Money.from_major(money.to_decimal(), currency) == money
    assert Money.from_major(str(money).split()[0], currency) == money


def test_arithmetic_in_one_currency() -> None:
    price = Money(1250, "USD")
    assert price + Money(50, "USD") == Money(1300, "USD")
    assert price - Money(1300, "USD") == Money(-50, "USD")
    assert -price == Money(-1250, "USD")
    assert price * 3 == 3 * price == Money(3750, "USD")
    assert Money.zero("JPY") == Money(0, "JPY")
    same_price = Money(1250, "USD")
    assert Money(1, "USD") < price <= same_price < Money(1251, "USD")
    assert Money(1251, "USD") > price >= same_price > Money(0, "USD")


def test_mixed_currencies_are_refused() -> None:
    dollars, euros = Money(100, "USD"), Money(100, "EUR")
    with pytest.raises(CurrencyError):
        dollars + euros
    with pytest.raises(CurrencyError):
        dollars - euros
    with pytest.raises(CurrencyError):
        dollars < euros  # noqa: B015
    with pytest.raises(CurrencyError):
        dollars >= euros  # noqa: B015
    assert dollars != euros


def test_money_does_not_mix_with_plain_numbers() -> None:
    with pytest.raises(TypeError):
        Money(100, "USD") + 1  # type: ignore[operator]
    with pytest.raises(TypeError):
        Money(100, "USD") < 1  # type: ignore[operator]  # noqa: B015


def test_allocate_keeps_the_currency_and_the_total() -> None:
    assert Money(1000, "JPY").allocate([1, 1, 1]) == [
        Money(334, "JPY"),
        Money(333, "JPY"),
        Money(333, "JPY"),
    ]


def test_money_is_an_immutable_hashable_value() -> None:
    price = Money(1250, "USD")
    assert {price, Money(1250, "USD")} == {price}
    assert pickle.loads(pickle.dumps(price)) == price  # noqa: S301
    with pytest.raises(AttributeError):
        price.amount = 1  # type: ignore[misc]
