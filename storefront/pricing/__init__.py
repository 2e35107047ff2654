"""Pricing rules: the 50% margin floor and the split of every charged amount."""

from storefront.pricing.margin import MarginError, check_margin, margin_floor, passes_margin
from storefront.pricing.split import Split, split_charge

__all__ = [
    "MarginError",
    "Split",
    "check_margin",
    "margin_floor",
    "passes_margin",
    "split_charge",
]
