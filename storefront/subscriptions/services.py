"""The renewal engine: everything due at a given moment (tests pass the clock in).

Each subscription moves in two steps, so one failure never blocks the rest:

1. *prepare*: lock the subscription row, decide what is due, and record the renewal order
   (one per subscription period, UNIQUE) and its payment attempt with a deterministic
   idempotency key; commit, so the attempt is durable before any money moves. A batch's
   plain renewals are prepared together (`_prepare_batch`), anything else alone.
2. *charge*: lock the row again, re-read the attempt, and charge the saved card off-session
   only if nobody else has; the payment pipeline (`apply_result` → ledger, license keys,
   next period) runs in this transaction. The attempts a batch prepared are charged in
   transactions of several at once (`_charge_prepared`: one lock statement and one commit
   for up to RENEWAL_COMMIT_SECONDS of charges); should one of those fail, its renewals go
   alone, as unfinished attempts. An attempt found unfinished from an earlier run (a crash
   between the provider's answer and our commit) is first looked up at the provider and
   applied from there, never charged twice.

Mail and receipts go out after the commit that caused them.
"""

from __future__ import annotations

import logging
import secrets
import time
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from enum import StrEnum

from flask import current_app
from sqlalchemy import and_, func, or_, select, tuple_
from sqlalchemy.orm import selectinload

from storefront import locks
from storefront.catalog.models import Listing, ListingPrice, Offer, OfferStatus, PlanPrice
from storefront.extensions import db
from storefront.money import Money
from storefront.orders.models import Order, OrderLine, OrderStatus
from storefront.outbound.emitting import read_endpoints
from storefront.payments import gateway
from storefront.payments.models import Payment, PaymentStatus
from storefront.payments.provider import (
    IntentResult,
    IntentStatus,
    PaymentProvider,
    ProviderUnavailable,
)
from storefront.payments.services import apply_result, refresh
from storefront.subscriptions.events import subscription_event
from storefront.subscriptions.licenses import set_subscription_keys
from storefront.subscriptions.models import (
    LicenseStatus,
    Subscription,
    SubscriptionRenewal,
    SubscriptionStatus,
)
from storefront.subscriptions.notices import Notice, send_notice
from storefront.subscriptions.periods import aware
from storefront.tenants.models import Storefront, WhiteLabelOperator
from storefront.tenants.scope import all_tenants, tenant_scope

log = logging.getLogger(__name__)
_NUMBER_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # as order numbers: no 0/O, 1/I

AUTHENTICATION_REQUIRED = "Your bank asks you to confirm this payment."
NO_CARD = "No card is saved for this subscription."


class Outcome(StrEnum):
    RENEWED = "renewed"
    FAILED = "failed"  # past due (first failure or a failed retry)
    SUSPENDED = "suspended"
    CANCELLED = "cancelled"
    ENDED = "ended"
    PROCESSING = "processing"  # the provider has not decided yet: reconciled later
    SKIPPED = "skipped"  # not due (any more): another run did it
    ERROR = "error"  # the provider was unreachable or something broke: retried next run


@dataclass
class RenewalSummary:
    counts: dict[Outcome, int] = field(default_factory=dict)

    def add(self, outcome: Outcome) -> None:
        self.counts[outcome] = self.counts.get(outcome, 0) + 1

    def merge(self, other: RenewalSummary) -> None:
        for outcome, count in other.counts.items():
            self.counts[outcome] = self.counts.get(outcome, 0) + count

    def __getitem__(self, outcome: Outcome) -> int:
        return self.counts.get(outcome, 0)

    @property
    def processed(self) -> int:
        return sum(self.counts.values())

    def summary(self) -> str:
        return ", ".join(f"{self[outcome]} {outcome.value}" for outcome in Outcome)


# --- Selecting what is due -------------------------------------------------------------


def _grace() -> timedelta:
    return timedelta(days=int(current_app.config["RENEWAL_GRACE_DAYS"]))


def _due_condition(now: datetime) -> object:
    return or_(
        and_(
            Subscription.status == SubscriptionStatus.ACTIVE,
            Subscription.current_period_end <= now,
        ),
        and_(
            Subscription.status == SubscriptionStatus.PAST_DUE,
            Subscription.next_attempt_at <= now,
        ),
        and_(
            Subscription.status == SubscriptionStatus.SUSPENDED,
            Subscription.suspended_at <= now - _grace(),
        ),
    )


