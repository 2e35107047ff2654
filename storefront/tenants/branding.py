"""Branding tokens: the only tenant-supplied values that reach a page's styling.

Colours are validated as `#rrggbb` and emitted as CSS custom properties; no raw CSS or
HTML from a tenant is ever rendered. Colours must also keep text readable: every theme
puts white text on the primary colour (and the primary colour as link text on a light
page), and dark text on the accent colour, so both pairs must pass WCAG AA (4.5:1).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from flask_babel import gettext
from markupsafe import Markup

from storefront.errors import DomainError
from storefront.tenants.models import Storefront

_HEX_COLOUR = re.compile(r"^#[0-9a-fA-F]{6}$")

WCAG_AA_TEXT = 4.5
# What the themes draw on or with the brand colours (see themes/*/static).
LIGHT_SURFACES = ("#ffffff", "#f6f7f9")  # white text on primary; primary links on the page
DARK_TEXT = "#111111"  # button and badge text on the accent colour

MAX_FOOTER_LINKS = 6
MAX_FOOTER_LABEL = 40
MAX_FOOTER_URL = 300
_LINK_SCHEMES = ("https", "http", "mailto")


class InvalidBranding(DomainError):
    """A branding value was refused; `field` names the form field it belongs to."""

    def __init__(self, message: str, field: str = "") -> None:
        super().__init__(message)
        self.field = field


def validate_colour(value: str) -> str:
    """A colour as lower-case `#rrggbb`, or InvalidBranding."""
    if not _HEX_COLOUR.match(value or ""):
        raise InvalidBranding(gettext("%(value)s is not a colour like #1f4fd1.", value=repr(value)))
    return value.lower()


def relative_luminance(colour: str) -> float:
    """WCAG 2.x relative luminance of a `#rrggbb` colour (0 black … 1 white)."""
    channels = [int(colour[index : index + 2], 16) / 255 for index in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast_ratio(first: str, second: str) -> float:
    """WCAG contrast ratio of two colours, from 1 (same) to 21 (black on white)."""
    light, dark = sorted((relative_luminance(first), relative_luminance(second)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def check_primary_contrast(colour: str) -> None:
    ratio = min(contrast_ratio(colour, surface) for surface in LIGHT_SURFACES)
    if ratio < WCAG_AA_TEXT:
        raise InvalidBranding(
            gettext(
                "White text on %(colour)s has a contrast of only %(ratio)s:1; WCAG AA needs "
                "4.5:1. Choose a darker colour.",
                colour=colour,
                ratio=f"{ratio:.1f}",
            ),
            field="primary_color",
        )


def check_accent_contrast(colour: str) -> None:
    ratio = contrast_ratio(colour, DARK_TEXT)
    if ratio < WCAG_AA_TEXT:
        raise InvalidBranding(
            gettext(
                "Dark text on %(colour)s has a contrast of only %(ratio)s:1; WCAG AA needs "
                "4.5:1. Choose a lighter colour.",
                colour=colour,
                ratio=f"{ratio:.1f}",
            ),
            field="accent_color",
        )


@dataclass(frozen=True, slots=True)
class FooterLink:
    label: str
    url: str | None  # None: shown as text only (a stored link that no longer validates)


def safe_link_url(url: str) -> str | None:
    """The URL if it is an http(s) or mailto link, else None (javascript:, data:, ...)."""
    url = (url or "").strip()
    if not url or len(url) > MAX_FOOTER_URL or any(ord(char) < 0x21 for char in url):
        return None
    parts = urlsplit(url)
    if parts.scheme.lower() not in _LINK_SCHEMES:
        return None
    if parts.scheme.lower() != "mailto" and not parts.netloc:
        return None
    return url


def clean_footer_links(lines: str) -> list[dict[str, str]]:
    """Parse "Label | https://url" lines into stored footer links, or InvalidBranding."""
    links: list[dict[str, str]] = []
    for number, raw in enumerate(lines.splitlines(), start=1):
        line = raw.strip()
        if not line:
            continue
        label, bar, url = line.partition("|")
        label, url = label.strip(), url.strip()
        if not bar or not label or not url:
            raise InvalidBranding(
                gettext("Line %(number)d: write a link as “Label | https://…”.", number=number),
                field="footer_links",
            )
        if len(label) > MAX_FOOTER_LABEL:
            raise InvalidBranding(
                gettext(
                    "Line %(number)d: a label has at most %(max)d characters.",
                    number=number,
                    max=MAX_FOOTER_LABEL,
                ),
                field="footer_links",
            )
        if safe_link_url(url) is None:
            raise InvalidBranding(
                gettext(
                    "Line %(number)d: only https://, http:// and mailto: links are allowed.",
                    number=number,
                ),
                field="footer_links",
            )
        links.append({"label": label, "url": url})
    if len(links) > MAX_FOOTER_LINKS:
        raise InvalidBranding(
            gettext("At most %(max)d footer links.", max=MAX_FOOTER_LINKS), field="footer_links"
        )
    return links


def footer_links_text(links: Iterable[dict[str, str]]) -> str:
    return "\n".join(f"{link.get('label', '')} | {link.get('url', '')}" for link in links)


def footer_links(storefront: Storefront) -> list[FooterLink]:
    """The storefront's footer links for a page; a stored URL that is not a safe link is
    shown as plain text (templates escape the label either way)."""
    shown: list[FooterLink] = []
    for link in (storefront.footer_links or [])[:MAX_FOOTER_LINKS]:
        if isinstance(link, dict) and isinstance(link.get("label"), str):
            shown.append(FooterLink(link["label"], safe_link_url(str(link.get("url", "")))))
    return shown


def available_languages(translation_directories: str) -> list[str]:
    """English (the source) and every language with a catalogue in `translations/`."""
    languages = {"en"}
    for directory in translation_directories.split(";"):
        folder = Path(directory)
        if folder.is_dir():
            languages.update(
                path.parent.parent.name for path in folder.glob("*/LC_MESSAGES/messages.po")
            )
    return sorted(languages)


DEFAULT_PRIMARY = "#1f4fd1"
DEFAULT_ACCENT = "#f59e0b"


def brand_colours(storefront: Storefront) -> tuple[str, str]:
    """The storefront's primary and accent colours, re-validated so a bad row falls back to
    the defaults instead of reaching a page or an e-mail."""
    return (
        _or_default(storefront.primary_color, DEFAULT_PRIMARY),
        _or_default(storefront.accent_color, DEFAULT_ACCENT),
    )


def css_custom_properties(storefront: Storefront) -> Markup:
    """The storefront's colours as a `:root` rule (validated tokens only)."""
    primary, accent = brand_colours(storefront)
    return Markup(  # noqa: S704 - both values are validated #rrggbb
        f":root{{--brand-primary:{primary};--brand-accent:{accent};}}"
    )


def _or_default(value: str, default: str) -> str:
    try:
        return validate_colour(value)
    except InvalidBranding:
        return default
