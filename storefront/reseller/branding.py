"""The storefront's branding as the reseller edits it: validated all at once (every refusal
next to its field), previewed without saving, then saved with an audit entry."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from flask_babel import gettext

from storefront.accounts.models import User
from storefront.audit.models import Surface
from storefront.audit.services import record, snapshot
from storefront.errors import DomainError
from storefront.extensions import db
from storefront.tenants.branding import (
    InvalidBranding,
    check_accent_contrast,
    check_primary_contrast,
    clean_footer_links,
    validate_colour,
)
from storefront.tenants.logos import CleanLogo, LogoLimits, clean_logo, store_logo
from storefront.tenants.models import Storefront

BRANDING_FIELDS = (
    "name",
    "tagline",
    "primary_color",
    "accent_color",
    "theme",
    "locale",
    "languages",
    "currency",
    "support_email",
    "footer_links",
    "logo_path",
)


@dataclass(frozen=True, slots=True)
class BrandingChoices:
    """What the platform offers to choose from."""

    themes: Sequence[str]
    languages: Sequence[str]
    currencies: Sequence[str]


@dataclass(frozen=True, slots=True)
class BrandingInput:
    name: str
    tagline: str
    primary_color: str
    accent_color: str
    theme: str
    locale: str
    languages: Sequence[str]
    currency: str
    support_email: str
    footer_links: str  # "Label | URL" per line
    logo: tuple[bytes, str] | None = None  # (content, file name) of a new logo


class BrandingRefused(DomainError):
    """Every refused value, by form field."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__("; ".join(errors.values()))
        self.errors = errors


@dataclass(frozen=True, slots=True)
class CleanBranding:
    values: dict[str, object]
    logo: CleanLogo | None


def clean_branding(
    given: BrandingInput, choices: BrandingChoices, limits: LogoLimits
) -> CleanBranding:
    """Validate every field; BrandingRefused lists each refusal by field."""
    errors: dict[str, str] = {}
    values: dict[str, object] = {
        "name": given.name.strip(),
        "tagline": given.tagline.strip(),
        "theme": given.theme,
        "locale": given.locale,
        "languages": list(dict.fromkeys(given.languages)),
        "currency": given.currency,
        "support_email": given.support_email.strip(),
    }
    if not values["name"]:
        errors["name"] = gettext("The store needs a name.")
    for name, check in (
        ("primary_color", check_primary_contrast),
        ("accent_color", check_accent_contrast),
    ):
        try:
            colour = validate_colour(getattr(given, name).strip())
            check(colour)
            values[name] = colour
        except InvalidBranding as error:
            errors[name] = str(error)
    if given.theme not in choices.themes:
        errors["theme"] = gettext("There is no theme called %(theme)s.", theme=given.theme)
    unknown = [code for code in given.languages if code not in choices.languages]
    if unknown or not given.languages:
        errors["languages"] = (
            gettext("There is no translation for %(codes)s.", codes=", ".join(unknown))
            if unknown
            else gettext("Offer at least one language.")
        )
    if given.locale not in choices.languages:
        errors["locale"] = gettext("There is no translation for %(codes)s.", codes=given.locale)
    elif given.locale not in given.languages:
        errors["locale"] = gettext("The default language must be one of the languages offered.")
    if given.currency not in choices.currencies:
        errors["currency"] = gettext(
            "The platform does not sell in %(currency)s.", currency=given.currency
        )
    try:
        values["footer_links"] = clean_footer_links(given.footer_links)
    except InvalidBranding as error:
        errors["footer_links"] = str(error)
    logo = None
    if given.logo is not None:
        try:
            logo = clean_logo(given.logo[0], given.logo[1], limits)
        except InvalidBranding as error:
            errors["logo"] = str(error)
    if errors:
        raise BrandingRefused(errors)
    return CleanBranding(values, logo)


def preview_storefront(storefront: Storefront, branding: CleanBranding) -> Storefront:
    """A detached copy of the storefront with the new values, for rendering only: it is
    never added to the session, so nothing of it can be saved."""
    copy = Storefront(
        id=storefront.id,
        slug=storefront.slug,
        is_opted_in=True,  # the preview shows what buyers will see once open
        commission_rate_bp=storefront.commission_rate_bp,
        logo_path=storefront.logo_path,
        name=storefront.name,
    )
    for key, value in branding.values.items():
        setattr(copy, key, value)
    return copy


def update_branding(
    storefront: Storefront, actor: User, branding: CleanBranding, uploads: Path
) -> None:
    """Save validated branding (writing a new logo under a random name)."""
    before = snapshot(storefront, BRANDING_FIELDS)
    for key, value in branding.values.items():
        setattr(storefront, key, value)
    if branding.logo is not None:
        storefront.logo_path = store_logo(branding.logo, uploads)
    after = snapshot(storefront, BRANDING_FIELDS)
    changed = [key for key in BRANDING_FIELDS if before[key] != after[key]]
    if changed:
        record(
            actor=actor,
            surface=Surface.RESELLER,
            action="storefront.branding",
            target=storefront,
            before={key: before[key] for key in changed},
            after={key: after[key] for key in changed},
            storefront_id=storefront.id,
        )
    db.session.flush()
