"""Buyer pages against their limit, side by side in one run.

The storefront (`wsgi:app` with Redis, as at scale; tenant from the host, midnight theme,
German, EUR prices formatted by Babel, 50 listed offers on a real database) and the limit
(`bench/limit_app.py`: the same HTML from an in-memory list) run under the same gunicorn
settings (gunicorn.conf.py, 2 sync workers); wrk drives each page at 4, 16 and 64 connections,
the limit and the storefront one after the other.

    .venv/bin/python bench/pages.py   # SQLite; with DATABASE_URL=postgresql://... PostgreSQL
"""

from __future__ import annotations

import os
import pickle
import sys
from pathlib import Path
from types import SimpleNamespace
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import (
    REDIS_URL,
    SECONDS,
    Servers,
    bench_app,
    database,
    ensure_wrk,
    fetch,
    machine,
    normalised,
    say,
    table,
    wrk,
)
from bench.seed import SHOP, analyse, seed_catalog

HOST = f"{SHOP}.localhost"
PAGES = (
    ("home: catalog /", "/"),
    ("catalog search", "/?q=App+00"),
    ("offer page", "/offers/app-0007"),
)
CONNECTIONS = (4, 16, 64)
MIN_RATIO = 0.8
MAX_P99_RATIO = 1.5


def page_data(app: Any, folder: Path) -> Path:
    """What the limit app renders: the same storefront and offers, read once from the app."""
    from storefront import i18n
    from storefront.catalog.listings import facet_counts, listed_offers
    from storefront.extensions import db
    from storefront.security import content_security_policy
    from storefront.tenants.branding import css_custom_properties, footer_links
    from storefront.tenants.models import Storefront
    from storefront.tenants.scope import all_tenants

    with app.test_request_context("/", headers={"Host": HOST}), all_tenants():
        store = db.session.query(Storefront).filter_by(slug=SHOP).one()
        offers = listed_offers(store, descriptions=True)
        categories, types = facet_counts(offers)
        labels = {
            name: {key: value._args[0] for key, value in getattr(i18n, name).items()}
            for name in ("TERM_LABELS", "APPLICATION_TYPE_LABELS", "CATEGORY_LABELS")
        }
        data = {
            "storefront": SimpleNamespace(
                **{
                    key: getattr(store, key)
                    for key in (
                        "id",
                        "slug",
                        "name",
                        "tagline",
                        "theme",
                        "locale",
                        "languages",
                        "currency",
                        "support_email",
                        "logo_path",
                    )
                }
            ),
            "offers": offers,
            "categories": categories,
            "application_types": types,
            "labels": labels,
            "language_names": i18n.LANGUAGE_NAMES,
            "footer_links": footer_links(store),
            "brand_css": str(css_custom_properties(store)),
            "csp": content_security_policy("{nonce}"),
        }
    path = folder / "page.pickle"
    path.write_bytes(pickle.dumps(data))
    return path


def statements_per_page(app: Any) -> list[tuple[str, int, int]]:
    """SQL statements of each page on a cold cache and then a warm one (in process)."""
    from sqlalchemy import event

    from storefront.extensions import db
    from storefront.tenants.cache import storefront_cache

    with app.app_context():
        engine = db.engine
    seen: list[str] = []

    def record(*args: Any) -> None:
        seen.append(args[2])

    event.listen(engine, "before_cursor_execute", record)
    client = app.test_client()
    counts = []
    try:
        for label, path in PAGES:
            storefront_cache(app).clear()
            seen.clear()
            assert client.get(path, headers={"Host": HOST}).status_code == 200
            cold = len(seen)
            seen.clear()
            client.get(path, headers={"Host": HOST})
            counts.append((label, cold, len(seen)))
    finally:
        event.remove(engine, "before_cursor_execute", record)
    return counts


def main() -> None:
    ensure_wrk()
    say(f"machine: {machine()}")
    with database("pages") as url, Servers() as servers:
        say(f"database: {url.split('://')[0]}, Redis: {REDIS_URL}, {SECONDS:g} s per run")
        app = bench_app(url)
        with app.app_context():
            seed_catalog(offers=50, storefronts=100, listed=50)
            analyse()
        data = page_data(app, servers.folder)
        statements = statements_per_page(app)
        say("starting the storefront and the limit (gunicorn, 2 sync workers each) ...")
        ours = servers.storefront(url, "storefront")
        limit = servers.gunicorn(
            "bench.limit_app:app",
            {"BENCH_PAGE_DATA": str(data), "REDIS_URL": REDIS_URL},
            "limit",
        )
        for label, path in PAGES:
            mine, theirs = fetch(ours, path, HOST), fetch(limit, path, HOST)
            if mine[0] != 200 or normalised(mine[1]) != normalised(theirs[1]):
                raise SystemExit(f"{label}: the storefront and the limit differ ({mine[0]})")
        say("same HTML from both (apart from nonce and CSRF token): yes")
        for _label, path in PAGES:  # warm both: caches, templates, connections
            wrk(limit, path, HOST, 4, 1)
            wrk(ours, path, HOST, 4, 1)
        rows = []
        failed = False
        for label, path in PAGES:
            for connections in CONNECTIONS:
                base = wrk(limit, path, HOST, connections)
                load = wrk(ours, path, HOST, connections)
                ratio = load.requests_per_second / base.requests_per_second
                p99_ratio = load.p99_ms / base.p99_ms
                ok = ratio >= MIN_RATIO and p99_ratio <= MAX_P99_RATIO and not load.errors
                failed |= not ok
                rows.append(
                    (
                        label,
                        connections,
                        f"{base.requests_per_second:.0f}",
                        f"{load.requests_per_second:.0f}",
                        f"{ratio:.2f}",
                        f"{base.p50_ms:.1f}",
                        f"{load.p50_ms:.1f}",
                        f"{base.p99_ms:.1f}",
                        f"{load.p99_ms:.1f}",
                        f"{p99_ratio:.2f}",
                        load.errors + base.errors,
                        "ok" if ok else "BELOW",
                    )
                )
        say("")
        say(f"machine after the runs: {machine()}")
        say(
            table(
                (
                    "page",
                    "conns",
                    "limit req/s",
                    "app req/s",
                    "ratio",
                    "limit p50",
                    "app p50",
                    "limit p99",
                    "app p99",
                    "p99 ratio",
                    "errors",
                    "≥0.8, ≤1.5×",
                ),
                rows,
            )
        )
        say("")
        say(table(("page", "SQL statements, cold cache", "warm cache"), statements))
        if failed and os.environ.get("BENCH_STRICT"):
            raise SystemExit(1)


if __name__ == "__main__":
    main()
