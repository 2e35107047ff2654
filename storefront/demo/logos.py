"""Simple generated logos for the demo storefronts (a coloured tile with initials)."""

from __future__ import annotations

from pathlib import Path

from PIL import Image, ImageDraw, ImageFont


def make_logo(folder: Path, slug: str, initials: str, colour: str) -> str:
    """Write `<folder>/logos/<slug>.png` and return its path relative to `folder`."""
    target = folder / "logos"
    target.mkdir(parents=True, exist_ok=True)
    image = Image.new("RGB", (160, 160), colour)
    draw = ImageDraw.Draw(image)
    font = ImageFont.load_default(size=72)
    box = draw.textbbox((0, 0), initials, font=font)
    width, height = box[2] - box[0], box[3] - box[1]
    draw.text(
        ((160 - width) / 2 - box[0], (160 - height) / 2 - box[1]), initials, fill="white", font=font
    )
    image.save(target / f"{slug}.png", optimize=True)
    return f"logos/{slug}.png"
