"""Logos are decoded and re-encoded; what is stored is always our own PNG or WebP."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from storefront.tenants.branding import InvalidBranding
from storefront.tenants.logos import LogoLimits, clean_logo


def encoded(fmt: str, mode: str = "RGBA") -> bytes:
    out = io.BytesIO()
    Image.new(mode, (32, 16), (10, 20, 30, 128) if mode == "RGBA" else "#123456").save(
        out, format=fmt
    )
    return out.getvalue()


def test_png_keeps_transparency_and_webp_stays_webp() -> None:
    png = clean_logo(encoded("PNG"), "a.png", LogoLimits())
    with Image.open(io.BytesIO(png.data)) as image:
        assert (image.format, image.mode, image.size) == ("PNG", "RGBA", (32, 16))
    webp = clean_logo(encoded("WEBP"), "a.webp", LogoLimits())
    assert webp.extension == ".webp"


def test_jpeg_metadata_does_not_survive() -> None:
    out = io.BytesIO()
    Image.new("RGB", (8, 8)).save(out, format="JPEG", comment=b"secret comment")
    clean = clean_logo(out.getvalue(), "a.jpeg", LogoLimits())
    assert b"secret comment" not in clean.data


def test_truncated_images_are_refused() -> None:
    with pytest.raises(InvalidBranding):
        clean_logo(encoded("PNG")[:40], "a.png", LogoLimits())