def due_subscription_ids(now: datetime, *, after_id: int = 0, limit: int = 500) -> list[int]:
    """Ids of subscriptions with something due at `now`, in id order after `after_id`."""
    with all_tenants():
        return list(
            db.session.scalars(
                select(Subscription.id)
                .where(_due_condition(now), Subscription.id > after_id)  # type: ignore[arg-type]
                .order_by(Subscription.id)
                .limit(limit)
            )
        )


def _batches(now: datetime) -> Iterable[list[int]]:
    size = int(current_app.config["RENEWAL_BATCH_SIZE"])
    after = 0
    while ids := due_subscription_ids(now, after_id=after, limit=size):
        yield ids
        after = ids[-1]
        db.session.rollback()  # end the read transaction between batches


def renew_due(now: datetime, provider: PaymentProvider) -> RenewalSummary:
    """Renew, retry, suspend, cancel and end every subscription due at `now`, here and now.
    Each subscription moves at most one step per run, so running twice is harmless."""
    summary = RenewalSummary()
    for ids in _batches(now):
        summary.merge(renew_subscriptions(ids, now, provider))
    return summary


def schedule_renewals(now: datetime) -> int:
    """Queue the due subscriptions in batches as background jobs (`storefront.jobs`: RQ with
    REDIS_URL, inline otherwise); the number of subscriptions queued."""
    from storefront.jobs import enqueue

    queued = 0
    for ids in _batches(now):
        enqueue(renew_job, ids, now.isoformat())
        queued += len(ids)
    return queued


def renew_job(subscription_ids: list[int], at: str) -> str:
    """The background job: one batch, with the configured provider."""
    summary = renew_subscriptions(subscription_ids, datetime.fromisoformat(at), gateway.provider())
    return summary.summary()


def renew_subscriptions(
    subscription_ids: Iterable[int], now: datetime, provider: PaymentProvider
) -> RenewalSummary:
    """Process a batch of subscriptions: what `_prepare_batch` recorded is charged together
    (`_charge_prepared`), everything else (and whatever of that failed) alone; a failure is
    logged and counted."""
    summary = RenewalSummary()
    ids = list(subscription_ids)
    terms = _BatchTerms.read(ids)
    prepared = _prepare_batch(ids, now, terms)
    for subscription_id, step in prepared.items():
        _send_notices(subscription_id, terms.storefront_of[subscription_id], step.notices)
    prepared = {sid: replace(step, notices=[]) for sid, step in prepared.items()}
    charged = _charge_prepared(prepared, now, provider)
    for subscription_id in ids:
        if subscription_id in charged:
            summary.add(charged[subscription_id])
            continue
        left = prepared.get(subscription_id)
        try:
            outcome = renew_one(  # a prepared attempt left here may have been charged
                subscription_id, now, provider, terms, left and replace(left, fresh=False)
            )
        except Exception:
            db.session.rollback()
            log.exception("renewal of subscription %s failed", subscription_id)
            outcome = Outcome.ERROR
        summary.add(outcome)
    return summary


@dataclass(frozen=True)
class _Seller:
    """What a renewal needs of its storefront: whether it still sells, and the terms its
    renewal order is made on."""

    slug: str
    is_opted_in: bool
    commission_rate_bp: int
    operator_id: int | None
    override_bp: int


@dataclass(frozen=True)
class _BatchTerms:
    """Read once for a batch of renewals (three statements, however many subscriptions):
    each subscription's storefront, the storefronts' terms and which offers are still sold."""

    storefront_of: dict[int, int]
    sellers: dict[int, _Seller]
    sold_offers: frozenset[int]  # offers that exist and are not retired

    def still_sold(self, subscription: Subscription) -> bool:
        """A renewal needs the store opted in and the offer not retired."""
        seller = self.sellers.get(subscription.storefront_id)
        return bool(
            seller is not None and seller.is_opted_in and subscription.offer_id in self.sold_offers
        )

    @classmethod
    def read(cls, subscription_ids: list[int]) -> _BatchTerms:
        with all_tenants():
            rows = db.session.execute(
                select(Subscription.id, Subscription.storefront_id, Subscription.offer_id).where(
                    Subscription.id.in_(subscription_ids)
                )
            ).all()
            stores = {row.storefront_id for row in rows}
            sellers = {
                row.id: _Seller(
                    row.slug,
                    row.is_opted_in,
                    row.commission_rate_bp,
                    row.operator_id,
                    row.override_rate_bp or 0,
                )
                for row in db.session.execute(
                    select(
                        Storefront.id,
                        Storefront.slug,
                        Storefront.is_opted_in,
                        Storefront.commission_rate_bp,
                        Storefront.operator_id,
                        WhiteLabelOperator.override_rate_bp,
                    )
                    .outerjoin(WhiteLabelOperator, WhiteLabelOperator.id == Storefront.operator_id)
                    .where(Storefront.id.in_(stores))
                )
            }
            sold = db.session.scalars(
                select(Offer.id).where(
                    Offer.id.in_({row.offer_id for row in rows}),
                    Offer.status != OfferStatus.RETIRED,
                )
            )
            terms = cls({row.id: row.storefront_id for row in rows}, sellers, frozenset(sold))
            db.session.rollback()  # end the read transaction: each renewal has its own
        return terms


