"""License keys: one per paid order line, issued when the order is paid, suspended while
its subscription is not in good standing and restored when it is paid again."""

from __future__ import annotations

import secrets
from collections.abc import Sequence

from sqlalchemy import and_, or_, select, update

from storefront.extensions import db
from storefront.orders.models import Order, OrderLine
from storefront.subscriptions.models import LicenseKey, LicenseStatus, SubscriptionRenewal
from storefront.tenants.scope import tenant_scope

# No 0/O, 1/I: keys are typed in by hand. 25 symbols of 32: 125 random bits.
_KEY_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
_GROUPS, _GROUP_LENGTH = 5, 5


def new_key() -> str:
    """An unguessable key in groups: XXXXX-XXXXX-XXXXX-XXXXX-XXXXX."""
    return "-".join(
        "".join(secrets.choice(_KEY_ALPHABET) for _ in range(_GROUP_LENGTH)) for _ in range(_GROUPS)
    )


def issue_key(order: Order, line: OrderLine, subscription_id: int | None) -> LicenseKey:
    """The key of a paid line (the caller's transaction; one per line, enforced unique)."""
    key = LicenseKey(
        storefront_id=order.storefront_id,
        key=new_key(),
        order_id=order.id,
        order_line_id=line.id,
        subscription_id=subscription_id,
        offer_id=line.offer_id,
        offer_name=line.offer_name,
        plan_name=line.plan_name,
        seats=line.quantity,
    )
    db.session.add(key)
    return key


def set_subscription_keys(subscription_id: int, status: LicenseStatus) -> None:
    """Suspend or restore every key of a subscription (revoked keys stay revoked)."""
    db.session.execute(
        update(LicenseKey)
        .where(
            LicenseKey.subscription_id == subscription_id,
            LicenseKey.status != LicenseStatus.REVOKED,
        )
        .values(status=status)
        .execution_options(synchronize_session="fetch")
    )


def subscription_keys(subscription_id: int) -> list[LicenseKey]:
    return list(
        db.session.scalars(
            select(LicenseKey)
            .where(LicenseKey.subscription_id == subscription_id)
            .order_by(LicenseKey.id)
        )
    )


def keys_for_order(order: Order) -> list[LicenseKey]:
    """The keys an order's buyer is given: the order's own lines, and for a renewal the keys
    of the subscription it renews."""
    return keys_for_orders([order])[order.id]


def keys_for_orders(orders: Sequence[Order]) -> dict[int, list[LicenseKey]]:
    """`keys_for_order` of each order (by id), read in one statement per storefront."""
    found: dict[int, list[LicenseKey]] = {order.id: [] for order in orders}
    for storefront_id in sorted({order.storefront_id for order in orders}):
        ids = [order.id for order in orders if order.storefront_id == storefront_id]
        renewal = and_(
            SubscriptionRenewal.subscription_id == LicenseKey.subscription_id,
            SubscriptionRenewal.order_id.in_(ids),
        )
        with tenant_scope(storefront_id):
            rows = db.session.execute(
                select(LicenseKey, SubscriptionRenewal.order_id)
                .outerjoin(SubscriptionRenewal, renewal)
                .where(or_(LicenseKey.order_id.in_(ids), SubscriptionRenewal.order_id.is_not(None)))
                .order_by(LicenseKey.id)
            ).all()
        for key, renewal_order_id in rows:
            for order_id in {key.order_id, renewal_order_id} & found.keys():
                if key not in found[order_id]:
                    found[order_id].append(key)
    return found
