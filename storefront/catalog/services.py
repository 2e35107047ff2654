"""Changes to offers (ISV edits, submission, approval, versions of live prices) and to
storefronts' selections, each price checked against the margin rule."""

from __future__ import annotations

import re
from decimal import InvalidOperation
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import exists, select

from storefront.accounts.models import Role, User
from storefront.audit.models import Surface
from storefront.audit.services import record, snapshot
from storefront.catalog.models import (
    ApplicationType,
    BillingTerm,
    Listing,
    ListingPrice,
    Offer,
    OfferCategory,
    OfferRevision,
    OfferRevisionPrice,
    OfferStatus,
    Plan,
    PlanPrice,
    RevisionStatus,
)
from storefront.errors import DomainError
from storefront.extensions import db
from storefront.money import CurrencyError, Money
from storefront.outbound import notifications as webhooks
from storefront.pricing.margin import MarginError, check_margin, passes_margin
from storefront.tenants.models import Storefront
from storefront.tenants.scope import tenant_scope
from storefront.timeutil import utcnow


class OfferNotAvailable(DomainError):
    """Only approved offers can be picked by a reseller."""


class PlanNotPriced(DomainError):
    """The plan has no wholesale price in the storefront's currency."""


def set_plan_price(
    plan: Plan, currency: str, wholesale_minor: int, recommended_retail_minor: int
) -> PlanPrice:
    """Set the ISV's prices for a plan in one currency; the recommendation must pass the margin
    rule (MarginError names the floor). Resellers' own prices that the new wholesale price makes
    fail stay stored but stop being listed."""
    wholesale = Money(wholesale_minor, currency)
    check_margin(wholesale, Money(recommended_retail_minor, currency))
    price = db.session.scalar(
        select(PlanPrice).where(PlanPrice.plan_id == plan.id, PlanPrice.currency == currency)
    )
    if price is None:
        price = PlanPrice(plan=plan, currency=currency)
        db.session.add(price)
    price.wholesale_minor = wholesale_minor
    price.recommended_retail_minor = recommended_retail_minor
    db.session.flush()
    return price


def select_offer(storefront: Storefront, offer: Offer) -> Listing:
    """Put an approved offer on the storefront (idempotent)."""
    if offer.status != OfferStatus.APPROVED:
        raise OfferNotAvailable(f"{offer.name} is not approved for sale.")
    with tenant_scope(storefront.id):
        listing = db.session.scalar(
            select(Listing).where(
                Listing.storefront_id == storefront.id, Listing.offer_id == offer.id
            )
        )
        if listing is None:
            listing = Listing(storefront_id=storefront.id, offer_id=offer.id)
            db.session.add(listing)
            db.session.flush()
    return listing


def set_listing_price(
    storefront: Storefront, listing: Listing, plan: Plan, retail_minor: int
) -> ListingPrice:
    """Set the reseller's own retail price for a plan; refused below the margin floor."""
    if listing.storefront_id != storefront.id or plan.offer_id != listing.offer_id:
        raise DomainError("That plan is not part of this listing.")
    wholesale = db.session.scalar(
        select(PlanPrice.wholesale_minor).where(
            PlanPrice.plan_id == plan.id, PlanPrice.currency == storefront.currency
        )
    )
    if wholesale is None:
        raise PlanNotPriced(f"{plan.name} has no price in {storefront.currency}.")
    check_margin(Money(wholesale, storefront.currency), Money(retail_minor, storefront.currency))
    with tenant_scope(storefront.id):
        price = db.session.scalar(
            select(ListingPrice).where(
                ListingPrice.storefront_id == storefront.id,
                ListingPrice.listing_id == listing.id,
                ListingPrice.plan_id == plan.id,
            )
        )
        if price is None:
            price = ListingPrice(storefront_id=storefront.id, listing=listing, plan_id=plan.id)
            db.session.add(price)
        price.currency = storefront.currency
        price.retail_minor = retail_minor
        db.session.flush()
    return price


# --- Offers through their life: ISVs edit and submit, the platform approves, rejects, retires.


class OfferNotFound(DomainError):
    """No such offer for this actor (another ISV's offers do not exist for it: 404)."""


class OfferForbidden(DomainError):
    """The actor's role may not do this (403)."""


