"""The buyer's cart: plan ids and quantities only. Prices are never taken from the browser;
the cart is priced from the storefront's listing rules each time it is shown or paid."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, MutableMapping
from dataclasses import dataclass
from typing import Any

from storefront.catalog.listings import ListedOffer, ListedPlan, listed_plans
from storefront.errors import DomainError
from storefront.money import Money
from storefront.tenants.models import Storefront

MAX_QUANTITY = 999
MAX_LINES = 25
SESSION_KEY = "cart"


class CartError(DomainError):
    pass


@dataclass(frozen=True, slots=True)
class CartLine:
    offer: ListedOffer
    plan: ListedPlan
    quantity: int

    @property
    def total(self) -> Money:
        return self.plan.retail * self.quantity


@dataclass(frozen=True, slots=True)
class PricedCart:
    currency: str
    lines: tuple[CartLine, ...]
    dropped_plan_ids: tuple[int, ...]  # in the cart but no longer on sale here

    @property
    def total(self) -> Money:
        return sum((line.total for line in self.lines), Money.zero(self.currency))

    @property
    def is_empty(self) -> bool:
        return not self.lines

    @property
    def fingerprint(self) -> str:
        """Identifies exactly what would be charged: plans, quantities, unit prices, currency."""
        parts = [self.currency] + [
            f"{line.plan.plan_id}x{line.quantity}@{line.plan.retail.amount}"
            for line in sorted(self.lines, key=lambda line: line.plan.plan_id)
        ]
        return hashlib.sha256("|".join(parts).encode()).hexdigest()


class Cart:
    """Quantities per plan id, kept in the buyer's session (one per storefront host)."""

    def __init__(self, session: MutableMapping[str, Any]) -> None:
        self._session = session

    @property
    def quantities(self) -> dict[int, int]:
        raw = self._session.get(SESSION_KEY) or {}
        return {int(plan): int(quantity) for plan, quantity in raw.items()}

    def _save(self, quantities: Mapping[int, int]) -> None:
        self._session[SESSION_KEY] = {str(plan): qty for plan, qty in quantities.items() if qty > 0}

    def add(self, plan_id: int, quantity: int) -> None:
        quantities = self.quantities
        if plan_id not in quantities and len(quantities) >= MAX_LINES:
            raise CartError(f"A cart holds at most {MAX_LINES} different plans.")
        quantities[plan_id] = _checked(quantities.get(plan_id, 0) + quantity)
        self._save(quantities)

    def set(self, plan_id: int, quantity: int) -> None:
        quantities = self.quantities
        if quantity <= 0:
            quantities.pop(plan_id, None)
        else:
            quantities[plan_id] = _checked(quantity)
        self._save(quantities)

    def clear(self) -> None:
        self._session.pop(SESSION_KEY, None)

    def __len__(self) -> int:
        return sum(self.quantities.values())


def _checked(quantity: int) -> int:
    if not 1 <= quantity <= MAX_QUANTITY:
        raise CartError(f"The quantity must be between 1 and {MAX_QUANTITY}.")
    return quantity


def price_cart(storefront: Storefront, quantities: Mapping[int, int]) -> PricedCart:
    """Price the cart with what the storefront sells now; plans no longer on sale are dropped."""
    on_sale = listed_plans(storefront, quantities)
    lines = tuple(
        CartLine(offer=on_sale[plan].offer, plan=on_sale[plan].plan, quantity=quantity)
        for plan, quantity in sorted(quantities.items())
        if plan in on_sale
    )
    dropped = tuple(sorted(plan for plan in quantities if plan not in on_sale))
    return PricedCart(currency=storefront.currency, lines=lines, dropped_plan_ids=dropped)