# --- One subscription ------------------------------------------------------------------


@dataclass
class _Step:
    outcome: Outcome
    payment_id: int | None = None
    fresh: bool = False  # the attempt was recorded by this run (not left by an earlier one)
    notices: list[Notice] = field(default_factory=list)
    order_id: int | None = None  # the order a renewal paid


def renew_one(
    subscription_id: int,
    now: datetime,
    provider: PaymentProvider,
    terms: _BatchTerms | None = None,
    prepared: _Step | None = None,
) -> Outcome:
    """Whatever is due for one subscription at `now`; commits. `terms` are the batch's (read
    for this subscription alone without); `prepared` is its attempt when the batch recorded
    it (`_prepare_batch`)."""
    if terms is None:
        terms = _BatchTerms.read([subscription_id])
    storefront_id = terms.storefront_of.get(subscription_id)
    if storefront_id is None:
        return Outcome.SKIPPED
    with tenant_scope(storefront_id):
        if prepared is None:
            step = _prepare(subscription_id, now, terms)
            db.session.commit()
        else:
            step = prepared
        _send_notices(subscription_id, storefront_id, step.notices)
        if step.payment_id is None:
            return step.outcome
        step = _charge(subscription_id, step.payment_id, step.fresh, now, provider)
        db.session.commit()
        _after_charges([(subscription_id, storefront_id, step)])
        return step.outcome


def _charge_prepared(
    prepared: dict[int, _Step], now: datetime, provider: PaymentProvider
) -> dict[int, Outcome]:
    """Charge the attempts a batch prepared, several to a transaction: their rows locked in
    one statement, each charged and applied in turn, one commit when RENEWAL_COMMIT_SECONDS
    have passed (or all are done), then the next lot. The outcomes by subscription of what
    was committed; should a transaction fail, it is rolled back and the rest is left out, to
    be renewed alone (its attempts looked up at the provider first: some may be charged)."""
    limit = float(current_app.config["RENEWAL_COMMIT_SECONDS"])
    waiting = [(sid, step) for sid, step in prepared.items() if step.payment_id is not None]
    outcomes: dict[int, Outcome] = {}
    while waiting:
        deadline = time.monotonic() + limit
        done: list[tuple[int, int | None, _Step]] = []  # subscription, storefront, step
        try:
            locked = _lock_attempts([step.payment_id for _, step in waiting if step.payment_id])
            offers = _offers_of(locked.values())  # noqa: F841 (kept for the identity map)
            _read_endpoints(locked.values())
            for subscription_id, step in waiting:
                rows = locked.get(step.payment_id or 0)
                if rows is None:
                    done.append((subscription_id, None, _Step(Outcome.SKIPPED)))
                else:
                    subscription, payment = rows
                    with tenant_scope(subscription.storefront_id):
                        result = _charge_locked(subscription, payment, step.fresh, now, provider)
                    done.append((subscription_id, subscription.storefront_id, result))
                if time.monotonic() >= deadline:
                    break
            db.session.commit()
        except Exception:
            db.session.rollback()
            log.exception("renewal charges of %s subscriptions: each goes alone", len(waiting))
            return outcomes
        waiting = waiting[len(done) :]
        _after_charges(done)
        outcomes.update((subscription_id, result.outcome) for subscription_id, _, result in done)
    return outcomes


def _lock_attempts(payment_ids: list[int]) -> dict[int, tuple[Subscription, Payment]]:
    """The renewal attempts, with their orders (and lines), renewals and subscriptions, locked
    for this transaction in one statement (in subscription order, as every run locks them)
    and freshly read: by payment id, each with its subscription."""
    with all_tenants():
        rows = db.session.execute(
            select(Payment, Order, SubscriptionRenewal, Subscription)
            .join(Order, Order.id == Payment.order_id)
            .join(SubscriptionRenewal, SubscriptionRenewal.order_id == Order.id)
            .join(Subscription, Subscription.id == SubscriptionRenewal.subscription_id)
            .where(Payment.id.in_(payment_ids))
            .order_by(Subscription.id)
            .options(selectinload(Order.lines))
            .with_for_update()
            .execution_options(populate_existing=True)
        ).all()
    for row in rows:
        locks.held_rows(*row)
        _, order, renewal, _ = row
        locks.remember(SubscriptionRenewal, "order_id", order.id, renewal)
    return {payment.id: (subscription, payment) for payment, _, _, subscription in rows}