class OfferFieldError(DomainError):
    """A refused value, shown next to the field named `field`."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


OFFER_FIELDS = ("name", "summary", "description", "category", "application_type", "logo_path")
_EDITABLE = (OfferStatus.DRAFT, OfferStatus.REJECTED, OfferStatus.SUBMITTED, OfferStatus.APPROVED)


def _require_isv(actor: User) -> int:
    if actor.role != Role.ISV_MEMBER or actor.isv_id is None:
        raise OfferForbidden("Only an ISV's members manage its offers.")
    return actor.isv_id


def _require_platform(actor: User) -> None:
    if actor.role != Role.PLATFORM_ADMIN:
        raise OfferForbidden("Only platform admins approve offers.")


def vendor_offer(actor: User, offer_id: int) -> Offer:
    """One of the actor's ISV's offers; OfferNotFound for any other."""
    isv_id = _require_isv(actor)
    offer = db.session.scalar(select(Offer).where(Offer.id == offer_id, Offer.isv_id == isv_id))
    if offer is None:
        raise OfferNotFound("No such offer.")
    return offer


def _slug_for(name: str) -> str:
    base = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")[:60] or "offer"
    slug, number = base, 1
    while db.session.scalar(select(exists().where(Offer.slug == slug))):
        number += 1
        slug = f"{base}-{number}"
    return slug


def _clean(fields: dict[str, Any]) -> dict[str, Any]:
    name = str(fields.get("name", "")).strip()
    if not name:
        raise OfferFieldError("name", _("Give the offer a name."))
    if len(name) > 120:
        raise OfferFieldError("name", _("Use at most 120 characters."))
    try:
        category = OfferCategory(str(fields.get("category")))
    except ValueError:
        raise OfferFieldError("category", _("Choose a category.")) from None
    try:
        application_type = ApplicationType(str(fields.get("application_type")))
    except ValueError:
        raise OfferFieldError("application_type", _("Choose an application type.")) from None
    cleaned: dict[str, Any] = {
        "name": name,
        "summary": str(fields.get("summary", "")).strip()[:240],
        "description": str(fields.get("description", "")).strip(),
        "category": category,
        "application_type": application_type,
    }
    if fields.get("logo_path"):
        cleaned["logo_path"] = str(fields["logo_path"])
    return cleaned


def create_offer(actor: User, **fields: Any) -> Offer:
    """A draft offer of the actor's ISV."""
    isv_id = _require_isv(actor)
    cleaned = _clean(fields)
    offer = Offer(isv_id=isv_id, slug=_slug_for(cleaned["name"]), **cleaned)
    db.session.add(offer)
    db.session.flush()
    record(
        actor=actor,
        surface=Surface.VENDOR,
        action="offer.create",
        target=offer,
        after=snapshot(offer, OFFER_FIELDS),
    )
    return offer


def update_offer(actor: User, offer_id: int, **fields: Any) -> Offer:
    """Change an offer's description (live offers too: prices are what needs approval)."""
    offer = vendor_offer(actor, offer_id)
    if offer.status not in _EDITABLE:
        raise OfferFieldError("name", _("A retired offer cannot be changed."))
    cleaned = _clean(fields)
    before = snapshot(offer, OFFER_FIELDS)
    for name, value in cleaned.items():
        setattr(offer, name, value)
    db.session.flush()
    record(
        actor=actor,
        surface=Surface.VENDOR,
        action="offer.update",
        target=offer,
        before=before,
        after=snapshot(offer, OFFER_FIELDS),
    )
    return offer


def add_plan(actor: User, offer_id: int, name: str, term: str) -> Plan:
    offer = vendor_offer(actor, offer_id)
    if offer.status in (OfferStatus.APPROVED, OfferStatus.RETIRED):
        raise OfferFieldError(
            "plan_name", _("Plans are added before approval; a live offer's plans can be repriced.")
        )
    if not name.strip():
        raise OfferFieldError("plan_name", _("Give the plan a name."))
    try:
        billing_term = BillingTerm(term)
    except ValueError:
        raise OfferFieldError("term", _("Choose a billing term.")) from None
    plan = Plan(offer=offer, name=name.strip()[:80], term=billing_term, position=len(offer.plans))
    db.session.add(plan)
    db.session.flush()
    record(
        actor=actor,
        surface=Surface.VENDOR,
        action="plan.create",
        target=plan,
        after={"offer_id": offer.id, "name": plan.name, "term": plan.term},
    )
    return plan


def parse_price(text: str, currency: str, field: str) -> int:
    """A price typed in major units ("19.99") as minor units of `currency`."""
    try:
        amount = Money.from_major(text.strip(), currency).amount
    except CurrencyError:
        raise OfferFieldError("currency", _("Enter an ISO 4217 currency code, like USD.")) from None
    except (ValueError, InvalidOperation):
        message = _("Enter an amount in %(currency)s.", currency=currency)
        raise OfferFieldError(field, message) from None
    if amount < 0:
        raise OfferFieldError(field, _("Prices cannot be negative."))
    return amount


