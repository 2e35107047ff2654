"""Reseller dashboard: the storefront's webhook endpoints (its hosting panel learns of orders
and subscriptions through them) and their delivery logs."""

from __future__ import annotations

from flask.typing import ResponseReturnValue

from storefront.audit.models import Surface
from storefront.outbound import pages
from storefront.outbound.services import Owner
from storefront.reseller.views import admin, admin_required, bp, this_storefront


def _owner() -> Owner:
    return Owner.storefront(this_storefront().id)


@bp.route("/webhooks", methods=["GET", "POST"])
@admin_required
def webhooks() -> ResponseReturnValue:
    return pages.endpoints_page(
        "reseller/webhooks.html",
        owner=_owner(),
        actor=admin(),
        surface=Surface.RESELLER,
        prefix="reseller",
        storefront=this_storefront(),
    )


@bp.route("/webhooks/<int:endpoint_id>", methods=["GET", "POST"])
@admin_required
def webhook(endpoint_id: int) -> ResponseReturnValue:
    return pages.endpoint_page(
        "reseller/webhook.html",
        owner=_owner(),
        endpoint_id=endpoint_id,
        actor=admin(),
        surface=Surface.RESELLER,
        prefix="reseller",
        storefront=this_storefront(),
    )


@bp.post("/webhooks/<int:endpoint_id>/secret")
@admin_required
def webhook_secret(endpoint_id: int) -> ResponseReturnValue:
    return pages.reveal_secret(
        "reseller/webhook.html",
        owner=_owner(),
        endpoint_id=endpoint_id,
        prefix="reseller",
        roll=False,
        actor=admin(),
        surface=Surface.RESELLER,
        storefront=this_storefront(),
    )


@bp.post("/webhooks/<int:endpoint_id>/roll-secret")
@admin_required
def roll_webhook_secret(endpoint_id: int) -> ResponseReturnValue:
    return pages.reveal_secret(
        "reseller/webhook.html",
        owner=_owner(),
        endpoint_id=endpoint_id,
        prefix="reseller",
        roll=True,
        actor=admin(),
        surface=Surface.RESELLER,
        storefront=this_storefront(),
    )


@bp.post("/webhooks/<int:endpoint_id>/test")
@admin_required
def test_webhook(endpoint_id: int) -> ResponseReturnValue:
    return pages.send_test(owner=_owner(), endpoint_id=endpoint_id, prefix="reseller")


@bp.post("/webhooks/<int:endpoint_id>/delete")
@admin_required
def delete_webhook(endpoint_id: int) -> ResponseReturnValue:
    return pages.delete(
        owner=_owner(),
        endpoint_id=endpoint_id,
        actor=admin(),
        surface=Surface.RESELLER,
        prefix="reseller",
    )


@bp.post("/webhooks/<int:endpoint_id>/deliveries/<int:delivery_id>/retry")
@admin_required
def retry_webhook_delivery(endpoint_id: int, delivery_id: int) -> ResponseReturnValue:
    return pages.retry(
        owner=_owner(),
        endpoint_id=endpoint_id,
        delivery_id=delivery_id,
        actor=admin(),
        surface=Surface.RESELLER,
        prefix="reseller",
    )
