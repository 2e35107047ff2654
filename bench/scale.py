"""Scale of data, on PostgreSQL (DATABASE_URL's server, else 127.0.0.1:5432 as postgres).

- The catalog page of the same storefront (50 listed offers) on a small database (1 storefront,
  50 offers) and a large one (10,000 storefronts listing 50 offers each, 1,000 offers,
  1,000,000 ledger lines), served side by side, plus the large one with every request on a
  random storefront of the 10,000 (cache misses until each process has seen them all);
- EXPLAIN ANALYZE of the catalog query on the large database;
- a statement of the party with the 1,000,000 ledger lines: first, middle and last page (pages in
  the second half are read from the end), one month,
  and the whole CSV.

    .venv/bin/python bench/scale.py [storefronts offers ledger_lines]
"""

from __future__ import annotations

import sys
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import (
    SECONDS,
    Servers,
    bench_app,
    database,
    ensure_wrk,
    machine,
    say,
    table,
    wrk,
)
from bench.seed import SHOP, analyse, seed_catalog, seed_ledger

HOST = f"{SHOP}.localhost"
MAX_SLOWDOWN = 1.2
STATEMENT_LIMIT_S = 2.0

RANDOM_HOSTS = """
math.randomseed(os.time())
request = function()
  local host = string.format("s%05d.localhost", math.random(2, {storefronts}))
  return wrk.format("GET", "/", {{["Host"] = host}})
end
"""


def explain_catalog(app: Any) -> str:
    """EXPLAIN ANALYZE of the catalog query exactly as the app sends it (tenant scope added)."""
    from sqlalchemy import event

    from storefront.catalog.listings import listed_offers
    from storefront.extensions import db
    from storefront.tenants.models import Storefront
    from storefront.tenants.scope import all_tenants, tenant_scope

    sent: list[tuple[str, Any]] = []

    def record(*args: Any) -> None:
        sent.append((args[2], args[3]))

    with app.app_context():
        with all_tenants():
            store = db.session.query(Storefront).filter_by(slug=SHOP).one()
        event.listen(db.engine, "before_cursor_execute", record)
        try:
            with tenant_scope(store.id):
                listed_offers(store)
        finally:
            event.remove(db.engine, "before_cursor_execute", record)
        statement, parameters = sent[-1]
        rows = db.session.connection().exec_driver_sql(
            f"EXPLAIN (ANALYZE, COSTS OFF) {statement}", parameters
        )
        plan = "\n".join(row[0] for row in rows)
        db.session.rollback()
        return plan


def time_statement(app: Any, start: Any, lines: int) -> list[tuple[str, str, str, str]]:
    from storefront.extensions import db
    from storefront.ledger.models import Account
    from storefront.ledger.statements import PAGE_SIZE, Party, Period, statement, statement_csv

    results = []
    with app.app_context():
        party = Party(Account.ISV_PAYABLE, 1, "USD")
        end = (start + timedelta(seconds=30 * lines)).date()
        whole = Period.days(start.date(), end)
        month = Period.month(f"{start.year}-{start.month + 1:02d}")
        pages = max(1, -(-lines // PAGE_SIZE))
        for label, period, page in (
            ("whole history, first page", whole, 1),
            ("whole history, middle page", whole, pages // 2 + 1),
            ("whole history, last page", whole, pages),
            ("one month, first page", month, 1),
        ):
            began = time.perf_counter()
            result = statement(party, period, page)
            took = time.perf_counter() - began
            db.session.rollback()
            if not result.lines:
                raise SystemExit(f"{label}: page {page} of the statement has no lines")
            verdict = "ok" if took < STATEMENT_LIMIT_S else "SLOW"
            results.append((label, f"{result.line_count:,}", f"{took * 1000:.0f}", verdict))
        began = time.perf_counter()
        size = sum(len(chunk) for chunk in statement_csv(party, whole))
        took = time.perf_counter() - began
        results.append(("whole history, CSV", f"{size:,} bytes", f"{took * 1000:.0f}", "-"))
        db.session.rollback()
    return results


def main(storefronts: int, offers: int, lines: int) -> None:
    ensure_wrk()
    say(f"machine: {machine()}")
    with (
        database("scale_small", postgres=True) as small_url,
        database("scale_large", postgres=True) as large_url,
        Servers() as servers,
    ):
        small = bench_app(small_url)
        with small.app_context():
            seed_catalog(offers=50, storefronts=1, listed=50)
            analyse()
        large = bench_app(large_url)
        with large.app_context():
            seed_catalog(offers=offers, storefronts=storefronts, listed=50)
            start = seed_ledger(lines)
            analyse()
        say("starting the storefront on each database (gunicorn, 2 sync workers each) ...")
        small_port = servers.storefront(small_url, "small")
        large_port = servers.storefront(large_url, "large")
        script = servers.folder / "random_hosts.lua"
        script.write_text(RANDOM_HOSTS.format(storefronts=storefronts))
        for port in (small_port, large_port):
            wrk(port, "/", HOST, 4, 1)
        rows = []
        for connections in (4, 16):
            base = wrk(small_port, "/", HOST, connections)
            load = wrk(large_port, "/", HOST, connections)
            spread = wrk(large_port, "/", HOST, connections, script=str(script))
            for label, result in (
                ("small data, one store", base),
                (f"{storefronts:,} stores, same store", load),
                (f"{storefronts:,} stores, random store", spread),
            ):
                slowdown = result.p50_ms / base.p50_ms
                verdict = "ok" if slowdown <= MAX_SLOWDOWN and not result.errors else "SLOWER"
                if result is spread:  # a cold cache on most requests: shown, not judged
                    verdict = "(cold)"
                rows.append(
                    (
                        label,
                        connections,
                        f"{result.requests_per_second:.0f}",
                        f"{result.p50_ms:.1f}",
                        f"{result.p99_ms:.1f}",
                        f"{slowdown:.2f}",
                        result.errors,
                        verdict,
                    )
                )
        say("")
        say(f"machine after the runs: {machine()}; {SECONDS:g} s per run")
        say(
            table(
                (
                    "catalog page /",
                    "conns",
                    "req/s",
                    "p50 ms",
                    "p99 ms",
                    "p50 vs small",
                    "errors",
                    "≤1.2×",
                ),
                rows,
            )
        )
        say("")
        say(
            f"EXPLAIN ANALYZE of the catalog query, {storefronts:,} storefronts, {offers:,} offers:"
        )
        say(explain_catalog(large))
        say("")
        say(f"statement of a party with {lines:,} ledger lines (PostgreSQL):")
        say(table(("statement", "lines", "ms", "< 2 s"), time_statement(large, start, lines)))


if __name__ == "__main__":
    arguments = [int(value) for value in sys.argv[1:4]]
    main(*(arguments or [10_000, 1_000, 1_000_000]))
