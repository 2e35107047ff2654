"""WCAG contrast of brand colours, and footer links that can only ever be http(s) or mailto."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from storefront.tenants.branding import (
    InvalidBranding,
    check_accent_contrast,
    check_primary_contrast,
    clean_footer_links,
    contrast_ratio,
    safe_link_url,
)


def test_contrast_ratio_matches_wcag() -> None:
    assert contrast_ratio("#000000", "#ffffff") == pytest.approx(21)
    assert contrast_ratio("#777777", "#ffffff") == pytest.approx(4.48, abs=0.01)


@pytest.mark.parametrize("colour", ["#1f4fd1", "#b0195a", "#0f766e"])  # the demo stores'
def test_readable_primary_colours_pass(colour: str) -> None:
    check_primary_contrast(colour)


@pytest.mark.parametrize("colour", ["#ffff00", "#8fb3ff", "#ffffff"])
def test_pale_primary_colours_are_refused(colour: str) -> None:
    with pytest.raises(InvalidBranding, match="WCAG AA"):
        check_primary_contrast(colour)


def test_dark_accents_are_refused() -> None:
    check_accent_contrast("#f59e0b")
    with pytest.raises(InvalidBranding):
        check_accent_contrast("#333333")


@pytest.mark.parametrize(
    "url",
    ["javascript:alert(1)", "JaVaScRiPt:alert(1)", " javascript:x", "data:text/html,x", "//x", "x"],
)
def test_unsafe_links_are_refused(url: str) -> None:
    assert safe_link_url(url) is None
    with pytest.raises(InvalidBranding):
        clean_footer_links(f"Label | {url}")


@given(st.text(max_size=60))
def test_any_accepted_link_is_http_or_mailto(url: str) -> None:
    accepted = safe_link_url(url)
    if accepted is not None:
        assert accepted.lower().startswith(("https://", "http://", "mailto:"))


def test_footer_links_parse_and_limit() -> None:
    assert clean_footer_links("Imprint | https://a.example/\n\nMail | mailto:x@a.example") == [
        {"label": "Imprint", "url": "https://a.example/"},
        {"label": "Mail", "url": "mailto:x@a.example"},
    ]
    with pytest.raises(InvalidBranding):
        clean_footer_links("\n".join(f"L{i} | https://a.example/{i}" for i in range(7)))
