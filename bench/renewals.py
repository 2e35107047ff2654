"""The renewal engine at scale: 100,000 due monthly subscriptions (PostgreSQL, or SQLite without
DATABASE_URL), renewed by RQ workers (bench/renewal_worker.py: the app's queue and its
`renew_job`) against localstripe started here, with 1, 2 and 4 workers.

Every subscription is due; each phase gives a slice of them to the workers, in the engine's
own batches, and measures throughput (renewals a second, first job start to last job end) and
our own time per renewal (the jobs' time minus the time spent waiting for localstripe, which is
reported apart; and the worker's CPU time alone, which excludes waiting for the database and
for a core when workers outnumber them), with the share of the machine's cores kept busy. Each
worker has a localstripe of its own, started from the store the seeding saved: one
single-threaded localstripe would be the ceiling of every phase, where Stripe serves many
clients at once. Receipts are jobs of their own on the same queue (as at scale). Each worker
first renews WARM_UP subscriptions of its own, untimed, and the phase starts when all have
(a worker in service has renewed thousands: its first ones, with statements still to be
compiled and prepared, would weigh on the few hundred of a phase).

The phases run twice. First against localstripe as it is: it answers at once but runs on this
machine's cores, so a worker and its localstripe keep one core busy between them, and on two
cores throughput stops growing at two workers. Then with Stripe's answers arriving over a
network (localstripe's `--latency-ms`, PROVIDER_LATENCY_MS below), as they do in service: a
worker waits for them without using a core, and more workers renew more.

    .venv/bin/python bench/renewals.py [due] [per_phase]     # default 100000 due, 400 a phase
    .venv/bin/python bench/renewals.py 100000 all             # every due one, 4 workers at the end
"""

from __future__ import annotations

import os
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from redis import Redis
from sqlalchemy import insert, text

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import (
    PYTHON,
    REDIS_URL,
    Servers,
    bench_app,
    cpu_ticks,
    database,
    free_port,
    machine,
    say,
    table,
)
from bench.seed import _chunks, one_offer_store

LIMIT_MS = 5.0
BATCH = 50  # subscriptions per job: small enough for 4 workers to share a phase
WARM_UP = 100  # renewed by each worker of a phase before it takes jobs, untimed
PROVIDER_LATENCY_MS = 20  # a short round trip to Stripe's API (from nearby, it takes longer)


def start_localstripe(servers: Servers, name: str, *options: str) -> str:
    port = free_port()
    command = [PYTHON, "-m", "storefront.devtools.localstripe_server", "--port", str(port)]
    servers.start([*command, *options], port, {}, name)
    return f"http://127.0.0.1:{port}"


