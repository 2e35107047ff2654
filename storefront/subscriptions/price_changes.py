"""Price changes reach subscribers with notice from the moment they are made, from this one
place: the session notices changed listing prices, (re)picked listings and plan prices at
flush time and, once the transaction commits, queues a job (`storefront.jobs`: RQ with
REDIS_URL, inline otherwise) that records the new price as pending on every active or past-due
subscription concerned and mails the buyers whose own price changed.

The job only reads the prices on sale, so a change rolled back costs a needless look, never a
wrong notice. Bulk statements on the price tables are not seen here: the renewal engine's own
check (`services._check_price`) notices those at the next renewal.
"""

from __future__ import annotations

import contextvars
import logging
from itertools import groupby
from typing import Any

from flask import Flask, current_app, has_app_context
from sqlalchemy import ColumnElement, and_, event, false, or_, select
from sqlalchemy.orm import Session, UOWTransaction

from storefront.extensions import db
from storefront.subscriptions.models import Subscription, SubscriptionStatus
from storefront.tenants.scope import all_tenants, tenant_scope
from storefront.timeutil import utcnow

log = logging.getLogger(__name__)

_PENDING = "subscription_price_changes"
NOTICED_STATUSES = (SubscriptionStatus.ACTIVE, SubscriptionStatus.PAST_DUE)


class PriceChanges:
    """What changed in one transaction: plans repriced by their ISV (every storefront), plans
    repriced and offers (re)listed by one storefront."""

    __slots__ = ("plan_ids", "store_offers", "store_plans")

    def __init__(self) -> None:
        self.plan_ids: set[int] = set()
        self.store_plans: set[tuple[int, int]] = set()
        self.store_offers: set[tuple[int, int]] = set()

    def __bool__(self) -> bool:
        return bool(self.plan_ids or self.store_plans or self.store_offers)


def _changes(session: Session) -> PriceChanges:
    found: PriceChanges | None = session.info.get(_PENDING)
    if found is None:
        found = session.info[_PENDING] = PriceChanges()
    return found


def _after_flush(session: Session, _flush: UOWTransaction) -> None:
    from storefront.catalog.models import Listing, ListingPrice, PlanPrice

    prices = (ListingPrice, PlanPrice)
    changed = [
        *session.new,
        *(o for o in session.dirty if isinstance(o, prices) and session.is_modified(o)),
        *(o for o in session.deleted if isinstance(o, prices)),
    ]
    for obj in changed:
        if isinstance(obj, ListingPrice):
            _changes(session).store_plans.add((obj.storefront_id, obj.plan_id))
        elif isinstance(obj, PlanPrice):
            _changes(session).plan_ids.add(obj.plan_id)
        elif isinstance(obj, Listing):  # picked (again): sold at the recommended prices
            _changes(session).store_offers.add((obj.storefront_id, obj.offer_id))


def _forget(session: Session, *_args: Any) -> None:
    session.info.pop(_PENDING, None)


def _after_commit(session: Session) -> None:
    changes: PriceChanges | None = session.info.pop(_PENDING, None)
    if not changes or not has_app_context():
        return
    app: Flask = current_app._get_current_object()  # type: ignore[attr-defined]
    # The committing session can run no more SQL here: the job gets an app context (and so a
    # database session) and tenant scope of its own, as on a worker.
    contextvars.Context().run(_queue, app, changes)


def _queue(app: Flask, changes: PriceChanges) -> None:
    from storefront.jobs import enqueue

    with app.app_context():
        try:
            enqueue(
                notice_price_changes,
                sorted(changes.plan_ids),
                sorted(changes.store_plans),
                sorted(changes.store_offers),
            )
        except Exception:  # the renewal engine notices the change at the next renewal
            log.exception("price change notices could not be queued")


def _concerned(
    plan_ids: list[int], store_plans: list[tuple[int, int]], store_offers: list[tuple[int, int]]
) -> ColumnElement[bool]:
    return or_(
        Subscription.plan_id.in_(plan_ids) if plan_ids else false(),
        *(
            and_(Subscription.storefront_id == store, Subscription.plan_id == plan)
            for store, plan in store_plans
        ),
        *(
            and_(Subscription.storefront_id == store, Subscription.offer_id == offer)
            for store, offer in store_offers
        ),
    )


def notice_price_changes(
    plan_ids: list[int],
    store_plans: list[tuple[int, int]],
    store_offers: list[tuple[int, int]],
) -> int:
    """The job: queue the subscriptions concerned in batches (`RENEWAL_BATCH_SIZE`) for
    `notice_subscriptions`; the number queued."""
    from storefront.jobs import enqueue

    size = int(current_app.config["RENEWAL_BATCH_SIZE"])
    concerned = _concerned(plan_ids, store_plans, store_offers)
    queued, after = 0, 0
    while True:
        with all_tenants():
            ids = list(
                db.session.scalars(
                    select(Subscription.id)
                    .where(
                        concerned,
                        Subscription.status.in_(NOTICED_STATUSES),
                        Subscription.id > after,
                    )
                    .order_by(Subscription.id)
                    .limit(size)
                )
            )
        db.session.rollback()  # end the read transaction between batches
        if not ids:
            return queued
        enqueue(notice_subscriptions, ids)
        queued += len(ids)
        after = ids[-1]


def notice_subscriptions(subscription_ids: list[int]) -> int:
    """The job for one batch: note the price on sale on each subscription, in a transaction
    of its own (the row locked as the renewal engine locks it), and mail the buyers whose
    price changed; the number mailed."""
    from storefront.jobs import enqueue
    from storefront.subscriptions.notices import Notice, send_notice
    from storefront.subscriptions.services import lock_subscription, note_price_on_sale

    with all_tenants():
        rows = db.session.execute(
            select(Subscription.storefront_id, Subscription.id)
            .where(Subscription.id.in_(subscription_ids))
            .order_by(Subscription.storefront_id, Subscription.id)
        ).all()
    db.session.rollback()
    mailed = 0
    for storefront_id, group in groupby(rows, key=lambda row: row[0]):
        with tenant_scope(storefront_id):
            for _, subscription_id in group:
                try:
                    subscription = lock_subscription(subscription_id)
                    notify = (
                        subscription is not None
                        and subscription.status in NOTICED_STATUSES
                        and note_price_on_sale(subscription, utcnow())
                    )
                    db.session.commit()
                except Exception:
                    db.session.rollback()
                    log.exception("price change of subscription %s not noted", subscription_id)
                    continue
                if notify:
                    enqueue(send_notice, subscription_id, storefront_id, Notice.PRICE_CHANGE.value)
                    mailed += 1
    return mailed


def install(session_class: Any = Session) -> None:
    """Attach the price change tracking to every ORM session."""
    for name, listener in (
        ("after_flush", _after_flush),
        ("after_commit", _after_commit),
        ("after_rollback", _forget),
    ):
        if not event.contains(session_class, name, listener):
            event.listen(session_class, name, listener)
