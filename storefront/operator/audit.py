"""The audit log, newest first, filtered by actor, action, storefront and dates; operator
admins read only entries about their own storefronts."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from flask import render_template, request
from flask.typing import ResponseReturnValue
from flask_login import login_required
from sqlalchemy import func, select

from storefront.accounts.models import Role
from storefront.audit.models import AuditEntry
from storefront.extensions import db
from storefront.operator.views import bp, console_actor
from storefront.tenants.models import Storefront

PAGE_SIZE = 50


def _day(name: str) -> datetime | None:
    try:
        day = date.fromisoformat(request.args.get(name, ""))
    except ValueError:
        return None
    return datetime(day.year, day.month, day.day, tzinfo=UTC)


@bp.route("/audit")
@login_required
def audit_log() -> ResponseReturnValue:
    actor = console_actor()
    query = select(AuditEntry)
    stores = select(Storefront.id, Storefront.name).order_by(Storefront.name)
    if actor.role == Role.OPERATOR_ADMIN:
        mine = select(Storefront.id).where(Storefront.operator_id == actor.operator_id)
        query = query.where(AuditEntry.storefront_id.in_(mine))
        stores = stores.where(Storefront.operator_id == actor.operator_id)
    args = request.args
    if args.get("actor"):
        needle = args["actor"].strip().lower().replace("%", "").replace("_", "")
        query = query.where(AuditEntry.actor_email.like(f"%{needle}%"))
    if args.get("action"):
        query = query.where(AuditEntry.action == args["action"])
    if args.get("storefront", "").isdigit():
        query = query.where(AuditEntry.storefront_id == int(args["storefront"]))
    start, end = _day("from"), _day("to")
    if start is not None:
        query = query.where(AuditEntry.occurred_at >= start)
    if end is not None:
        query = query.where(AuditEntry.occurred_at < end + timedelta(days=1))
    total = db.session.scalar(select(func.count()).select_from(query.subquery())) or 0
    page = max(1, args.get("page", 1, type=int) or 1)
    entries = db.session.scalars(
        query.order_by(AuditEntry.occurred_at.desc(), AuditEntry.id.desc())
        .limit(PAGE_SIZE)
        .offset((page - 1) * PAGE_SIZE)
    ).all()
    actions = db.session.scalars(select(AuditEntry.action).distinct().order_by(AuditEntry.action))
    filters = {
        key: args[key] for key in ("actor", "action", "storefront", "from", "to") if args.get(key)
    }
    return render_template(
        "operator/audit.html",
        entries=entries,
        page=page,
        pages=max(1, -(-total // PAGE_SIZE)),
        total=total,
        actions=list(actions),
        storefronts={row[0]: row[1] for row in db.session.execute(stores)},
        filters=filters,
    )