def seed(app: Any, due: int, stripe_url: str, now: datetime) -> None:
    import stripe

    from storefront.accounts.models import Role
    from storefront.accounts.services import create_user
    from storefront.catalog.models import BillingTerm
    from storefront.extensions import db
    from storefront.orders.models import Order, OrderLine, OrderStatus
    from storefront.payments import gateway
    from storefront.subscriptions.cards import save_buyer_card
    from storefront.subscriptions.models import Subscription, SubscriptionStatus
    from storefront.tenants.models import Storefront

    say(f"seeding {due:,} due monthly subscriptions (one saved card at localstripe) ...")
    began = time.perf_counter()
    with app.app_context():
        store = Storefront(slug="shop", name="Bench Shop", is_opted_in=True, currency="USD")
        offer, plan = one_offer_store(store, BillingTerm.MONTHLY)
        buyer = create_user(
            "buyer@example.com", "bench-password-long-enough", Role.BUYER, storefront_id=store.id
        )
        db.session.commit()
        client = stripe.StripeClient("sk_test_storefront", base_addresses={"api": stripe_url})
        token = client.v1.tokens.create(
            params={
                "card": {
                    "number": "4242424242424242",
                    "exp_month": "12",
                    "exp_year": "34",
                    "cvc": "123",
                }
            }
        )
        card = save_buyer_card(store.id, buyer, token.id, gateway.provider())
        db.session.commit()
        started = now - timedelta(days=31)
        common = {"storefront_id": store.id, "buyer_id": buyer.id}
        orders = (
            common
            | {
                "id": n,
                "number": f"B{n:09d}",
                "status": OrderStatus.PAID,
                "currency": "USD",
                "total_minor": 1000,
                "cart_fingerprint": f"bench{n}",
                "commission_rate_bp": 2500,
                "billing_name": "Erika Muster",
                "billing_email": "buyer@example.com",
                "billing_country": "DE",
                "locale": "en",
                "created_at": started,
                "paid_at": started,
            }
            for n in range(1, due + 1)
        )
        lines = (
            {
                "id": n,
                "storefront_id": store.id,
                "order_id": n,
                "offer_id": offer.id,
                "plan_id": plan.id,
                "isv_id": offer.isv_id,
                "offer_name": "Mail",
                "plan_name": "Monthly",
                "term": BillingTerm.MONTHLY,
                "quantity": 1,
                "unit_retail_minor": 1000,
                "unit_wholesale_minor": 400,
            }
            for n in range(1, due + 1)
        )
        subscriptions = (
            common
            | {
                "id": n,
                "order_line_id": n,
                "offer_id": offer.id,
                "plan_id": plan.id,
                "isv_id": offer.isv_id,
                "offer_name": "Mail",
                "plan_name": "Monthly",
                "term": BillingTerm.MONTHLY,
                "quantity": 1,
                "currency": "USD",
                "unit_retail_minor": 1000,
                "unit_wholesale_minor": 400,
                "status": SubscriptionStatus.ACTIVE,
                "started_at": started,
                "period": 1,
                "current_period_start": started,
                "current_period_end": now - timedelta(hours=1),
                "customer_reference": card.customer_reference,
                "payment_method": card.payment_method,
                "card_brand": card.brand,
                "card_last4": card.last4,
                "billing_name": "Erika Muster",
                "billing_email": "buyer@example.com",
                "billing_country": "DE",
                "locale": "en",
            }
            for n in range(1, due + 1)
        )
        for model, rows in ((Order, orders), (OrderLine, lines), (Subscription, subscriptions)):
            for chunk in _chunks(rows):
                db.session.execute(insert(model), chunk)
            db.session.commit()
            say(f"  {model.__tablename__}: {due:,}")
        connection = db.session.connection()
        if connection.dialect.name == "postgresql":
            for name in ("orders", "order_lines", "subscriptions"):
                sequence = f"pg_get_serial_sequence('{name}', 'id')"
                db.session.execute(text(f"SELECT setval({sequence}, {due})"))
            db.session.execute(text("ANALYZE"))  # as a database in service has its statistics
            db.session.commit()
    say(f"  seeded in {time.perf_counter() - began:.1f} s")


def phase(
    app: Any,
    servers: Servers,
    env: dict[str, str],
    stripes: list[str],
    ids: list[int],
    warm_up: list[list[int]],
    workers: int,
    now: datetime,
    redis: Redis,
    tag: str,
) -> tuple[Any, ...]:
    from storefront.jobs import enqueue
    from storefront.subscriptions.services import renew_job

    key = f"{env['JOBS_QUEUE']}:timing:{tag}"
    with app.app_context():
        for start in range(0, len(ids), BATCH):
            enqueue(renew_job, ids[start : start + BATCH], now.isoformat())
    processes = []
    for number in range(workers):
        process_env = env | {
            "BENCH_RENEWAL_KEY": key,
            "STRIPE_API_BASE": stripes[number],
            "BENCH_WARM_UP_IDS": ",".join(map(str, warm_up[number])),
            "BENCH_AT": now.isoformat(),
            "BENCH_WORKERS": str(workers),
        }
        processes.append(
            servers.run([PYTHON, "bench/renewal_worker.py"], process_env, f"{tag}-{number}")
        )
    while int(redis.get(f"{key}:ready") or 0) < workers:  # each has warmed up
        if any(process.poll() is not None for process in processes):
            break  # one stopped early: its exit is reported below
        time.sleep(0.005)
    busy_before, ticks_before = cpu_ticks()
    for process in processes:
        process.wait()
    busy_after, ticks_after = cpu_ticks()
    busy = (busy_after - busy_before) / max(1, ticks_after - ticks_before)
    timing = {k.decode(): float(v) for k, v in redis.hgetall(key).items()}
    first = float(redis.zrange(f"{key}:starts", 0, 0, withscores=True)[0][1])
    last = float(redis.zrange(f"{key}:ends", -1, -1, withscores=True)[0][1])
    renewals = int(timing.get("renewals", 0))
    wall = last - first
    own = (timing["job_seconds"] - timing["provider_seconds"]) / renewals * 1000
    cpu = timing["cpu_seconds"] / renewals * 1000
    provider = timing["provider_seconds"] / renewals * 1000
    return (
        workers,
        f"{renewals:,}",
        f"{wall:.1f}",
        f"{renewals / wall:.0f}",
        f"{own:.1f}",
        f"{cpu:.1f}",
        f"{provider:.1f}",
        f"{busy:.0%}",
        "ok" if own < LIMIT_MS else "OVER",
    )


