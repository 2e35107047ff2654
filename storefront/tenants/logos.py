"""Logo uploads: decoded and re-encoded with Pillow, so what is served is always a clean PNG
or WebP that we wrote, under a name we chose."""

from __future__ import annotations

import io
import secrets
import warnings
from dataclasses import dataclass
from pathlib import Path

from flask_babel import gettext
from PIL import Image, UnidentifiedImageError

from storefront.tenants.branding import InvalidBranding

ACCEPTED_FORMATS = {"PNG": (".png",), "JPEG": (".jpg", ".jpeg"), "WEBP": (".webp",)}
LOGO_FOLDER = "logos"


@dataclass(frozen=True, slots=True)
class LogoLimits:
    max_bytes: int = 1024 * 1024
    max_dimension: int = 2000


@dataclass(frozen=True, slots=True)
class CleanLogo:
    """A logo re-encoded and ready to be written (`extension` includes the dot)."""

    data: bytes
    extension: str


def _refuse(message: str) -> InvalidBranding:
    return InvalidBranding(message, field="logo")


def clean_logo(data: bytes, filename: str, limits: LogoLimits) -> CleanLogo:
    """Decode an uploaded logo and re-encode it, or InvalidBranding (field "logo")."""
    if len(data) > limits.max_bytes:
        raise _refuse(
            gettext("The logo is larger than %(size)d KiB.", size=limits.max_bytes // 1024)
        )
    extension = Path(filename or "").suffix.lower()
    allowed = {ext for exts in ACCEPTED_FORMATS.values() for ext in exts}
    if extension not in allowed:
        raise _refuse(gettext("Upload the logo as a PNG, JPEG or WebP file."))
    with warnings.catch_warnings():
        # Pillow warns, then raises, on images with huge pixel counts (decompression bombs).
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            with Image.open(io.BytesIO(data)) as probe:
                detected = probe.format or ""
                probe.verify()
            if detected not in ACCEPTED_FORMATS:
                raise _refuse(gettext("Upload the logo as a PNG, JPEG or WebP file."))
            if extension not in ACCEPTED_FORMATS[detected]:
                raise _refuse(gettext("The file's content does not match its type."))
            with Image.open(io.BytesIO(data)) as image:
                width, height = image.size  # from the header: checked before decoding pixels
                if max(width, height) > limits.max_dimension:
                    raise _refuse(
                        gettext(
                            "The logo is %(width)d×%(height)d pixels; at most %(max)d×%(max)d.",
                            width=width,
                            height=height,
                            max=limits.max_dimension,
                        )
                    )
                image.load()
                return _reencode(image, detected)
        except (Image.DecompressionBombError, Image.DecompressionBombWarning):
            raise _refuse(gettext("The image is too large to decode.")) from None
        except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
            raise _refuse(gettext("The file is not a readable PNG, JPEG or WebP image.")) from None


def _reencode(image: Image.Image, detected: str) -> CleanLogo:
    has_alpha = image.mode in ("RGBA", "LA", "PA") or "transparency" in image.info
    clean = image.convert("RGBA" if has_alpha else "RGB")  # drops metadata and palettes' tricks
    out = io.BytesIO()
    if detected == "WEBP":
        clean.save(out, format="WEBP", quality=90)
        return CleanLogo(out.getvalue(), ".webp")
    clean.save(out, format="PNG", optimize=True)
    return CleanLogo(out.getvalue(), ".png")


def store_logo(logo: CleanLogo, uploads: Path) -> str:
    """Write the logo under a random name; returns its path relative to `uploads`."""
    folder = uploads / LOGO_FOLDER
    folder.mkdir(parents=True, exist_ok=True)
    name = f"{secrets.token_hex(16)}{logo.extension}"
    (folder / name).write_bytes(logo.data)
    return f"{LOGO_FOLDER}/{name}"
