"""The money value type: integer minor units with an ISO 4217 currency.

No float ever touches money. Exponents come from Babel (JPY 0, USD 2, KWD 3),
never an assumed 2, and display goes through Babel's ``format_currency``.
"""

import functools
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Context, Decimal, InvalidOperation
from typing import Self

from babel.core import Locale
from babel.numbers import format_currency, get_currency_precision, list_currencies

from storefront.money.allocation import allocate

# Integer digits beyond any real price: refusing them keeps input like "1e999999999"
# from building a gigantic int.
_MAX_MAJOR_DIGITS = 30


class CurrencyError(ValueError):
    """A currency code Babel does not know, or amounts in different currencies mixed."""


@functools.lru_cache(maxsize=512)
def currency_exponent(code: str) -> int:
    """Number of decimal places of ``code``'s minor unit (JPY 0, USD 2, KWD 3)."""
    if code not in list_currencies():
        raise CurrencyError(f"Unknown currency code {code!r}")
    return get_currency_precision(code)


@functools.lru_cache(maxsize=64)
def _babel_locale(identifier: str) -> Locale:
    """Parse a storefront locale once ("de", "pt_BR" or "pt-BR")."""
    return Locale.parse(identifier.replace("-", "_"))


@functools.lru_cache(maxsize=65536)
def _formatted(amount: int, currency: str, locale: str) -> str:
    """Babel's rendering of an amount (about 50 µs a call), remembered: it depends on nothing
    but these three values, so it never needs invalidating."""
    major = Money(amount, currency).to_decimal()
    return format_currency(major, currency, locale=_babel_locale(locale))


def _is_minor_units(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


@dataclass(frozen=True, slots=True)
class Money:
    """An exact amount: ``amount`` minor units (cents, yen, fils) of ``currency``."""

    amount: int
    currency: str

    def __post_init__(self) -> None:
        if not _is_minor_units(self.amount):
            raise TypeError(
                f"Money amount must be an int of minor units, got {type(self.amount).__name__}"
            )
        if not isinstance(self.currency, str):
            raise TypeError(
                f"Money currency must be an ISO 4217 code, got {type(self.currency).__name__}"
            )
        currency_exponent(self.currency)

    @classmethod
    def zero(cls, currency: str) -> Self:
        return cls(0, currency)

    @classmethod
    def from_major(cls, value: str | Decimal | int, currency: str) -> Self:
        """Exact amount from major units ("12.50" USD); refuses anything that needs rounding.

        "12", "12.5", "12.50" (even "12.500") are fine; "1.234" USD and "1.5" JPY are
        not, nor are floats, which are never exact.
        """
        exponent = currency_exponent(currency)
        if isinstance(value, bool) or not isinstance(value, str | Decimal | int):
            raise TypeError(
                f"Major amounts are given as str, Decimal or int, got {type(value).__name__}"
            )
        try:
            major = Decimal(value)
        except InvalidOperation:
            raise ValueError(f"{value!r} is not an amount") from None
        if not major.is_finite():
            raise ValueError(f"{value!r} is not an amount")
        if major.adjusted() >= _MAX_MAJOR_DIGITS:
            raise ValueError(f"{value!r} is too large to be a price")

        sign, digits, digit_exponent = major.as_tuple()
        coefficient = int("".join(map(str, digits)))
        shift = int(digit_exponent) + exponent
        if shift >= 0:
            minor = coefficient * 10**shift
        else:
            minor, rest = divmod(coefficient, 10**-shift)
            if rest:
                raise ValueError(f"{value!r} has more decimals than {currency} allows ({exponent})")
        return cls(-minor if sign else minor, currency)

    def to_decimal(self) -> Decimal:
        """The exact amount in major units, e.g. Decimal("12.50") for 1250 USD cents."""
        minor = Decimal(self.amount)
        # A context as precise as the amount itself, so scaleb never rounds.
        exact = Context(prec=max(len(minor.as_tuple().digits), 1))
        return minor.scaleb(-currency_exponent(self.currency), context=exact)

    def format(self, locale: str) -> str:
        """The amount as a storefront in ``locale`` shows it ("$1,234.50", "1.234,50 €")."""
        return _formatted(self.amount, self.currency, locale)

    def allocate(self, weights: Sequence[int]) -> list[Self]:
        """Parts in proportion to ``weights`` that add up to this amount exactly."""
        return [type(self)(part, self.currency) for part in allocate(self.amount, weights)]

    def __str__(self) -> str:
        return f"{self.to_decimal():f} {self.currency}"

    def _require_same_currency(self, other: "Money", action: str) -> None:
        if self.currency != other.currency:
            raise CurrencyError(f"Cannot {action} {self.currency} and {other.currency}")

    def __add__(self, other: "Money") -> "Money":
        if not isinstance(other, Money):
            return NotImplemented
        self._require_same_currency(other, "add")
        return Money(self.amount + other.amount, self.currency)

    def __sub__(self, other: "Money") -> "Money":
        if not isinstance(other, Money):
            return NotImplemented
        self._require_same_currency(other, "subtract")
        return Money(self.amount - other.amount, self.currency)

    def __neg__(self) -> "Money":
        return Money(-self.amount, self.currency)

    def __mul__(self, factor: int) -> "Money":
        if not _is_minor_units(factor):
            return NotImplemented
        return Money(self.amount * factor, self.currency)

    __rmul__ = __mul__

    def __lt__(self, other: "Money") -> bool:
        if not isinstance(other, Money):
            return NotImplemented
        self._require_same_currency(other, "compare")
        return self.amount < other.amount

    def __le__(self, other: "Money") -> bool:
        if not isinstance(other, Money):
            return NotImplemented
        self._require_same_currency(other, "compare")
        return self.amount <= other.amount

    def __gt__(self, other: "Money") -> bool:
        if not isinstance(other, Money):
            return NotImplemented
        self._require_same_currency(other, "compare")
        return self.amount > other.amount

    def __ge__(self, other: "Money") -> bool:
        if not isinstance(other, Money):
            return NotImplemented
        self._require_same_currency(other, "compare")
        return self.amount >= other.amount