def _offers_of(attempts: Iterable[tuple[Subscription, Payment]]) -> list[Offer]:
    """The subscriptions' offers, read in one statement: held by the caller for the
    transaction, the session's identity map answers each event's look-up of its offer."""
    ids = {subscription.offer_id for subscription, _ in attempts}
    return list(db.session.scalars(select(Offer).where(Offer.id.in_(ids)))) if ids else []


def _read_endpoints(attempts: Iterable[tuple[Subscription, Payment]]) -> None:
    """The webhook endpoints the attempts' events may go to (their storefronts' and ISVs'),
    read for the transaction at once: the charges then apply without a look-up between them,
    and their changes are written together at the commit."""
    attempts = list(attempts)
    isvs = {line.isv_id for _, payment in attempts for line in payment.order.lines}
    read_endpoints(
        {subscription.storefront_id for subscription, _ in attempts},
        isvs | {subscription.isv_id for subscription, _ in attempts},
    )


def _after_charges(done: list[tuple[int, int | None, _Step]]) -> None:
    """What follows committed charges (subscription, storefront, step): the receipts of the
    renewed orders, queued at once, and each subscription's notices."""
    gateway.after_orders_paid(
        [
            step.order_id
            for _, _, step in done
            if step.outcome == Outcome.RENEWED and step.order_id is not None
        ]
    )
    for subscription_id, storefront_id, step in done:
        if storefront_id is not None and step.notices:
            with tenant_scope(storefront_id):
                _send_notices(subscription_id, storefront_id, step.notices)


def _send_notices(subscription_id: int, storefront_id: int, notices: list[Notice]) -> None:
    """Mail the notices as background jobs (like receipts), after the commit."""
    from storefront.jobs import enqueue

    for notice in notices:
        enqueue(send_notice, subscription_id, storefront_id, notice.value)


def lock_subscription(subscription_id: int) -> Subscription | None:
    """The row, locked for this transaction (FOR UPDATE on PostgreSQL), freshly read once
    (`storefront.locks`)."""
    return locks.lock(Subscription, subscription_id)


def _prepare(subscription_id: int, now: datetime, terms: _BatchTerms | None = None) -> _Step:
    if terms is None:
        terms = _BatchTerms.read([subscription_id])
    subscription = lock_subscription(subscription_id)
    if subscription is None:
        return _Step(Outcome.SKIPPED)
    status = subscription.status
    if status == SubscriptionStatus.ACTIVE and aware(subscription.current_period_end) <= now:
        if subscription.cancel_at_period_end:
            _close(subscription, SubscriptionStatus.CANCELLED, "buyer", now)
            return _Step(Outcome.CANCELLED, notices=[Notice.CANCELLED])
        if not terms.still_sold(subscription):
            _close(subscription, SubscriptionStatus.ENDED, "not_sold", now)
            return _Step(Outcome.ENDED, notices=[Notice.ENDED])
        notices = _check_price(subscription, now, _price_on_sale(subscription))
        renewal, made = _renewal_order(subscription, terms.sellers[subscription.storefront_id])
        payment, fresh = next_attempt(subscription, renewal, new_renewal=made)
        return _Step(Outcome.PROCESSING, payment.id, fresh, notices)
    if status == SubscriptionStatus.PAST_DUE and _is_due(subscription.next_attempt_at, now):
        if not terms.still_sold(subscription):
            _close(subscription, SubscriptionStatus.ENDED, "not_sold", now)
            return _Step(Outcome.ENDED, notices=[Notice.ENDED])
        renewal, made = _renewal_order(subscription, terms.sellers[subscription.storefront_id])
        payment, fresh = next_attempt(subscription, renewal, new_renewal=made)
        return _Step(Outcome.PROCESSING, payment.id, fresh)
    if status == SubscriptionStatus.SUSPENDED and _is_due(
        subscription.suspended_at, now - _grace()
    ):
        _close(subscription, SubscriptionStatus.CANCELLED, "unpaid", now)
        return _Step(Outcome.CANCELLED, notices=[Notice.CANCELLED])
    return _Step(Outcome.SKIPPED)


