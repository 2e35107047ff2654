"""Bulk seeding for the benchmarks: storefronts, offers, listings and ledger lines written with
multi-row inserts (COPY on PostgreSQL for the ledger), with progress on the terminal."""

from __future__ import annotations

import time
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime, timedelta
from itertools import islice
from typing import Any

from sqlalchemy import insert, text

from bench.common import say
from storefront.catalog.models import (
    ApplicationType,
    BillingTerm,
    Isv,
    Listing,
    ListingPrice,
    Offer,
    OfferCategory,
    OfferStatus,
    Plan,
    PlanPrice,
)
from storefront.extensions import db
from storefront.tenants.models import Storefront

SHOP = "shop"  # the benchmarked storefront: <SHOP>.localhost
CURRENCIES = {"EUR": (900, 2400), "USD": (1000, 2900), "JPY": (1200, 3200)}
THEMES = ("default", "midnight", "paper")
CATEGORIES = list(OfferCategory)
TYPES = list(ApplicationType)
BATCH = 5000


def _chunks(rows: Iterable[dict[str, Any]], size: int = BATCH) -> Iterator[list[dict[str, Any]]]:
    iterator = iter(rows)
    while chunk := list(islice(iterator, size)):
        yield chunk


def _insert(model: Any, rows: Iterable[dict[str, Any]], label: str, total: int) -> None:
    done = 0
    began = time.perf_counter()
    for chunk in _chunks(rows):
        db.session.execute(insert(model), chunk)
        done += len(chunk)
        if total >= 20 * BATCH and done % (20 * BATCH) < BATCH:
            say(f"  {label}: {done:,}/{total:,} ({time.perf_counter() - began:.0f} s)")
    db.session.commit()


def seed_catalog(offers: int, storefronts: int, listed: int = 50) -> None:
    """`offers` approved offers (two plans, prices in three currencies) from 20 ISVs, the
    branded storefront `shop` (EUR, German, midnight theme) listing the first `listed`, and
    `storefronts - 1` more storefronts listing `listed` offers each."""
    began = time.perf_counter()
    say(f"seeding {storefronts:,} storefronts, {offers:,} offers, {listed} listed on each ...")
    _insert(
        Isv, ({"id": n, "slug": f"isv{n}", "name": f"Vendor {n}"} for n in range(1, 21)), "ISVs", 20
    )
    _insert(Offer, (_offer(n) for n in range(1, offers + 1)), "offers", offers)
    _insert(
        Plan, (_plan(n, term) for n in range(1, offers + 1) for term in (0, 1)), "plans", 2 * offers
    )
    _insert(PlanPrice, _plan_prices(offers), "plan prices", 6 * offers)
    _insert(
        Storefront, (_storefront(n) for n in range(1, storefronts + 1)), "storefronts", storefronts
    )
    total = storefronts * listed
    _insert(Listing, _listings(storefronts, offers, listed), "listings", total)
    _insert(
        ListingPrice, _listing_prices(storefronts, offers, listed), "listing prices", total // 3
    )
    fix_sequences()
    say(f"  seeded in {time.perf_counter() - began:.1f} s")


def _offer(n: int) -> dict[str, Any]:
    return {
        "id": n,
        "isv_id": n % 20 + 1,
        "slug": f"app-{n:04d}",
        "name": f"App {n:04d}",
        "summary": f"Cloud application number {n}: mail, files and calendars for small teams.",
        "description": f"App {n:04d} runs in the cloud.\n\nIt is sold by hosting providers.",
        "category": CATEGORIES[n % len(CATEGORIES)],
        "application_type": TYPES[n % len(TYPES)],
        "status": OfferStatus.APPROVED,
        "approved_at": datetime(2026, 1, 1, tzinfo=UTC),
    }


