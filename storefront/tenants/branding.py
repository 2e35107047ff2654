"""Branding tokens: the only tenant-supplied values that reach a page's styling.

Colours are validated as `#rrggbb` and emitted as CSS custom properties; no raw CSS or
HTML from a tenant is ever rendered.
"""

from __future__ import annotations

import re

from markupsafe import Markup

from storefront.errors import DomainError
from storefront.tenants.models import Storefront

_HEX_COLOUR = re.compile(r"^#[0-9a-fA-F]{6}$")


class InvalidBranding(DomainError):
    pass


def validate_colour(value: str) -> str:
    """A colour as lower-case `#rrggbb`, or InvalidBranding."""
    if not _HEX_COLOUR.match(value or ""):
        raise InvalidBranding(f"{value!r} is not a colour like #1f4fd1.")
    return value.lower()


def css_custom_properties(storefront: Storefront) -> Markup:
    """The storefront's colours as a `:root` rule; values re-validated so a bad row
    falls back to the defaults instead of reaching the page."""
    primary = _or_default(storefront.primary_color, "#1f4fd1")
    accent = _or_default(storefront.accent_color, "#f59e0b")
    return Markup(  # noqa: S704 - both values are validated #rrggbb
        f":root{{--brand-primary:{primary};--brand-accent:{accent};}}"
    )


def _or_default(value: str, default: str) -> str:
    try:
        return validate_colour(value)
    except InvalidBranding:
        return default