def _vendor_plan(actor: User, offer_id: int, plan_id: int) -> tuple[Offer, Plan]:
    offer = vendor_offer(actor, offer_id)
    plan = next((plan for plan in offer.plans if plan.id == plan_id), None)
    if plan is None:
        raise OfferNotFound("No such plan.")
    return offer, plan


def price_plan(
    actor: User,
    offer_id: int,
    plan_id: int,
    currency: str,
    wholesale_minor: int,
    recommended_retail_minor: int,
) -> OfferRevision | None:
    """Set a plan's wholesale and recommended retail price in one currency (margin rule).
    On a live offer the price goes into the offer's pending revision instead (returned), and
    storefronts keep selling the approved prices until the platform approves it."""
    offer, plan = _vendor_plan(actor, offer_id, plan_id)
    if offer.status == OfferStatus.RETIRED:
        raise OfferFieldError("wholesale", _("A retired offer cannot be repriced."))
    check_margin(Money(wholesale_minor, currency), Money(recommended_retail_minor, currency))
    before = {
        p.currency: [p.wholesale_minor, p.recommended_retail_minor]
        for p in plan.prices
        if p.currency == currency
    }
    after = {currency: [wholesale_minor, recommended_retail_minor]}
    if offer.status != OfferStatus.APPROVED:
        set_plan_price(plan, currency, wholesale_minor, recommended_retail_minor)
        record(
            actor=actor,
            surface=Surface.VENDOR,
            action="plan.price",
            target=plan,
            before=before,
            after=after,
        )
        return None
    revision = pending_revision(offer.id)
    if revision is None:
        revision = OfferRevision(offer=offer, proposed_by_id=actor.id)
        db.session.add(revision)
    proposed = next(
        (p for p in revision.prices if p.plan_id == plan.id and p.currency == currency), None
    )
    if proposed is None:
        proposed = OfferRevisionPrice(plan_id=plan.id, currency=currency)
        revision.prices.append(proposed)
    proposed.wholesale_minor = wholesale_minor
    proposed.recommended_retail_minor = recommended_retail_minor
    revision.proposed_at = utcnow()
    db.session.flush()
    record(
        actor=actor,
        surface=Surface.VENDOR,
        action="offer.propose_price",
        target=revision,
        before=before,
        after={**after, "plan_id": plan.id, "offer_id": offer.id},
    )
    return revision


def pending_revision(offer_id: int) -> OfferRevision | None:
    return db.session.scalar(
        select(OfferRevision).where(
            OfferRevision.offer_id == offer_id, OfferRevision.status == RevisionStatus.PENDING
        )
    )


def margin_problems(offer: Offer) -> list[str]:
    """Why the offer cannot be sold as it stands (empty when every plan passes)."""
    problems: list[str] = []
    if not offer.plans:
        problems.append("It has no plans.")
    for plan in offer.plans:
        if not plan.prices:
            problems.append(f"Plan {plan.name} has no price.")
        problems += [
            problem
            for price in plan.prices
            if (problem := _price_problem(plan.name, price)) is not None
        ]
    return problems


def _price_problem(plan_name: str, price: PlanPrice | OfferRevisionPrice) -> str | None:
    """Why a (current or proposed) plan price fails the margin rule, naming the floor."""
    wholesale = Money(price.wholesale_minor, price.currency)
    retail = Money(price.recommended_retail_minor, price.currency)
    if passes_margin(wholesale.amount, retail.amount):
        return None
    return f"Plan {plan_name}: {MarginError(wholesale, retail)}"


def submit_offer(actor: User, offer_id: int) -> Offer:
    offer = vendor_offer(actor, offer_id)
    if offer.status not in (OfferStatus.DRAFT, OfferStatus.REJECTED):
        raise OfferFieldError("submit", _("Only drafts and rejected offers can be submitted."))
    problems = margin_problems(offer)
    if problems:
        raise OfferFieldError("submit", " ".join(problems))
    return _decide(
        offer,
        actor,
        Surface.VENDOR,
        "offer.submit",
        OfferStatus.SUBMITTED,
        submitted_at=utcnow(),
    )


_DECISION_FIELDS = ("status", "rejection_reason")