def main(due: int, per_phase: int | None) -> None:
    from sqlalchemy import func, select

    from storefront.jobs import job_queue
    from storefront.tenants.scope import all_tenants

    say(f"machine: {machine()}")
    queue = f"bench-renewals-{os.getpid()}"
    redis = Redis.from_url(REDIS_URL)
    now = datetime.now(UTC)
    with database("renewals") as url, Servers() as servers:
        saved = servers.folder / "localstripe.pickle"
        stripe_url = start_localstripe(servers, "localstripe", "--store", str(saved))
        settings = {
            "STRIPE_API_BASE": stripe_url,
            "STRIPE_JS_URL": f"{stripe_url}/js.stripe.com/v3/",
            "REDIS_URL": REDIS_URL,
            "JOBS_QUEUE": queue,
        }
        app = bench_app(url, CACHE_KEY_PREFIX=f"{queue}:", **settings)
        env = settings | {"DATABASE_URL": url, "SECRET_KEY": "bench"}
        env["STOREFRONT_INSTANCE_PATH"] = str(servers.folder)
        (servers.folder / "config.py").write_text(f"CACHE_KEY_PREFIX = {queue + ':'!r}\n")
        try:
            seed(app, due, stripe_url, now)
            with app.app_context():  # the seeding's own price notices: the subscriptions were
                job_queue(app).empty()  # made at these prices, there is nothing to tell
            nearby = [
                start_localstripe(servers, f"localstripe-{n}", "--start-from", str(saved))
                for n in range(4)
            ]
            remote = [
                start_localstripe(
                    servers,
                    f"localstripe-remote-{n}",
                    "--start-from",
                    str(saved),
                    "--latency-ms",
                    str(PROVIDER_LATENCY_MS),
                )
                for n in range(4)
            ]
            from storefront.extensions import db
            from storefront.subscriptions.services import due_subscription_ids

            with app.app_context():
                ids = due_subscription_ids(now, limit=due)
                db.session.rollback()
            say(f"{len(ids):,} subscriptions due; the engine selects them in id order")
            series: dict[str, list[tuple[Any, ...]]] = {"nearby": [], "remote": []}
            size = per_phase or 400
            offset = 0
            for label, stripes in (("nearby", nearby), ("remote", remote)):
                for workers in (1, 2, 4):
                    warm_up = []
                    for _ in range(workers):
                        warm_up.append(ids[offset : offset + WARM_UP])
                        offset += WARM_UP
                    share = ids[offset : offset + size]
                    offset += size
                    say(f"  {label}, {workers} worker(s): {len(share):,} renewals ...")
                    series[label].append(
                        phase(
                            app,
                            servers,
                            env,
                            stripes,
                            share,
                            warm_up,
                            workers,
                            now,
                            redis,
                            f"{label}-{workers}",
                        )
                    )
            if per_phase is None:  # "all": the rest with 4 workers, Stripe's answers remote
                say(f"  the remaining {len(ids) - offset:,} with 4 workers ...")
                series["remote"].append(
                    phase(app, servers, env, remote, ids[offset:], [[]] * 4, 4, now, redis, "rest")
                )
            with app.app_context(), all_tenants():
                from storefront.subscriptions.models import Subscription

                renewed = db.session.scalar(
                    select(func.count()).select_from(Subscription).where(Subscription.period > 1)
                )
                db.session.rollback()
            say("")
            say(f"machine after the runs: {machine()}")
            headers = (
                "RQ workers",
                "renewals",
                "seconds",
                "renewals/s",
                "our ms each",
                "our CPU ms each",
                "localstripe ms each",
                "cores busy",
                "< 5 ms",
            )
            say("localstripe answering at once, on this machine's cores:")
            say(table(headers, series["nearby"]))
            say(f"localstripe answering after {PROVIDER_LATENCY_MS} ms, as over a network:")
            say(table(headers, series["remote"]))
            say(f"subscriptions renewed in the database: {renewed:,} of {len(ids):,} due")
        finally:
            keys = list(redis.scan_iter(f"{queue}*")) + list(redis.scan_iter(f"rq:*{queue}*"))
            if keys:
                redis.delete(*keys)


if __name__ == "__main__":
    arguments = sys.argv[1:]
    due_count = int(arguments[0]) if arguments else 100_000
    every = len(arguments) > 1 and arguments[1] == "all"
    main(due_count, None if every else (int(arguments[1]) if len(arguments) > 1 else 400))
