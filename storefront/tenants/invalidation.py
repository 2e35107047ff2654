"""Every committed change that alters what a storefront shows bumps its cache version, from this
one place: the session notices changed rows of the models below at flush time and publishes
the storefronts concerned once the transaction commits. (Changes rolled back are published
with the next commit of the same session, if any: a needless reload, never a stale page.)

- a storefront's own rows (branding, status, commission, listings and their prices, custom
  domains, suspensions): that storefront; new or deleted storefronts, changed slugs and
  domains also the marketplace generation (hosts may now lead elsewhere);
- offers, plans, plan prices: every storefront that lists the offer; ISVs (their names are
  shown) and bulk statements on any of these tables: every storefront.
"""

from __future__ import annotations

from typing import Any

from flask import current_app, has_app_context
from sqlalchemy import Table, event, inspect, select
from sqlalchemy.orm import ORMExecuteState, Session, UOWTransaction

from storefront.tenants.cache import publish

_PENDING = "storefront_cache_changes"


class _Changes:
    __slots__ = ("everything", "storefront_ids")

    def __init__(self) -> None:
        self.storefront_ids: set[int] = set()
        self.everything = False


def _changes(session: Session) -> _Changes:
    found: _Changes | None = session.info.get(_PENDING)
    if found is None:
        found = session.info[_PENDING] = _Changes()
    return found


WATCHED_TABLES = frozenset(
    {
        "storefronts",
        "storefront_domains",
        "storefront_suspensions",
        "listings",
        "listing_prices",
        "offers",
        "plans",
        "plan_prices",
        "isvs",
    }
)


def _after_flush(session: Session, _flush: UOWTransaction) -> None:
    from storefront.catalog.models import Isv, Listing, ListingPrice, Offer, Plan, PlanPrice
    from storefront.operator.models import StorefrontSuspension
    from storefront.tenants.models import Storefront, StorefrontDomain

    changes = _changes(session)
    offer_ids: set[int] = set()
    plan_ids: set[int] = set()
    for state, obj in _changed(session):
        if isinstance(obj, Storefront):
            changes.storefront_ids.add(obj.id)
            if state != "dirty" or inspect(obj).attrs.slug.history.has_changes():
                changes.everything = True
        elif isinstance(obj, StorefrontDomain):
            changes.storefront_ids.add(obj.storefront_id)
            changes.everything = True
        elif isinstance(obj, Listing | ListingPrice | StorefrontSuspension):
            changes.storefront_ids.add(obj.storefront_id)
        elif isinstance(obj, Offer):
            if state == "deleted":  # its listings went with it, by a cascade in the database
                changes.everything = True
            offer_ids.add(obj.id)
        elif isinstance(obj, Plan):
            offer_ids.add(obj.offer_id)
        elif isinstance(obj, PlanPrice):
            plan_ids.add(obj.plan_id)
        elif isinstance(obj, Isv):
            changes.everything = True
    if (offer_ids or plan_ids) and not changes.everything:
        _add_listing_storefronts(session, changes, offer_ids, plan_ids)


def _changed(session: Session) -> list[tuple[str, Any]]:
    return [
        *(("new", obj) for obj in session.new),
        *(("dirty", obj) for obj in session.dirty),
        *(("deleted", obj) for obj in session.deleted),
    ]


def _add_listing_storefronts(
    session: Session, changes: _Changes, offer_ids: set[int], plan_ids: set[int]
) -> None:
    """The storefronts listing these offers (or the offers of these plans)."""
    from storefront.catalog.models import Listing, Plan

    if has_app_context() and current_app.config.get("DATABASE_ROW_SECURITY"):
        # The policies hide other storefronts' listings from this transaction: count them all.
        changes.everything = True
        return
    offers = select(Plan.offer_id).where(Plan.id.in_(plan_ids)).scalar_subquery()
    listings: Table = Listing.__table__  # type: ignore[assignment]
    query = select(listings.c.storefront_id).distinct()
    query = query.where(listings.c.offer_id.in_(offer_ids) | listings.c.offer_id.in_(offers))
    changes.storefront_ids.update(session.connection().execute(query).scalars())


def _bulk_statement(state: ORMExecuteState) -> None:
    """An UPDATE, DELETE or INSERT statement on a watched table, run without the unit of work:
    which rows it touched is unknown, so every storefront counts as changed."""
    if not (state.is_update or state.is_delete or state.is_insert):
        return
    table = getattr(state.statement, "table", None)
    if getattr(table, "name", None) in WATCHED_TABLES:
        _changes(state.session).everything = True


def _after_commit(session: Session) -> None:
    changes = session.info.pop(_PENDING, None)
    if changes is not None:
        publish(changes.storefront_ids, changes.everything)


def install(session_class: Any = Session) -> None:
    """Attach the change tracking to every ORM session."""
    for name, listener in (
        ("after_flush", _after_flush),
        ("do_orm_execute", _bulk_statement),
        ("after_commit", _after_commit),
    ):
        if not event.contains(session_class, name, listener):
            event.listen(session_class, name, listener)