def _decide(
    offer: Offer,
    actor: User,
    surface: Surface,
    action: str,
    status: OfferStatus,
    **changes: Any,
) -> Offer:
    """Move an offer to `status` (with any other field changes), audited before and after."""
    before = snapshot(offer, _DECISION_FIELDS)
    offer.status = status
    for name, value in changes.items():
        setattr(offer, name, value)
    db.session.flush()
    record(
        actor=actor,
        surface=surface,
        action=action,
        target=offer,
        before=before,
        after=snapshot(offer, _DECISION_FIELDS),
    )
    webhooks.offer_decided(offer, action)  # offer.approved/rejected/retired to the ISV
    return offer


def _console_offer(actor: User, offer_id: int) -> Offer:
    _require_platform(actor)
    offer = db.session.get(Offer, offer_id)
    if offer is None:
        raise OfferNotFound("No such offer.")
    return offer


def approve_offer(actor: User, offer_id: int) -> Offer:
    """Put a submitted offer on sale; refused while any plan fails the margin rule."""
    offer = _console_offer(actor, offer_id)
    if offer.status != OfferStatus.SUBMITTED:
        raise OfferFieldError("decision", f"{offer.name} is {offer.status.value}, not submitted.")
    problems = margin_problems(offer)
    if problems:
        raise OfferFieldError("decision", "Cannot approve: " + " ".join(problems))
    return _decide(
        offer,
        actor,
        Surface.CONSOLE,
        "offer.approve",
        OfferStatus.APPROVED,
        approved_at=utcnow(),
        rejection_reason="",
    )


def reject_offer(actor: User, offer_id: int, reason: str) -> Offer:
    offer = _console_offer(actor, offer_id)
    if offer.status != OfferStatus.SUBMITTED:
        raise OfferFieldError("reason", f"{offer.name} is {offer.status.value}, not submitted.")
    if not reason.strip():
        raise OfferFieldError("reason", "Say why: the ISV sees the reason.")
    return _decide(
        offer,
        actor,
        Surface.CONSOLE,
        "offer.reject",
        OfferStatus.REJECTED,
        rejection_reason=reason.strip(),
    )


def retire_offer(actor: User, offer_id: int) -> Offer:
    """Take an approved offer off every storefront; orders already placed are untouched."""
    offer = _console_offer(actor, offer_id)
    if offer.status != OfferStatus.APPROVED:
        raise OfferFieldError("decision", f"{offer.name} is {offer.status.value}, not on sale.")
    return _decide(offer, actor, Surface.CONSOLE, "offer.retire", OfferStatus.RETIRED)


def _pending(actor: User, revision_id: int) -> OfferRevision:
    _require_platform(actor)
    revision = db.session.get(OfferRevision, revision_id)
    if revision is None:
        raise OfferNotFound("No such revision.")
    if revision.status != RevisionStatus.PENDING:
        raise OfferFieldError("decision", f"This revision is {revision.status.value} already.")
    return revision


def revision_problems(revision: OfferRevision) -> list[str]:
    return [
        problem
        for price in revision.prices
        if (problem := _price_problem(price.plan.name, price)) is not None
    ]


def approve_revision(actor: User, revision_id: int) -> OfferRevision:
    """Apply a revision's prices to the plans, each through `set_plan_price` (margin rule)."""
    revision = _pending(actor, revision_id)
    before = {}
    for proposed in revision.prices:
        current = next((p for p in proposed.plan.prices if p.currency == proposed.currency), None)
        before[f"{proposed.plan_id}:{proposed.currency}"] = (
            [current.wholesale_minor, current.recommended_retail_minor] if current else None
        )
        set_plan_price(
            proposed.plan,
            proposed.currency,
            proposed.wholesale_minor,
            proposed.recommended_retail_minor,
        )
    revision.status = RevisionStatus.APPROVED
    revision.decided_by_id = actor.id
    revision.decided_at = utcnow()
    db.session.flush()
    record(
        actor=actor,
        surface=Surface.CONSOLE,
        action="offer.approve_revision",
        target=revision,
        before=before,
        after={
            f"{p.plan_id}:{p.currency}": [p.wholesale_minor, p.recommended_retail_minor]
            for p in revision.prices
        },
    )
    return revision


def reject_revision(actor: User, revision_id: int, reason: str) -> OfferRevision:
    revision = _pending(actor, revision_id)
    if not reason.strip():
        raise OfferFieldError("reason", "Say why: the ISV sees the reason.")
    revision.status = RevisionStatus.REJECTED
    revision.rejection_reason = reason.strip()
    revision.decided_by_id = actor.id
    revision.decided_at = utcnow()
    db.session.flush()
    record(
        actor=actor,
        surface=Surface.CONSOLE,
        action="offer.reject_revision",
        target=revision,
        before={"status": RevisionStatus.PENDING},
        after={"status": revision.status, "reason": revision.rejection_reason},
    )
    return revision
