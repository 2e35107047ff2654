"""The offer approval queue (platform admins): approve, reject with a reason the ISV sees,
retire; and new versions of live offers' prices. The queue shows why an offer cannot be
approved (its margin problems)."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import login_required
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from storefront.catalog import services as catalog
from storefront.catalog.models import Offer, OfferRevision, OfferStatus, Plan, RevisionStatus
from storefront.errors import DomainError
from storefront.extensions import db
from storefront.operator.views import bp, field_errors, require_platform_admin


@bp.route("/offers")
@login_required
def offers() -> ResponseReturnValue:
    require_platform_admin()
    load = selectinload(Offer.plans).selectinload(Plan.prices)
    submitted = db.session.scalars(
        select(Offer)
        .where(Offer.status == OfferStatus.SUBMITTED)
        .options(load, selectinload(Offer.isv))
        .order_by(Offer.submitted_at, Offer.id)
    ).all()
    revisions = db.session.scalars(
        select(OfferRevision)
        .where(OfferRevision.status == RevisionStatus.PENDING)
        .options(selectinload(OfferRevision.prices), selectinload(OfferRevision.offer))
        .order_by(OfferRevision.proposed_at)
    ).all()
    live = db.session.scalars(
        select(Offer)
        .where(Offer.status.in_((OfferStatus.APPROVED, OfferStatus.RETIRED)))
        .options(selectinload(Offer.isv))
        .order_by(Offer.name)
    ).all()
    return render_template(
        "operator/offers.html",
        submitted=[(offer, catalog.margin_problems(offer)) for offer in submitted],
        revisions=[(revision, catalog.revision_problems(revision)) for revision in revisions],
        live=live,
    )


@bp.route("/offers/<int:offer_id>", methods=["GET", "POST"])
@login_required
def offer(offer_id: int) -> ResponseReturnValue:
    actor = require_platform_admin()
    item = db.session.get(Offer, offer_id)
    if item is None:
        abort(404)
    errors: dict[str, str] = {}
    if request.method == "POST":
        action = request.form.get("action", "")
        try:
            if action == "approve":
                catalog.approve_offer(actor, item.id)
            elif action == "reject":
                catalog.reject_offer(actor, item.id, request.form.get("reason", ""))
            elif action == "retire":
                catalog.retire_offer(actor, item.id)
            else:
                abort(400)
        except DomainError as error:
            db.session.rollback()
            errors = field_errors(error, "decision")
        else:
            db.session.commit()
            flash(f"{item.name} is {item.status.value}.")
            return redirect(url_for("operator.offers"))
        item = db.session.get(Offer, offer_id)
    page = render_template(
        "operator/offer.html",
        offer=item,
        problems=catalog.margin_problems(item) if item else [],
        revision=catalog.pending_revision(offer_id),
        errors=errors,
    )
    return page, 400 if errors else 200


@bp.post("/revisions/<int:revision_id>")
@login_required
def revision(revision_id: int) -> ResponseReturnValue:
    actor = require_platform_admin()
    found = db.session.get(OfferRevision, revision_id)
    if found is None:
        abort(404)
    offer_id = found.offer_id
    try:
        if request.form.get("action") == "approve":
            catalog.approve_revision(actor, revision_id)
        else:
            catalog.reject_revision(actor, revision_id, request.form.get("reason", ""))
    except DomainError as error:
        db.session.rollback()
        item = db.session.get(Offer, offer_id)
        page = render_template(
            "operator/offer.html",
            offer=item,
            problems=catalog.margin_problems(item) if item else [],
            revision=catalog.pending_revision(offer_id),
            errors={"revision": str(error)},
        )
        return page, 400
    db.session.commit()
    flash("The new prices are decided.")
    return redirect(url_for("operator.offers"))