def _plan(offer: int, term: int) -> dict[str, Any]:
    return {
        "id": 2 * offer - 1 + term,
        "offer_id": offer,
        "name": ("Monthly", "Yearly")[term],
        "term": (BillingTerm.MONTHLY, BillingTerm.YEARLY)[term],
        "position": term,
    }


def _plan_prices(offers: int) -> Iterator[dict[str, Any]]:
    number = 0
    for plan in range(1, 2 * offers + 1):
        factor = 10 if plan % 2 == 0 else 1  # yearly plans cost ten months
        for currency, (wholesale, retail) in CURRENCIES.items():
            number += 1
            yield {
                "id": number,
                "plan_id": plan,
                "currency": currency,
                "wholesale_minor": wholesale * factor + plan,
                "recommended_retail_minor": retail * factor + 2 * plan,
            }


def _storefront(n: int) -> dict[str, Any]:
    shop = n == 1
    currency = "EUR" if shop else list(CURRENCIES)[n % 3]
    return {
        "id": n,
        "slug": SHOP if shop else f"s{n:05d}",
        "name": "Berliner Cloud Shop" if shop else f"Store {n}",
        "tagline": "Cloud-Anwendungen für kleine Firmen" if shop else "",
        "is_opted_in": True,
        "commission_rate_bp": 2500,
        "theme": "midnight" if shop else THEMES[n % 3],
        "locale": "de" if shop else ("en", "de", "ja")[n % 3],
        "languages": ["de", "en"] if shop else ["en"],
        "currency": currency,
        "primary_color": "#1f4fd1",
        "accent_color": "#f59e0b",
        "support_email": f"support@store{n}.example",
        "footer_links": [
            {"label": "Impressum", "url": "https://example.com/impressum"},
            {"label": "Datenschutz", "url": "https://example.com/datenschutz"},
        ],
        "created_at": datetime(2026, 1, 1, tzinfo=UTC),
    }


def listed_offer_ids(storefront: int, offers: int, listed: int) -> list[int]:
    start = 0 if storefront == 1 else (storefront * 37) % offers
    return [(start + k) % offers + 1 for k in range(min(listed, offers))]


def _listings(storefronts: int, offers: int, listed: int) -> Iterator[dict[str, Any]]:
    for store in range(1, storefronts + 1):
        for k, offer in enumerate(listed_offer_ids(store, offers, listed)):
            yield {"id": (store - 1) * listed + k + 1, "storefront_id": store, "offer_id": offer}


def _listing_prices(storefronts: int, offers: int, listed: int) -> Iterator[dict[str, Any]]:
    """Every third listing has the reseller's own price for its monthly plan."""
    number = 0
    for store in range(1, storefronts + 1):
        currency = _storefront(store)["currency"]
        for k, offer in enumerate(listed_offer_ids(store, offers, listed)):
            if k % 3:
                continue
            number += 1
            plan = 2 * offer - 1
            yield {
                "id": number,
                "storefront_id": store,
                "listing_id": (store - 1) * listed + k + 1,
                "plan_id": plan,
                "currency": currency,
                "retail_minor": CURRENCIES[currency][1] + 2 * plan + 100,
            }