def _prepare_batch(ids: list[int], now: datetime, terms: _BatchTerms) -> dict[int, _Step]:
    """`_prepare` for the common case of a whole batch in one transaction: every active
    subscription whose period has ended, still sold, not cancelling at its end and with no
    renewal order yet gets its renewal order and first attempt (a few statements and one
    commit for the batch, not a dozen and a commit each). The steps by subscription; any
    other subscription of the batch is left to `_prepare` alone, and should the batch fail,
    every one is."""
    try:
        with all_tenants():
            candidates = db.session.scalars(
                select(Subscription)
                .where(
                    Subscription.id.in_(ids),
                    Subscription.status == SubscriptionStatus.ACTIVE,
                    Subscription.current_period_end <= now,
                    Subscription.cancel_at_period_end.is_(False),
                )
                .order_by(Subscription.id)
                .with_for_update()
                .execution_options(populate_existing=True)
            ).all()
            locks.held_rows(*candidates)
            due = [sub for sub in candidates if terms.still_sold(sub)]
            made = {
                (subscription_id, period)
                for subscription_id, period in db.session.execute(
                    select(SubscriptionRenewal.subscription_id, SubscriptionRenewal.period).where(
                        SubscriptionRenewal.subscription_id.in_([sub.id for sub in due])
                    )
                )
            }
            due = [sub for sub in due if (sub.id, sub.period + 1) not in made]
            prices = _prices_on_sale(due)
            recorded = []
            for subscription in due:
                notices = _check_price(subscription, now, prices.get(_sale_key(subscription)))
                renewal = _new_renewal_order(
                    subscription, terms.sellers[subscription.storefront_id]
                )
                recorded.append((subscription.id, _new_attempt(subscription, renewal, 1), notices))
            db.session.flush()
            steps = {
                subscription_id: _Step(Outcome.PROCESSING, payment.id, True, notices)
                for subscription_id, payment, notices in recorded
            }
            db.session.commit()
            return steps
    except Exception:
        db.session.rollback()
        log.exception("renewal batch of %s subscriptions: each is prepared alone", len(ids))
        return {}


def _is_due(moment: datetime | None, now: datetime) -> bool:
    return moment is not None and aware(moment) <= now


def _close(
    subscription: Subscription, status: SubscriptionStatus, reason: str, now: datetime
) -> None:
    """Cancel or end for good: no further charge, keys suspended, an unpaid renewal void."""
    subscription.status = status
    subscription.end_reason = reason
    subscription.ended_at = now
    subscription.next_attempt_at = None
    subscription.cancel_at_period_end = False
    set_subscription_keys(subscription.id, LicenseStatus.SUSPENDED)
    renewal = _open_renewal(subscription)
    if renewal is not None and renewal.order.status == OrderStatus.PENDING:
        renewal.order.status = OrderStatus.CANCELLED
    db.session.flush()
    subscription_event("cancelled", subscription)


# --- Price changes after notice --------------------------------------------------------


def _notice_period() -> timedelta:
    return timedelta(days=int(current_app.config["PRICE_NOTICE_DAYS"]))


def _check_price(
    subscription: Subscription, now: datetime, on_sale: tuple[int, int] | None
) -> list[Notice]:
    """The safety net at renewal for a price change not noted when it was made (see
    `price_changes`), given the plan's price on sale now; a notified change whose notice has
    run is applied to this renewal."""
    notices = [Notice.PRICE_CHANGE] if _note_price(subscription, now, on_sale) else []
    apply_noticed_price(subscription, aware(subscription.current_period_end))
    return notices


def note_price_on_sale(subscription: Subscription, now: datetime) -> bool:
    """Record a price on sale that differs from the subscriber's as their pending price,
    notified `now` (it applies from the first renewal at least PRICE_NOTICE_DAYS later), or
    clear a pending one the price went back from. True when the buyer is to be mailed: their
    own price changed and they were not told of this price yet. An ISV's wholesale change
    alone is recorded unmailed; under a retail change the buyer was told of, it keeps that
    notice's date."""
    return _note_price(subscription, now, _price_on_sale(subscription))


def _note_price(subscription: Subscription, now: datetime, current: tuple[int, int] | None) -> bool:
    """`note_price_on_sale` with the price on sale (`_prices_on_sale`) already read."""
    if current is None:
        return False
    snapshot = (subscription.unit_retail_minor, subscription.unit_wholesale_minor)
    pending = (subscription.pending_retail_minor, subscription.pending_wholesale_minor)
    if current == snapshot:
        _clear_pending(subscription)
        return False
    if current == pending:
        return False
    told = subscription.price_notified_at is not None and pending[0] == current[0]
    subscription.pending_retail_minor, subscription.pending_wholesale_minor = current
    if current[0] != snapshot[0] and told:
        return False
    subscription.price_notified_at = now
    return current[0] != snapshot[0]  # the buyer's price changes (not only the ISV's)


