"""Who gets what of a charged amount: ISV, reseller, white-label operator, platform."""

from dataclasses import dataclass

from storefront.money import CurrencyError, Money, allocate

BASIS_POINTS = 10_000  # 100%


@dataclass(frozen=True, slots=True)
class Split:
    """The parts of one charged order line, in minor units of ``currency``."""

    currency: str
    isv: int
    reseller: int
    operator: int
    platform: int

    @property
    def total(self) -> int:
        return self.isv + self.reseller + self.operator + self.platform

    def parts(self) -> dict[str, int]:
        """Each party's part by name, e.g. for ledger postings."""
        return {
            "isv": self.isv,
            "reseller": self.reseller,
            "operator": self.operator,
            "platform": self.platform,
        }


def _check_rate(name: str, rate_bp: int) -> None:
    if isinstance(rate_bp, bool) or not isinstance(rate_bp, int):
        raise TypeError(f"{name} must be an int of basis points")
    if not 0 <= rate_bp <= BASIS_POINTS:
        raise ValueError(f"{name} must be between 0 and {BASIS_POINTS} basis points")


def split_charge(
    charged: Money, wholesale: Money, commission_bp: int, override_bp: int = 0
) -> Split:
    """Split a charged line total: the ISV gets wholesale, the margin is shared out.

    The reseller gets ``commission_bp`` of the margin, the white-label operator
    ``override_bp`` (carved out of the platform's part) and the platform the rest;
    remainders go by largest remainder, so the parts add up to ``charged`` exactly.
    ``charged`` and ``wholesale`` are both totals for the line (price x quantity).
    """
    _check_rate("commission_bp", commission_bp)
    _check_rate("override_bp", override_bp)
    if commission_bp + override_bp > BASIS_POINTS:
        raise ValueError("commission and override together exceed 100% of the margin")
    if charged.currency != wholesale.currency:
        raise CurrencyError(
            f"Charged in {charged.currency} but wholesale is in {wholesale.currency}"
        )
    if wholesale.amount < 0:
        raise ValueError(f"wholesale must not be negative, got {wholesale}")
    margin = charged.amount - wholesale.amount
    if margin < 0:
        raise ValueError(f"charged {charged} is below wholesale {wholesale}")

    reseller, operator, platform = allocate(
        margin, [commission_bp, override_bp, BASIS_POINTS - commission_bp - override_bp]
    )
    return Split(
        currency=charged.currency,
        isv=wholesale.amount,
        reseller=reseller,
        operator=operator,
        platform=platform,
    )
