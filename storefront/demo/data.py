"""The demo marketplace: one platform, one white-label operator, three resellers, three ISVs.

Built through the same services the product uses, so the demo obeys every rule. It shows:
an opted-in USD store and an opted-in JPY store with different branding, themes and picks;
a store that has not opted in; offers that are not approved; approved offers nobody picked;
and a plan whose wholesale price the ISV raised after a reseller priced it, so that the
reseller's price now fails the margin check and the plan (or the whole offer) is hidden.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select

from storefront.accounts.models import Role
from storefront.accounts.services import create_user
from storefront.catalog.models import (
    ApplicationType,
    BillingTerm,
    Isv,
    Offer,
    OfferCategory,
    OfferStatus,
    Plan,
)
from storefront.catalog.services import select_offer, set_listing_price, set_plan_price
from storefront.demo.logos import make_logo
from storefront.extensions import db
from storefront.tenants.models import (
    PlatformSettings,
    Storefront,
    StorefrontDomain,
    WhiteLabelOperator,
)
from storefront.timeutil import utcnow

DEMO_PASSWORD = "storefront-demo"  # noqa: S105 - printed for demo sign-in, never used in production
# Platform admins must use two-factor sign-in: the demo admin's authenticator key (printed by
# `make demo`; `flask two-factor-code admin@platform.test` shows the current code).
DEMO_TOTP_SECRET = "STOREFRONTDEMOADMINSECRETKEYABCD"  # noqa: S105 - the demo admin's, printed

A, W, C = ApplicationType.WEBSPACE, ApplicationType.DEDICATED, ApplicationType.CONNECTOR
T = BillingTerm


@dataclass(frozen=True)
class DemoOffer:
    slug: str
    isv: str
    name: str
    category: OfferCategory
    application_type: ApplicationType
    status: OfferStatus
    summary: str
    plans: tuple[
        tuple[str, BillingTerm, int, int], ...
    ]  # name, term, wholesale, retail (USD cents)


OFFERS = (
    DemoOffer(
        "nimbus-mail",
        "nimbus",
        "Nimbus Mail",
        OfferCategory.EMAIL,
        C,
        OfferStatus.APPROVED,
        "Business e-mail with shared calendars and 50 GB mailboxes.",
        (("Standard", T.MONTHLY, 200, 500), ("Standard", T.YEARLY, 2000, 5000)),
    ),
    DemoOffer(
        "nimbus-drive",
        "nimbus",
        "Nimbus Drive",
        OfferCategory.PRODUCTIVITY,
        C,
        OfferStatus.APPROVED,
        "File sync and sharing for teams, with version history.",
        (
            ("Team", T.MONTHLY, 300, 800),
            ("Team", T.YEARLY, 3000, 8000),
            ("Team", T.TWO_YEARS, 5500, 15000),
        ),
    ),
    DemoOffer(
        "nimbus-backup",
        "nimbus",
        "Nimbus Backup",
        OfferCategory.BACKUP,
        W,
        OfferStatus.APPROVED,
        "Image-level server backup on its own instance.",
        (("Server", T.MONTHLY, 1000, 2500), ("Server", T.THREE_YEARS, 30000, 75000)),
    ),
    DemoOffer(
        "nimbus-chat",
        "nimbus",
        "Nimbus Chat",
        OfferCategory.COMMUNICATION,
        C,
        OfferStatus.SUBMITTED,
        "Team chat with channels and video calls.",
        (("Team", T.MONTHLY, 250, 600),),
    ),
    DemoOffer(
        "nimbus-meet",
        "nimbus",
        "Nimbus Meet",
        OfferCategory.COMMUNICATION,
        C,
        OfferStatus.APPROVED,
        "Video meetings for up to 100 people.",
        (("Host", T.MONTHLY, 400, 1000), ("Host", T.YEARLY, 4000, 10000)),
    ),
    DemoOffer(
        "fortress-shield",
        "fortress",
        "Fortress Shield",
        OfferCategory.SECURITY,
        A,
        OfferStatus.APPROVED,
        "Firewall and malware scanning for WordPress sites.",
        (("Single site", T.YEARLY, 2400, 6000), ("Lifetime", T.ONE_TIME, 6000, 15000)),
    ),
    DemoOffer(
        "fortress-vpn",
        "fortress",
        "Fortress VPN Gateway",
        OfferCategory.SECURITY,
        W,
        OfferStatus.APPROVED,
        "A private VPN gateway on a dedicated instance.",
        (("Gateway", T.MONTHLY, 1500, 3500), ("Gateway", T.YEARLY, 15000, 35000)),
    ),
    DemoOffer(
        "fortress-scan",
        "fortress",
        "Fortress Site Scanner",
        OfferCategory.SECURITY,
        A,
        OfferStatus.APPROVED,
        "A one-off deep scan of a website with a repair report.",
        (("Full scan", T.ONE_TIME, 1500, 4000),),
    ),
    DemoOffer(
        "fortress-vault",
        "fortress",
        "Fortress Vault",
        OfferCategory.SECURITY,
        C,
        OfferStatus.REJECTED,
        "Password manager for small teams.",
        (("Team", T.YEARLY, 3000, 7000),),
    ),
    DemoOffer(
        "quill-press",
        "quill",
        "QuillPress",
        OfferCategory.WEBSITES,
        A,
        OfferStatus.APPROVED,
        "The site builder with 200 themes, installed in one click.",
        (("Personal", T.ONE_TIME, 2000, 5000), ("Business", T.YEARLY, 4000, 9900)),
    ),
    DemoOffer(
        "quill-shop",
        "quill",
        "QuillShop",
        OfferCategory.ECOMMERCE,
        A,
        OfferStatus.APPROVED,
        "An online shop with payments, stock and shipping labels.",
        (
            ("Starter", T.MONTHLY, 800, 1900),
            ("Starter", T.YEARLY, 8000, 19000),
            ("Starter", T.TWO_YEARS, 15000, 36000),
        ),
    ),
    DemoOffer(
        "quill-git",
        "quill",
        "Quill Git Server",
        OfferCategory.DEVELOPMENT,
        W,
        OfferStatus.APPROVED,
        "Self-hosted Git with CI runners on its own instance.",
        (("Team", T.MONTHLY, 1200, 2900), ("Team", T.THREE_YEARS, 36000, 87000)),
    ),
    DemoOffer(
        "quill-forms",
        "quill",
        "Quill Forms",
        OfferCategory.PRODUCTIVITY,
        A,
        OfferStatus.DRAFT,
        "Drag-and-drop forms and surveys.",
        (("Forms", T.ONE_TIME, 1000, 2500),),
    ),
    DemoOffer(
        "quill-analytics",
        "quill",
        "Quill Analytics",
        OfferCategory.WEBSITES,
        C,
        OfferStatus.APPROVED,
        "Privacy-friendly web analytics.",
        (("Site", T.MONTHLY, 300, 900),),
    ),
)

# USD cents → other currencies' minor units (demo exchange rates, exact integers).
RATES = {"USD": (1, 1), "EUR": (92, 100), "JPY": (150, 100)}

ISVS = {
    "nimbus": ("Nimbus Software", "dev@nimbus.test"),
    "fortress": ("Fortress Security", "dev@fortress.test"),
    "quill": ("Quill Labs", "dev@quill.test"),
}

STOREFRONTS = (
    # slug, name, tagline, locale, languages, currency, theme, primary, accent, opted in,
    # operator?, commission bp, picks
    (
        "acme",
        "Acme Hosting",
        "Cloud apps for your business, set up in minutes",
        "en",
        ["en", "de"],
        "USD",
        "default",
        "#1f4fd1",
        "#f59e0b",
        True,
        False,
        3000,
        (
            "nimbus-mail",
            "nimbus-drive",
            "nimbus-backup",
            "fortress-shield",
            "fortress-vpn",
            "fortress-scan",
            "quill-press",
            "quill-shop",
            "quill-git",
        ),
    ),
    (
        "sakura",
        "さくらクラウド",
        "ビジネス向けクラウドアプリ",
        "ja",
        ["ja", "en"],
        "JPY",
        "midnight",
        "#b0195a",
        "#ffb300",
        True,
        True,
        2500,
        (
            "nimbus-mail",
            "nimbus-drive",
            "fortress-shield",
            "fortress-scan",
            "quill-press",
            "quill-shop",
        ),
    ),
    (
        "berlin",
        "Berliner Webhosting",
        "Hosting aus Berlin",
        "de",
        ["de", "en"],
        "EUR",
        "default",
        "#0f766e",
        "#facc15",
        False,
        True,
        2000,
        ("nimbus-mail", "quill-press", "quill-shop"),
    ),
)


def _convert(usd_cents: int, currency: str) -> int:
    numerator, denominator = RATES[currency]
    return usd_cents * numerator // denominator


def demo_loaded() -> bool:
    return db.session.scalar(select(PlatformSettings.id).limit(1)) is not None


def load_demo(uploads: Path) -> None:
    """Create the demo marketplace in the current (empty) database; the caller commits."""
    db.session.add(
        PlatformSettings(name="Storefront Cloud Platform", support_email="support@platform.test")
    )
    operator = WhiteLabelOperator(slug="cloudwave", name="CloudWave Partners", override_rate_bp=500)
    db.session.add(operator)

    isvs: dict[str, Isv] = {}
    for slug, (name, _email) in ISVS.items():
        isvs[slug] = Isv(slug=slug, name=name, website=f"https://{slug}.example")
        db.session.add(isvs[slug])
    db.session.flush()

    offers: dict[str, Offer] = {}
    for spec in OFFERS:
        offer = Offer(
            isv_id=isvs[spec.isv].id,
            slug=spec.slug,
            name=spec.name,
            summary=spec.summary,
            description=_description(spec),
            category=spec.category,
            application_type=spec.application_type,
            status=spec.status,
            approved_at=utcnow() if spec.status == OfferStatus.APPROVED else None,
            rejection_reason="Needs an independent security audit first."
            if spec.status == OfferStatus.REJECTED
            else "",
        )
        db.session.add(offer)
        for position, (plan_name, term, wholesale, retail) in enumerate(spec.plans):
            plan = Plan(offer=offer, name=plan_name, term=term, position=position)
            db.session.add(plan)
            db.session.flush()
            for currency in RATES:
                set_plan_price(
                    plan, currency, _convert(wholesale, currency), _convert(retail, currency)
                )
        offers[spec.slug] = offer

    storefronts: dict[str, Storefront] = {}
    for (
        slug,
        name,
        tagline,
        locale,
        languages,
        currency,
        theme,
        primary,
        accent,
        opted_in,
        hosted,
        commission,
        picks,
    ) in STOREFRONTS:
        storefront = Storefront(
            slug=slug,
            name=name,
            tagline=tagline,
            locale=locale,
            languages=languages,
            currency=currency,
            theme=theme,
            primary_color=primary,
            accent_color=accent,
            is_opted_in=opted_in,
            operator=operator if hosted else None,
            commission_rate_bp=commission,
            support_email=f"help@{slug}.test",
            logo_path=make_logo(
                uploads, slug, name[:2].upper() if slug != "sakura" else "SC", primary
            ),
        )
        if slug == "acme":  # the reseller dashboard's footer links and a domain awaiting checks
            storefront.footer_links = [
                {"label": "Imprint", "url": "https://acme.example/imprint"},
                {"label": "Terms", "url": "https://acme.example/terms"},
            ]
        db.session.add(storefront)
        db.session.flush()
        if slug == "acme":
            db.session.add(
                StorefrontDomain(
                    storefront_id=storefront.id,
                    hostname="shop.acme.example",
                    verification_token=secrets.token_hex(20),
                )
            )
        for pick in picks:
            select_offer(storefront, offers[pick])
        storefronts[slug] = storefront

    _reseller_prices_then_wholesale_rise(storefronts, offers)
    _accounts(storefronts, isvs, operator)
    db.session.flush()


def _reseller_prices_then_wholesale_rise(
    storefronts: dict[str, Storefront], offers: dict[str, Offer]
) -> None:
    """Acme priced two plans tightly; then the ISVs raised wholesale prices. Acme's Site
    Scanner price and its QuillShop yearly price now fail the margin check, so the scanner
    disappears from Acme's store and QuillShop shows only its other plans there. Sakura uses
    the recommended prices, which the ISVs raised too, so both stay listed on Sakura."""
    acme = storefronts["acme"]
    scanner, shop = offers["fortress-scan"], offers["quill-shop"]
    scan_plan, shop_yearly = scanner.plans[0], shop.plans[1]
    set_listing_price(acme, select_offer(acme, scanner), scan_plan, 3500)
    set_listing_price(acme, select_offer(acme, shop), shop_yearly, 17000)
    set_listing_price(
        acme, select_offer(acme, offers["nimbus-mail"]), offers["nimbus-mail"].plans[0], 450
    )
    for currency in RATES:
        set_plan_price(scan_plan, currency, _convert(2000, currency), _convert(4500, currency))
        set_plan_price(shop_yearly, currency, _convert(9000, currency), _convert(21000, currency))


def _accounts(
    storefronts: dict[str, Storefront], isvs: dict[str, Isv], operator: WhiteLabelOperator
) -> None:
    admin = create_user(
        "admin@platform.test", DEMO_PASSWORD, Role.PLATFORM_ADMIN, name="Platform Admin"
    )
    admin.totp_secret = DEMO_TOTP_SECRET
    admin.mfa_enabled_at = utcnow()
    create_user(
        "ops@cloudwave.test",
        DEMO_PASSWORD,
        Role.OPERATOR_ADMIN,
        name="CloudWave Ops",
        operator_id=operator.id,
    )
    for slug, isv in isvs.items():
        create_user(ISVS[slug][1], DEMO_PASSWORD, Role.ISV_MEMBER, name=isv.name, isv_id=isv.id)
    for slug, storefront in storefronts.items():
        create_user(
            f"owner@{slug}.test",
            DEMO_PASSWORD,
            Role.RESELLER_ADMIN,
            name=f"{storefront.name} owner",
            storefront_id=storefront.id,
        )
        # The same e-mail on two storefronts is two separate buyer accounts.
        create_user(
            "buyer@example.com",
            DEMO_PASSWORD,
            Role.BUYER,
            name="Demo Buyer",
            storefront_id=storefront.id,
        )


def _description(spec: DemoOffer) -> str:
    kind = {
        A: "It runs in your shared hosting account and is installed from your hosting panel.",
        W: "It runs on its own dedicated instance that your provider sets up for you.",
        C: "It is a SaaS service connected to your account; it is ready minutes after purchase.",
    }[spec.application_type]
    return f"{spec.summary}\n\n{kind}\n\nSupport is included for as long as the plan is active."


def demo_logins(domain: str, port: int) -> list[tuple[str, str, str]]:
    """(e-mail, role, where to sign in) for `make demo`'s printout. Where a surface is not
    built yet the place says so, so nobody is sent to a page that answers 404."""
    console = f"http://{domain}:{port}/operator/"
    rows = [
        ("admin@platform.test", "platform admin", console),
        ("ops@cloudwave.test", "white-label operator admin (CloudWave)", console),
    ]
    rows += [
        (email, f"ISV member ({name})", f"http://{domain}:{port}/vendor/")
        for name, email in ISVS.values()
    ]
    for slug, *_ in STOREFRONTS:
        rows.append(
            (
                f"owner@{slug}.test",
                f"reseller admin ({slug})",
                f"http://{slug}.{domain}:{port}/reseller/",
            )
        )
    for slug, *_ in STOREFRONTS:  # one separate buyer account per storefront
        rows.append(
            ("buyer@example.com", f"buyer ({slug})", f"http://{slug}.{domain}:{port}/account/login")
        )
    return rows
