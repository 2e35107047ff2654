"""Server time of the payment request (`POST /checkout/pay`) without the Stripe round-trips.

The real app runs in this process against localstripe (started here on 127.0.0.1) and a real
database (SQLite, or PostgreSQL when DATABASE_URL says so). A signed-in buyer puts a plan in the
cart, opens the checkout page and pays, as the browser does (the card is tokenised at
localstripe first, as Stripe.js does). Each payment request is timed inside the WSGI app, and
the time spent in HTTP calls to Stripe during it is measured apart and subtracted. As at scale,
REDIS_URL is set: the receipt e-mail is a job for the RQ workers (a queue of this run's own,
emptied at the end), not part of the request.

    .venv/bin/python bench/checkout.py [payments]
"""

from __future__ import annotations

import os
import re
import statistics
import sys
import time
from pathlib import Path
from typing import Any

import stripe

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import (
    PYTHON,
    REDIS_URL,
    Servers,
    bench_app,
    database,
    free_port,
    machine,
    say,
    table,
)
from bench.seed import one_offer_store
from storefront.payments.http_client import Urllib3Client

HOST = "shop.localhost"
LIMIT_MS = 20.0
PASSWORD = "bench-password-long-enough"  # noqa: S105 - a throwaway bench account


class StripeClock:
    """Time spent in the stripe library's HTTP calls (its client, `Urllib3Client`)."""

    def __init__(self) -> None:
        self.seconds = 0.0
        self.calls = 0
        self._original = Urllib3Client.request

    def install(self) -> None:
        clock = self
        original = self._original

        def timed(client: Urllib3Client, *args: Any, **kwargs: Any) -> Any:
            began = time.perf_counter()
            try:
                return original(client, *args, **kwargs)
            finally:
                clock.seconds += time.perf_counter() - began
                clock.calls += 1

        Urllib3Client.request = timed  # type: ignore[method-assign]


class ServerClock:
    """Wall time of each payment request inside the app, and the Stripe part of it."""

    def __init__(self, app: Any, stripe_clock: StripeClock) -> None:
        self.inner = app.wsgi_app
        self.stripe = stripe_clock
        self.samples: list[tuple[float, float, int]] = []  # (total, stripe, stripe calls)

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        if environ.get("PATH_INFO") != "/checkout/pay":
            return self.inner(environ, start_response)
        stripe_before, calls_before = self.stripe.seconds, self.stripe.calls
        began = time.perf_counter()
        body = b"".join(self.inner(environ, start_response))
        total = time.perf_counter() - began
        self.samples.append(
            (total, self.stripe.seconds - stripe_before, self.stripe.calls - calls_before)
        )
        return [body]


def _token(html: str, name: str) -> str:
    match = re.search(rf'{name}="([^"]+)"', html)
    if not match:
        raise SystemExit(f"no {name} on the page")
    return match.group(1)


def _csrf(html: str) -> str:
    match = re.search(r'name="csrf_token"[^>]*?value="([^"]+)"', html)
    if not match:
        raise SystemExit("no CSRF token on the page")
    return match.group(1)


def seed(app: Any) -> int:
    from storefront.accounts.models import Role
    from storefront.accounts.services import create_user
    from storefront.catalog.models import BillingTerm
    from storefront.extensions import db
    from storefront.tenants.models import Storefront

    with app.app_context():
        store = Storefront(
            slug="shop",
            name="Bench Shop",
            is_opted_in=True,
            currency="EUR",
            locale="de",
            languages=["de", "en"],
        )
        _offer, plan = one_offer_store(store, BillingTerm.ONE_TIME)
        create_user(
            "buyer@example.com", PASSWORD, Role.BUYER, name="Erika Muster", storefront_id=store.id
        )
        db.session.commit()
        return plan.id


