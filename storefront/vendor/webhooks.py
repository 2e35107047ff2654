"""Vendor portal: the ISV's webhook endpoints (its provisioning URL among them) and their
delivery logs."""

from __future__ import annotations

from flask import abort
from flask.typing import ResponseReturnValue
from flask_login import login_required

from storefront.accounts.models import User
from storefront.audit.models import Surface
from storefront.outbound import pages
from storefront.outbound.services import Owner
from storefront.vendor.views import bp, vendor_actor


def _member() -> tuple[User, Owner]:
    actor = vendor_actor()
    if actor.isv_id is None:
        abort(403)
    return actor, Owner.isv(actor.isv_id)


@bp.route("/webhooks", methods=["GET", "POST"])
@login_required
def webhooks() -> ResponseReturnValue:
    actor, owner = _member()
    return pages.endpoints_page(
        "vendor/webhooks.html", owner=owner, actor=actor, surface=Surface.VENDOR, prefix="vendor"
    )


@bp.route("/webhooks/<int:endpoint_id>", methods=["GET", "POST"])
@login_required
def webhook(endpoint_id: int) -> ResponseReturnValue:
    actor, owner = _member()
    return pages.endpoint_page(
        "vendor/webhook.html",
        owner=owner,
        endpoint_id=endpoint_id,
        actor=actor,
        surface=Surface.VENDOR,
        prefix="vendor",
    )


@bp.post("/webhooks/<int:endpoint_id>/secret")
@login_required
def webhook_secret(endpoint_id: int) -> ResponseReturnValue:
    actor, owner = _member()
    return pages.reveal_secret(
        "vendor/webhook.html",
        owner=owner,
        endpoint_id=endpoint_id,
        prefix="vendor",
        roll=False,
        actor=actor,
        surface=Surface.VENDOR,
    )


@bp.post("/webhooks/<int:endpoint_id>/roll-secret")
@login_required
def roll_webhook_secret(endpoint_id: int) -> ResponseReturnValue:
    actor, owner = _member()
    return pages.reveal_secret(
        "vendor/webhook.html",
        owner=owner,
        endpoint_id=endpoint_id,
        prefix="vendor",
        roll=True,
        actor=actor,
        surface=Surface.VENDOR,
    )


@bp.post("/webhooks/<int:endpoint_id>/test")
@login_required
def test_webhook(endpoint_id: int) -> ResponseReturnValue:
    _actor, owner = _member()
    return pages.send_test(owner=owner, endpoint_id=endpoint_id, prefix="vendor")


@bp.post("/webhooks/<int:endpoint_id>/delete")
@login_required
def delete_webhook(endpoint_id: int) -> ResponseReturnValue:
    actor, owner = _member()
    return pages.delete(
        owner=owner, endpoint_id=endpoint_id, actor=actor, surface=Surface.VENDOR, prefix="vendor"
    )


@bp.post("/webhooks/<int:endpoint_id>/deliveries/<int:delivery_id>/retry")
@login_required
def retry_webhook_delivery(endpoint_id: int, delivery_id: int) -> ResponseReturnValue:
    actor, owner = _member()
    return pages.retry(
        owner=owner,
        endpoint_id=endpoint_id,
        delivery_id=delivery_id,
        actor=actor,
        surface=Surface.VENDOR,
        prefix="vendor",
    )