def _price_on_sale(subscription: Subscription) -> tuple[int, int] | None:
    """(retail, wholesale) of the subscriber's plan as the storefront sells it now (the
    listing rules of `catalog.listings` for one plan), or None when it is not on sale."""
    return _prices_on_sale([subscription]).get(_sale_key(subscription))


_SaleKey = tuple[int, int, int, str]  # storefront, offer, plan, currency


def _sale_key(subscription: Subscription) -> _SaleKey:
    return (
        subscription.storefront_id,
        subscription.offer_id,
        subscription.plan_id,
        subscription.currency,
    )


def _prices_on_sale(subscriptions: Iterable[Subscription]) -> dict[_SaleKey, tuple[int, int]]:
    """`_price_on_sale` for many subscriptions in one statement: the plans on sale, by
    `_sale_key`; a plan not on sale (or not at a sellable margin) is absent."""
    keys = {_sale_key(subscription) for subscription in subscriptions}
    if not keys:
        return {}
    retail = func.coalesce(ListingPrice.retail_minor, PlanPrice.recommended_retail_minor)
    rows = db.session.execute(
        select(
            Listing.storefront_id,
            Listing.offer_id,
            PlanPrice.plan_id,
            PlanPrice.currency,
            retail,
            PlanPrice.wholesale_minor,
        )
        .select_from(Listing)
        .join(Offer, Offer.id == Listing.offer_id)
        .join(Storefront, Storefront.id == Listing.storefront_id)
        .join(PlanPrice, PlanPrice.currency == Storefront.currency)
        .outerjoin(
            ListingPrice,
            and_(
                ListingPrice.listing_id == Listing.id,
                ListingPrice.plan_id == PlanPrice.plan_id,
                ListingPrice.currency == PlanPrice.currency,
            ),
        )
        .where(
            tuple_(
                Listing.storefront_id, Listing.offer_id, PlanPrice.plan_id, PlanPrice.currency
            ).in_(sorted(keys)),
            Storefront.is_opted_in.is_(True),
            Offer.status == OfferStatus.APPROVED,
        )
    ).all()
    prices = {}
    for storefront_id, offer_id, plan_id, currency, retail_minor, wholesale_minor in rows:
        if retail_minor is None or retail_minor <= 0 or 2 * wholesale_minor > retail_minor:
            continue
        prices[(storefront_id, offer_id, plan_id, currency)] = (
            int(retail_minor),
            int(wholesale_minor),
        )
    return prices


def apply_noticed_price(subscription: Subscription, renewal_at: datetime) -> bool:
    """Adopt the notified price when the renewal at `renewal_at` is far enough after the
    notice; True when it did."""
    notified = subscription.price_notified_at
    if subscription.pending_retail_minor is None or notified is None:
        return False
    if renewal_at < aware(notified) + _notice_period():
        return False
    subscription.unit_retail_minor = subscription.pending_retail_minor
    subscription.unit_wholesale_minor = subscription.pending_wholesale_minor or 0
    _clear_pending(subscription)
    return True


def _clear_pending(subscription: Subscription) -> None:
    subscription.pending_retail_minor = None
    subscription.pending_wholesale_minor = None
    subscription.price_notified_at = None


# --- The renewal order and its attempts ------------------------------------------------


def _random_code(length: int) -> str:
    return "".join(secrets.choice(_NUMBER_ALPHABET) for _ in range(length))


def _open_renewal(subscription: Subscription) -> SubscriptionRenewal | None:
    return db.session.scalar(
        select(SubscriptionRenewal).where(
            SubscriptionRenewal.subscription_id == subscription.id,
            SubscriptionRenewal.period == subscription.period + 1,
        )
    )


def _renewal_order(subscription: Subscription, seller: _Seller) -> tuple[SubscriptionRenewal, bool]:
    """The order for the subscription's next period, and whether this call made it (once)."""
    renewal = _open_renewal(subscription)
    if renewal is not None:
        return renewal, False
    return _new_renewal_order(subscription, seller), True


