"""The 50% margin rule: an offer sells only if retail is at least twice wholesale.

``(retail - wholesale) / retail >= 0.5`` is, in integer minor units,
``2 * wholesale <= retail``: no division and no rounding.
"""

from storefront.errors import DomainError
from storefront.money import CurrencyError, Money


def passes_margin(wholesale: int, retail: int) -> bool:
    """Whether a retail price keeps at least half of it as margin over wholesale."""
    for name, price in (("wholesale", wholesale), ("retail", retail)):
        if isinstance(price, bool) or not isinstance(price, int):
            raise TypeError(f"{name} price must be an int of minor units")
    if wholesale < 0:
        raise ValueError(f"wholesale price must not be negative, got {wholesale}")
    return retail > 0 and 2 * wholesale <= retail


def margin_floor(wholesale: Money) -> Money:
    """The lowest retail price the margin rule allows: twice the wholesale price."""
    if wholesale.amount < 0:
        raise ValueError(f"wholesale price must not be negative, got {wholesale}")
    return wholesale * 2


class MarginError(DomainError, ValueError):
    """A retail price below the floor; carries the prices so any view can explain it."""

    def __init__(self, wholesale: Money, retail: Money) -> None:
        self.wholesale = wholesale
        self.retail = retail
        self.floor = margin_floor(wholesale)
        super().__init__(self.message("en"))

    def message(self, locale: str = "en") -> str:
        """The refusal with both prices formatted for ``locale``."""
        retail = self.retail.format(locale)
        if self.retail.amount <= 0:
            return f"The retail price {retail} must be above zero."
        return (
            f"The retail price {retail} is below the floor {self.floor.format(locale)}"
            " (twice the wholesale price)."
        )

    def __reduce__(self) -> tuple[type["MarginError"], tuple[Money, Money]]:
        # Rebuild from the prices, not the message, so the error survives pickling
        # (e.g. a background job reporting it).
        return (type(self), (self.wholesale, self.retail))


def check_margin(wholesale: Money, retail: Money) -> None:
    """Refuse a retail price below twice the wholesale price with a MarginError."""
    if wholesale.currency != retail.currency:
        raise CurrencyError(
            f"Wholesale is in {wholesale.currency} but retail is in {retail.currency}"
        )
    if not passes_margin(wholesale.amount, retail.amount):
        raise MarginError(wholesale, retail)
