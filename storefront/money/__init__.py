"""Money: exact amounts in minor units, their allocation and their display."""

from storefront.money.allocation import allocate
from storefront.money.money import CurrencyError, Money, currency_exponent

__all__ = ["CurrencyError", "Money", "allocate", "currency_exponent"]