def _new_renewal_order(subscription: Subscription, seller: _Seller) -> SubscriptionRenewal:
    """The order for the subscription's next period, with the subscription's price and the
    storefront's commission and override rates at renewal time (flushed by the caller)."""
    total = subscription.unit_retail_minor * subscription.quantity
    order = Order(
        storefront_id=subscription.storefront_id,
        number=f"{seller.slug[:8].upper()}-{_random_code(8)}",
        buyer_id=subscription.buyer_id,
        currency=subscription.currency,
        total_minor=total,
        cart_fingerprint=f"renewal-{subscription.id}-{subscription.period + 1}",
        commission_rate_bp=seller.commission_rate_bp,
        operator_id=seller.operator_id,
        operator_override_bp=seller.override_bp if seller.operator_id else 0,
        billing_name=subscription.billing_name,
        billing_email=subscription.billing_email,
        billing_country=subscription.billing_country,
        locale=subscription.locale,
    )
    order.lines.append(
        OrderLine(
            storefront_id=subscription.storefront_id,
            offer_id=subscription.offer_id,
            plan_id=subscription.plan_id,
            isv_id=subscription.isv_id,
            offer_name=subscription.offer_name,
            plan_name=subscription.plan_name,
            term=subscription.term,
            quantity=subscription.quantity,
            unit_retail_minor=subscription.unit_retail_minor,
            unit_wholesale_minor=subscription.unit_wholesale_minor,
        )
    )
    renewal = SubscriptionRenewal(
        storefront_id=subscription.storefront_id,
        subscription_id=subscription.id,
        period=subscription.period + 1,
        order=order,
        due_at=subscription.current_period_end,
    )
    db.session.add_all((order, renewal))
    return renewal


def next_attempt(
    subscription: Subscription, renewal: SubscriptionRenewal, *, new_renewal: bool = False
) -> tuple[Payment, bool]:
    """The payment attempt to make for the renewal, and whether it is new. An attempt whose
    outcome is unknown (recorded, never answered) is made again as itself. A renewal made
    in this transaction (`new_renewal`) has no attempts yet."""
    attempts = (
        []
        if new_renewal
        else list(db.session.scalars(select(Payment).where(Payment.order_id == renewal.order_id)))
    )
    unknown = next((p for p in attempts if p.status == PaymentStatus.CREATED), None)
    if unknown is not None:
        return unknown, False
    payment = _new_attempt(subscription, renewal, len(attempts) + 1)
    db.session.flush()
    return payment, True


def _new_attempt(subscription: Subscription, renewal: SubscriptionRenewal, number: int) -> Payment:
    """The renewal's attempt `number`, with its deterministic idempotency key."""
    payment = Payment(
        storefront_id=subscription.storefront_id,
        order=renewal.order,
        idempotency_key=f"renewal-{subscription.id}-{renewal.period}-{number}",
        payment_method=subscription.payment_method or "none",
        amount_minor=renewal.order.total_minor,
        currency=renewal.order.currency,
    )
    db.session.add(payment)
    return payment


def charge_attempt(
    subscription: Subscription,
    payment: Payment,
    provider: PaymentProvider,
    *,
    off_session: bool,
    reconcile: bool,
) -> bool:
    """Charge (or, for an attempt left unfinished, first look up) the payment on the saved
    card; True when this call marked the renewal paid. Raises ProviderUnavailable."""
    customer = subscription.customer_reference
    result: IntentResult | None = None
    if reconcile and customer:
        result = provider.find_charge(customer=customer, idempotency_key=payment.idempotency_key)
    if result is None:
        if not payment.payment_method.startswith(("card_", "pm_", "src_")):
            result = IntentResult(None, IntentStatus.FAILED, None, failure_message=NO_CARD)
        else:
            result = provider.charge(
                amount=Money(payment.amount_minor, payment.currency),
                payment_method=payment.payment_method,
                idempotency_key=payment.idempotency_key,
                metadata={
                    "payment_id": str(payment.id),
                    "order_id": str(payment.order_id),
                    "subscription_id": str(subscription.id),
                    "storefront_id": str(payment.storefront_id),
                },
                customer=customer,
                off_session=off_session,
            )
    if off_session and result.status == IntentStatus.REQUIRES_ACTION:
        # nobody is there to authenticate: the buyer pays on-session from the e-mailed link
        result = replace(
            result, status=IntentStatus.FAILED, failure_message=AUTHENTICATION_REQUIRED
        )
    return apply_result(payment, result)


def _charge(
    subscription_id: int, payment_id: int, fresh: bool, now: datetime, provider: PaymentProvider
) -> _Step:
    # the subscription, and the payment with its order as apply_result will want them: one
    # statement at the start of the charge's own transaction
    rows = locks.lock_with(
        Subscription,
        subscription_id,
        (Payment, Payment.id == payment_id),
        (Order, Order.id == Payment.order_id),
    )
    if rows is None:
        return _Step(Outcome.SKIPPED)
    subscription, payment, _order = rows
    step = _charge_locked(subscription, payment, fresh, now, provider)
    if step.outcome == Outcome.ERROR:
        db.session.rollback()
    return step


