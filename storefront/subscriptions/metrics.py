"""Renewal rate, churn and customer lifetime value per storefront and offer, from the
subscriptions and the ledger (what was actually charged, net of refunds).

- renewal rate: renewals paid / renewals that came due (a renewal order, or a subscription
  that reached its period end and was cancelled by the buyer or ended);
- churn: subscriptions cancelled or ended / subscriptions started;
- lifetime value: net cash received per subscription, and the reseller's net commission per
  subscription (a purchase order with several lines is shared by the lines' amounts).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from fractions import Fraction

from sqlalchemy import func, select

from storefront.extensions import db
from storefront.ledger.models import Account, LedgerEntry, LedgerTransaction
from storefront.money import Money
from storefront.orders.models import Order, OrderLine, OrderStatus
from storefront.subscriptions.models import Subscription, SubscriptionRenewal, SubscriptionStatus
from storefront.tenants.scope import all_tenants

_PAID = (OrderStatus.PAID, OrderStatus.PARTIALLY_REFUNDED, OrderStatus.REFUNDED)
_AT_PERIOD_END = ("buyer", "not_sold")


@dataclass
class OfferMetrics:
    storefront_id: int
    offer_id: int
    offer_name: str
    currency: str
    subscriptions: int = 0
    active: int = 0
    churned: int = 0
    renewals_due: int = 0
    renewals_paid: int = 0
    net_revenue: Fraction = field(default_factory=Fraction)
    reseller_commission: Fraction = field(default_factory=Fraction)

    def add(self, other: OfferMetrics) -> None:
        self.subscriptions += other.subscriptions
        self.active += other.active
        self.churned += other.churned
        self.renewals_due += other.renewals_due
        self.renewals_paid += other.renewals_paid
        self.net_revenue += other.net_revenue
        self.reseller_commission += other.reseller_commission

    @property
    def renewal_rate(self) -> Fraction | None:
        return Fraction(self.renewals_paid, self.renewals_due) if self.renewals_due else None

    @property
    def churn(self) -> Fraction | None:
        return Fraction(self.churned, self.subscriptions) if self.subscriptions else None

    @property
    def lifetime_value(self) -> Money:
        return _per(self.net_revenue, self.subscriptions, self.currency)

    @property
    def reseller_lifetime_value(self) -> Money:
        return _per(self.reseller_commission, self.subscriptions, self.currency)


def _per(total: Fraction, count: int, currency: str) -> Money:
    """Money per subscription, rounded half up to the minor unit (no float)."""
    if not count:
        return Money.zero(currency)
    share = total / count
    return Money(int((share + Fraction(1, 2)) // 1), currency)


def subscription_metrics(storefront_ids: Iterable[int] | None = None) -> list[OfferMetrics]:
    """One row per (storefront, offer) with subscriptions; every storefront when None."""
    wanted = None if storefront_ids is None else sorted(set(storefront_ids))
    with all_tenants():
        subscriptions = select(
            Subscription.id,
            Subscription.storefront_id,
            Subscription.offer_id,
            Subscription.offer_name,
            Subscription.currency,
            Subscription.status,
            Subscription.end_reason,
            Subscription.order_line_id,
        )
        if wanted is not None:
            subscriptions = subscriptions.where(Subscription.storefront_id.in_(wanted))
        rows = db.session.execute(subscriptions).all()
        if not rows:
            return []
        ids = [row.id for row in rows]
        renewals = db.session.execute(
            select(SubscriptionRenewal.subscription_id, SubscriptionRenewal.order_id, Order.status)
            .join(Order, Order.id == SubscriptionRenewal.order_id)
            .where(SubscriptionRenewal.subscription_id.in_(ids))
        ).all()
        lines = db.session.execute(
            select(
                OrderLine.id,
                OrderLine.order_id,
                OrderLine.unit_retail_minor,
                OrderLine.unit_wholesale_minor,
                OrderLine.quantity,
            ).where(
                OrderLine.order_id.in_(
                    select(OrderLine.order_id)
                    .join(Subscription, Subscription.order_line_id == OrderLine.id)
                    .where(Subscription.id.in_(ids))
                )
            )
        ).all()
        cash = _cash_by_order({line.order_id for line in lines} | {r.order_id for r in renewals})

    # a purchase of several lines: cash is shared by the lines' amounts, the commission by
    # their margins (the split of each line is its margin's)
    order_retail: dict[int, int] = defaultdict(int)
    order_margin: dict[int, int] = defaultdict(int)
    for line in lines:
        order_retail[line.order_id] += line.unit_retail_minor * line.quantity
        order_margin[line.order_id] += (
            line.unit_retail_minor - line.unit_wholesale_minor
        ) * line.quantity
    line_share = {
        line.id: (
            line.order_id,
            Fraction(line.unit_retail_minor * line.quantity, order_retail[line.order_id] or 1),
            Fraction(
                (line.unit_retail_minor - line.unit_wholesale_minor) * line.quantity,
                order_margin[line.order_id] or 1,
            ),
        )
        for line in lines
    }
    by_subscription: dict[int, list[tuple[int, Fraction, Fraction]]] = defaultdict(list)
    renewal_count: dict[int, tuple[int, int]] = defaultdict(lambda: (0, 0))
    for renewal in renewals:
        by_subscription[renewal.subscription_id].append(
            (renewal.order_id, Fraction(1), Fraction(1))
        )
        due, paid = renewal_count[renewal.subscription_id]
        renewal_count[renewal.subscription_id] = (due + 1, paid + (renewal.status in _PAID))

    metrics: dict[tuple[int, int], OfferMetrics] = {}
    for row in rows:
        key = (row.storefront_id, row.offer_id)
        item = metrics.setdefault(
            key, OfferMetrics(row.storefront_id, row.offer_id, row.offer_name, row.currency)
        )
        item.subscriptions += 1
        closed = row.status in (SubscriptionStatus.CANCELLED, SubscriptionStatus.ENDED)
        item.active += not closed and row.status != SubscriptionStatus.SUSPENDED
        item.churned += closed
        due, paid = renewal_count[row.id]
        item.renewals_due += due + (closed and row.end_reason in _AT_PERIOD_END)
        item.renewals_paid += paid
        shares = [line_share[row.order_line_id], *by_subscription[row.id]]
        for order_id, cash_share, margin_share in shares:
            received, commission = cash.get(order_id, (0, 0))
            item.net_revenue += cash_share * received
            item.reseller_commission += margin_share * commission
    return sorted(metrics.values(), key=lambda m: (m.storefront_id, m.offer_name, m.offer_id))


def _cash_by_order(order_ids: set[int]) -> dict[int, tuple[int, int]]:
    """Per order: net cash received (charges less refunds) and the reseller's net commission,
    from the ledger entries of its transactions."""
    if not order_ids:
        return {}
    rows = db.session.execute(
        select(LedgerTransaction.order_id, LedgerEntry.account, func.sum(LedgerEntry.amount_minor))
        .join(LedgerEntry, LedgerEntry.transaction_id == LedgerTransaction.id)
        .where(
            LedgerTransaction.order_id.in_(order_ids),
            LedgerEntry.account.in_((Account.PROCESSOR_CLEARING, Account.RESELLER_PAYABLE)),
        )
        .group_by(LedgerTransaction.order_id, LedgerEntry.account)
    ).all()
    cash: dict[int, tuple[int, int]] = {}
    for order_id, account, amount in rows:
        if order_id is None:
            continue
        received, commission = cash.get(order_id, (0, 0))
        if account == Account.PROCESSOR_CLEARING:
            received += int(amount)
        else:
            commission -= int(amount)  # credits to the reseller are negative
        cash[order_id] = (received, commission)
    return cash


def totals(rows: Iterable[OfferMetrics], storefront_id: int, currency: str) -> OfferMetrics:
    """The storefront's figures over all its offers."""
    total = OfferMetrics(storefront_id, 0, "", currency)
    for row in rows:
        if row.storefront_id == storefront_id:
            total.add(row)
    return total