def seed_ledger(lines: int, party_id: int = 1) -> datetime:
    """`lines` charge transactions, each with a line for ISV `party_id` and one for the
    processor; COPY on PostgreSQL. Returns the time of the first line."""
    from storefront.ledger.models import Account, LedgerEntry, LedgerTransaction, TransactionKind

    start = datetime(2025, 1, 1, tzinfo=UTC)
    began = time.perf_counter()
    say(f"seeding {lines:,} ledger lines for one party ({2 * lines:,} entries) ...")
    connection = db.session.connection()
    if connection.dialect.name == "postgresql":
        raw: Any = connection.connection.driver_connection
        with raw.cursor() as cursor:
            with cursor.copy(
                "COPY ledger_transactions (id, source_key, kind, currency, memo, created_at)"
                " FROM STDIN"
            ) as copy:
                for n in range(1, lines + 1):
                    at = start + timedelta(seconds=30 * n)
                    copy.write_row((n, f"bench:{n}", "charge", "USD", f"Order {n}", at))
                    if n % 250_000 == 0:
                        say(f"  transactions: {n:,}/{lines:,}")
            with cursor.copy(
                "COPY ledger_entries (transaction_id, account, party_id, currency, amount_minor)"
                " FROM STDIN"
            ) as copy:
                for n in range(1, lines + 1):
                    amount = n % 997 + 1
                    copy.write_row((n, Account.ISV_PAYABLE.value, party_id, "USD", -amount))
                    copy.write_row((n, Account.PROCESSOR_CLEARING.value, None, "USD", amount))
                    if n % 250_000 == 0:
                        say(f"  entries: {2 * n:,}/{2 * lines:,}")
        db.session.commit()
        db.session.execute(text("ANALYZE ledger_transactions"))
        db.session.execute(text("ANALYZE ledger_entries"))
        db.session.commit()
    else:
        transactions = (
            {
                "id": n,
                "source_key": f"bench:{n}",
                "kind": TransactionKind.CHARGE,
                "currency": "USD",
                "memo": f"Order {n}",
                "created_at": start + timedelta(seconds=30 * n),
            }
            for n in range(1, lines + 1)
        )
        _insert(LedgerTransaction, transactions, "transactions", lines)
        entries = (
            {
                "transaction_id": n,
                "account": account,
                "party_id": party,
                "currency": "USD",
                "amount_minor": sign * (n % 997 + 1),
            }
            for n in range(1, lines + 1)
            for account, party, sign in (
                (Account.ISV_PAYABLE, party_id, -1),
                (Account.PROCESSOR_CLEARING, None, 1),
            )
        )
        _insert(LedgerEntry, entries, "entries", 2 * lines)
    say(f"  seeded in {time.perf_counter() - began:.1f} s")
    return start


def fix_sequences() -> None:
    """After inserts with explicit ids, PostgreSQL's sequences must continue after them."""
    connection = db.session.connection()
    if connection.dialect.name != "postgresql":
        return
    for table in (
        "isvs",
        "offers",
        "plans",
        "plan_prices",
        "storefronts",
        "listings",
        "listing_prices",
    ):
        latest = f"(SELECT coalesce(max(id), 1) FROM {table})"  # noqa: S608 - our own tables
        db.session.execute(
            text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), {latest})")
        )
    db.session.commit()


def analyse() -> None:
    """Fresh planner statistics after bulk loading."""
    db.session.execute(text("ANALYZE"))
    db.session.commit()


def one_offer_store(store: Any, term: Any) -> tuple[Any, Any]:
    """Add `store` selling one approved connector offer ("Mail") with one plan of `term`,
    priced 4.00 wholesale / 10.00 retail in the store's currency; returns (offer, plan)."""
    from storefront.catalog.models import (
        ApplicationType,
        Isv,
        Listing,
        Offer,
        OfferCategory,
        OfferStatus,
        Plan,
        PlanPrice,
    )
    from storefront.extensions import db

    vendor = Isv(slug="vendor", name="Vendor")
    db.session.add_all([store, vendor])
    db.session.flush()
    offer = Offer(
        isv_id=vendor.id,
        slug="mail",
        name="Mail",
        status=OfferStatus.APPROVED,
        category=OfferCategory.EMAIL,
        application_type=ApplicationType.CONNECTOR,
    )
    db.session.add(offer)
    db.session.flush()
    plan = Plan(offer_id=offer.id, name="Monthly", term=term, position=0)
    db.session.add(plan)
    db.session.flush()
    db.session.add(
        PlanPrice(
            plan_id=plan.id,
            currency=store.currency,
            wholesale_minor=400,
            recommended_retail_minor=1000,
        )
    )
    db.session.add(Listing(storefront_id=store.id, offer_id=offer.id))
    return offer, plan
