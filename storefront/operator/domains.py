"""Custom domains in the operator console: platform admins approve a domain by hand (e.g.
when a reseller cannot publish the TXT record)."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext
from flask_login import current_user, login_required
from sqlalchemy import select

from storefront.accounts.models import Role
from storefront.extensions import db
from storefront.operator.views import bp, require_console_user
from storefront.reseller.forms import ActionForm
from storefront.tenants.domains import DomainNotFound, approve_domain, pending_domains
from storefront.tenants.models import Storefront


def _require_platform_admin() -> None:
    require_console_user()
    if current_user.role != Role.PLATFORM_ADMIN:
        abort(403)


@bp.route("/domains")
@login_required
def domains() -> ResponseReturnValue:
    _require_platform_admin()
    pending = pending_domains()
    stores = {
        store.id: store
        for store in db.session.scalars(
            select(Storefront).where(Storefront.id.in_({d.storefront_id for d in pending}))
        )
    }
    return render_template(
        "operator/domains.html", domains=pending, stores=stores, form=ActionForm()
    )


@bp.post("/domains/<int:domain_id>/approve")
@login_required
def approve_domain_by_hand(domain_id: int) -> ResponseReturnValue:
    _require_platform_admin()
    if not ActionForm().validate_on_submit():
        abort(400)
    try:
        domain = approve_domain(current_user._get_current_object(), domain_id)
    except DomainNotFound:
        abort(404)
    db.session.commit()
    flash(gettext("%(host)s is verified.", host=domain.hostname))
    return redirect(url_for("operator.domains"))