def main(payments: int) -> None:
    say(f"machine: {machine()}")
    clock = StripeClock()
    clock.install()
    with database("checkout") as url, Servers() as servers:
        port = free_port()
        servers.start(
            [PYTHON, "-m", "storefront.devtools.localstripe_server", "--port", str(port)],
            port,
            {},
            "localstripe",
        )
        stripe_url = f"http://127.0.0.1:{port}"
        queue = f"bench-checkout-{os.getpid()}"
        app = bench_app(
            url,
            STRIPE_API_BASE=stripe_url,
            STRIPE_JS_URL=f"{stripe_url}/js.stripe.com/v3/",
            REDIS_URL=REDIS_URL,
            CACHE_KEY_PREFIX=f"{queue}:",
            JOBS_QUEUE=queue,
        )
        try:
            run(app, stripe_url, payments, clock, url)
        finally:
            from storefront.jobs import job_queue

            jobs = job_queue(app)
            say(f"{jobs.count} receipt jobs were queued for the workers (dropped now)")
            jobs.empty()
            jobs.delete()


def run(app: Any, stripe_url: str, payments: int, clock: StripeClock, url: str) -> None:
    plan_id = seed(app)
    server = ServerClock(app, clock)
    app.wsgi_app = server  # type: ignore[method-assign]
    client = app.test_client()
    page = client.get("/account/login", headers={"Host": HOST}).text
    response = client.post(
        "/account/login",
        data={"email": "buyer@example.com", "password": PASSWORD, "csrf_token": _csrf(page)},
        headers={"Host": HOST},
    )
    if response.status_code != 302:
        raise SystemExit(f"sign-in failed: {response.status_code}")
    cards = stripe.StripeClient("sk_test_storefront", base_addresses={"api": stripe_url})
    say(f"{payments} payments through localstripe ...")
    statuses: dict[int, int] = {}
    for number in range(payments + 5):  # the first 5 warm up and are not counted
        offer_page = client.get("/offers/mail", headers={"Host": HOST}).text
        client.post(
            "/cart/add",
            data={"plan_id": plan_id, "quantity": 1, "csrf_token": _csrf(offer_page)},
            headers={"Host": HOST},
        )
        checkout = client.get("/checkout", headers={"Host": HOST}).text
        token = cards.v1.tokens.create(
            params={
                "card": {
                    "number": "4242424242424242",
                    "exp_month": "12",
                    "exp_year": "34",
                    "cvc": "123",
                }
            }
        )
        response = client.post(
            "/checkout/pay",
            json={
                "billing_name": "Erika Muster",
                "billing_email": "buyer@example.com",
                "billing_country": "DE",
                "payment_method": token.card.id,
                "card_token": token.id,
                "attempt": _token(checkout, "data-attempt"),
                "cart": _token(checkout, "data-cart"),
            },
            headers={"Host": HOST, "X-CSRFToken": _csrf(checkout)},
        )
        statuses[response.status_code] = statuses.get(response.status_code, 0) + 1
        if response.status_code != 200:
            raise SystemExit(f"payment {number} failed: {response.status_code} {response.text}")
        if number < 5:
            server.samples.clear()
    totals = [sample[0] * 1000 for sample in server.samples]
    stripes = [sample[1] * 1000 for sample in server.samples]
    ours = [total - spent for total, spent in zip(totals, stripes, strict=True)]
    calls = statistics.mean(sample[2] for sample in server.samples)

    def q(values: list[float], share: float) -> str:
        ordered = sorted(values)
        return f"{ordered[min(len(ordered) - 1, int(share * len(ordered)))]:.1f}"

    say("")
    say(f"database: {url.split('://')[0]}; {len(ours)} payments, responses {statuses}")
    say(
        table(
            ("POST /checkout/pay", "p50 ms", "p90 ms", "p99 ms"),
            [
                ("server time, all", q(totals, 0.5), q(totals, 0.9), q(totals, 0.99)),
                (
                    f"Stripe round-trips ({calls:.1f} a request)",
                    q(stripes, 0.5),
                    q(stripes, 0.9),
                    q(stripes, 0.99),
                ),
                ("our own time (all − Stripe)", q(ours, 0.5), q(ours, 0.9), q(ours, 0.99)),
            ],
        )
    )
    p50 = statistics.median(ours)
    say(f"our own p50 {p50:.1f} ms: {'ok' if p50 < LIMIT_MS else 'OVER'} (< {LIMIT_MS:g} ms)")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 100)