def _charge_locked(
    subscription: Subscription,
    payment: Payment,
    fresh: bool,
    now: datetime,
    provider: PaymentProvider,
) -> _Step:
    """Charge the attempt (locked by the caller with its subscription and order), unless it is
    decided already, and apply the result. A provider that cannot be reached changes nothing:
    the step is an ERROR and the attempt is made again next run."""
    if payment.status != PaymentStatus.CREATED:
        return _Step(Outcome.SKIPPED)  # another run charged it meanwhile
    try:
        if payment.provider_reference is not None:  # the provider was still deciding
            paid = refresh(payment, provider)
        else:
            paid = charge_attempt(
                subscription, payment, provider, off_session=True, reconcile=not fresh
            )
    except ProviderUnavailable as error:
        log.warning("renewal of subscription %s: provider unavailable: %s", subscription.id, error)
        return _Step(Outcome.ERROR)
    if paid:
        return _Step(Outcome.RENEWED, payment.id, order_id=payment.order_id)
    if _failed(payment):
        return renewal_failed(subscription, now)
    return _Step(Outcome.PROCESSING)


def _failed(payment: Payment) -> bool:
    return payment.status == PaymentStatus.FAILED


def renewal_failed(subscription: Subscription, now: datetime) -> _Step:
    """Dunning: past due on the first failure, retried on RENEWAL_RETRY_DAYS (counted from
    the first failure), suspended after the last retry fails."""
    retry_days: tuple[int, ...] = tuple(current_app.config["RENEWAL_RETRY_DAYS"])
    if subscription.status == SubscriptionStatus.ACTIVE:
        subscription.status = SubscriptionStatus.PAST_DUE
        subscription.past_due_since = now
        subscription.failed_attempts = 0
        set_subscription_keys(subscription.id, LicenseStatus.SUSPENDED)
        subscription_event("past_due", subscription)
        notices = [Notice.PAST_DUE]
    else:
        notices = []
    if subscription.status == SubscriptionStatus.SUSPENDED:
        return _Step(Outcome.FAILED)  # a failed on-session payment: it stays suspended
    subscription.failed_attempts += 1
    since = aware(subscription.past_due_since or now)
    if subscription.failed_attempts <= len(retry_days):
        subscription.next_attempt_at = since + timedelta(
            days=retry_days[subscription.failed_attempts - 1]
        )
        db.session.flush()
        return _Step(Outcome.FAILED, notices=notices)
    subscription.status = SubscriptionStatus.SUSPENDED
    subscription.suspended_at = now
    subscription.next_attempt_at = None
    db.session.flush()
    subscription_event("suspended", subscription)
    return _Step(Outcome.SUSPENDED, notices=[*notices, Notice.SUSPENDED])


# --- What the buyer does -----------------------------------------------------------------


class SubscriptionNotFound(LookupError):
    """No such subscription for this buyer in this storefront."""


def buyer_subscriptions(storefront_id: int, buyer_id: int) -> list[Subscription]:
    with tenant_scope(storefront_id):
        return list(
            db.session.scalars(
                select(Subscription)
                .where(Subscription.buyer_id == buyer_id)
                .order_by(Subscription.created_at.desc(), Subscription.id.desc())
            )
        )


def buyer_subscription(storefront_id: int, buyer_id: int, subscription_id: int) -> Subscription:
    """The buyer's subscription, locked for this transaction; SubscriptionNotFound otherwise."""
    with tenant_scope(storefront_id):
        subscription = lock_subscription(subscription_id)
    if subscription is None or subscription.buyer_id != buyer_id:
        raise SubscriptionNotFound(subscription_id)
    return subscription


def set_cancel_at_period_end(subscription: Subscription, cancel: bool) -> bool:
    """Cancel at the end of the current period, or undo that before it ends; False when
    the subscription is no longer running."""
    if subscription.status != SubscriptionStatus.ACTIVE:
        return False
    subscription.cancel_at_period_end = cancel
    db.session.flush()
    return True


def outstanding_renewal(subscription: Subscription) -> SubscriptionRenewal | None:
    """The unpaid renewal of a past-due or suspended subscription."""
    if subscription.status not in (SubscriptionStatus.PAST_DUE, SubscriptionStatus.SUSPENDED):
        return None
    renewal = _open_renewal(subscription)
    if renewal is None or renewal.order.status != OrderStatus.PENDING:
        return None
    return renewal


def send_notices(subscription_id: int, storefront_id: int, notices: list[Notice]) -> None:
    """Send notices after the commit that caused them."""
    _send_notices(subscription_id, storefront_id, notices)
