"""The webhook pages of the vendor portal and the reseller dashboard: the owner's endpoints
(list, add), one endpoint (edit, reveal or roll its secret, send a test event, delete) with
its delivery log (retry now). Each dashboard decides who the owner is and who may act; this
module does the rest the same way for both. Every other owner's endpoint or delivery is 404."""

from __future__ import annotations

from typing import Any

from flask import abort, flash, make_response, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext

from storefront.accounts.models import User
from storefront.audit.models import Surface
from storefront.extensions import db
from storefront.outbound import services
from storefront.outbound.events import PROVISIONING_EVENTS
from storefront.outbound.forms import EndpointForm
from storefront.outbound.models import Endpoint
from storefront.outbound.services import Owner, WebhookError, WebhookNotFound


def _form(owner: Owner, **kwargs: Any) -> EndpointForm:
    form = EndpointForm(**kwargs)
    form.events.choices = [(name, name) for name in services.event_choices(owner)]
    return form


def _no_store(page: str, status: int = 200) -> ResponseReturnValue:
    response = make_response(page, status)
    response.headers["Cache-Control"] = "no-store"  # pages may carry a signing secret
    return response


def _show_error(form: EndpointForm, error: WebhookError) -> None:
    field = getattr(form, error.field or "url", form.url)
    field.errors = [*field.errors, str(error)]


def _endpoint_or_404(owner: Owner, endpoint_id: int) -> Endpoint:
    try:
        return services.endpoint(owner, endpoint_id)
    except WebhookNotFound:
        abort(404)


def endpoints_page(
    template: str, *, owner: Owner, actor: User, surface: Surface, prefix: str, **context: Any
) -> ResponseReturnValue:
    """GET: the endpoints and the add form; POST: add an endpoint, then show its page."""
    form = _form(owner)
    if not form.is_submitted():
        form.events.data = list(PROVISIONING_EVENTS) if owner.is_isv else ["order.paid"]
    if form.validate_on_submit():
        try:
            row = services.create_endpoint(
                owner,
                url=form.url.data or "",
                events=form.events.data or [],
                description=form.description.data or "",
                active=bool(form.active.data),
                actor=actor,
                surface=surface,
            )
        except WebhookError as error:
            db.session.rollback()
            _show_error(form, error)
        else:
            db.session.commit()
            flash(gettext("Endpoint added. Its signing secret is on its page."))
            return redirect(url_for(f"{prefix}.webhook", endpoint_id=row.id), 303)
    page = render_template(
        template,
        form=form,
        endpoints=services.endpoints(owner),
        prefix=prefix,
        provisioning_events=PROVISIONING_EVENTS,
        **context,
    )
    return _no_store(page, 400 if form.errors else 200)


def endpoint_page(
    template: str,
    *,
    owner: Owner,
    endpoint_id: int,
    actor: User,
    surface: Surface,
    prefix: str,
    **context: Any,
) -> ResponseReturnValue:
    """GET: the endpoint, its edit form and delivery log; POST: save the edit."""
    row = _endpoint_or_404(owner, endpoint_id)
    form = _form(owner, obj=row)
    if form.validate_on_submit():
        try:
            services.update_endpoint(
                owner,
                row,
                url=form.url.data or "",
                events=form.events.data or [],
                description=form.description.data or "",
                active=bool(form.active.data),
                actor=actor,
                surface=surface,
            )
        except WebhookError as error:
            db.session.rollback()
            row = _endpoint_or_404(owner, endpoint_id)
            _show_error(form, error)
        else:
            db.session.commit()
            flash(gettext("Endpoint saved."))
            return redirect(url_for(f"{prefix}.webhook", endpoint_id=row.id), 303)
    return _render_endpoint(template, owner, row, form, prefix, secret=None, **context)


def _render_endpoint(
    template: str,
    owner: Owner,
    row: Endpoint,
    form: EndpointForm,
    prefix: str,
    *,
    secret: str | None,
    **context: Any,
) -> ResponseReturnValue:
    page = render_template(
        template,
        form=form,
        endpoint=row,
        secret=secret,
        deliveries=services.deliveries(owner, endpoint_id=row.id),
        prefix=prefix,
        **context,
    )
    return _no_store(page, 400 if form.errors else 200)


def reveal_secret(
    template: str,
    *,
    owner: Owner,
    endpoint_id: int,
    prefix: str,
    roll: bool,
    actor: User,
    surface: Surface,
    **context: Any,
) -> ResponseReturnValue:
    """The endpoint's page with its signing secret shown (on this POST's response only);
    `roll` replaces the secret first."""
    row = _endpoint_or_404(owner, endpoint_id)
    if roll:
        services.roll_secret(owner, row, actor=actor, surface=surface)
        db.session.commit()
        flash(gettext("New signing secret: the old one no longer verifies."))
    form = _form(owner, obj=row, formdata=None)
    return _render_endpoint(template, owner, row, form, prefix, secret=row.secret, **context)


def delete(
    *, owner: Owner, endpoint_id: int, actor: User, surface: Surface, prefix: str
) -> ResponseReturnValue:
    row = _endpoint_or_404(owner, endpoint_id)
    url = row.url
    services.delete_endpoint(owner, row, actor=actor, surface=surface)
    db.session.commit()
    flash(gettext("Endpoint %(url)s deleted.", url=url))
    return redirect(url_for(f"{prefix}.webhooks"), 303)


def send_test(*, owner: Owner, endpoint_id: int, prefix: str) -> ResponseReturnValue:
    row = _endpoint_or_404(owner, endpoint_id)
    services.send_test_event(owner, row)
    db.session.commit()
    flash(gettext("Test event queued: its delivery is in the log below."))
    return redirect(url_for(f"{prefix}.webhook", endpoint_id=row.id), 303)


def retry(
    *,
    owner: Owner,
    endpoint_id: int,
    delivery_id: int,
    actor: User,
    surface: Surface,
    prefix: str,
) -> ResponseReturnValue:
    row = _endpoint_or_404(owner, endpoint_id)
    try:
        delivery = services.delivery(owner, delivery_id)
    except WebhookNotFound:
        abort(404)
    if delivery.endpoint_id != row.id:
        abort(404)
    services.redeliver(owner, delivery, actor=actor, surface=surface)
    db.session.commit()
    flash(gettext("Delivery queued again."))
    return redirect(url_for(f"{prefix}.webhook", endpoint_id=row.id), 303)
