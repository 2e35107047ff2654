"""The payment lifecycle against localstripe: charge, 3-D Secure, declines, refunds, outages."""

from __future__ import annotations

from datetime import timedelta

import pytest
from flask import Flask
from sqlalchemy import func, select

from storefront.extensions import db
from storefront.ledger.models import Account, LedgerEntry, LedgerTransaction
from storefront.ledger.services import balances, unbalanced_transactions
from storefront.money import Money
from storefront.orders.models import OrderStatus
from storefront.payments import gateway
from storefront.payments.models import Payment, PaymentStatus, Refund
from storefront.payments.provider import ProviderUnavailable
from storefront.payments.services import (
    OrderAlreadyPaid,
    RefundRefused,
    execute,
    prepare,
    reconcile,
    refresh,
    refund_order,
)
from storefront.tenants.scope import all_tenants
from tests.shopping import (
    CARD_3DS,
    CARD_DECLINED,
    CARD_OK,
    Shop,
    authenticate_3ds,
    card,
    order_for,
)


def entries_by_party(transaction_id: int) -> dict[tuple[Account, int | None], int]:
    rows = db.session.execute(
        select(LedgerEntry.account, LedgerEntry.party_id, LedgerEntry.amount_minor).where(
            LedgerEntry.transaction_id == transaction_id
        )
    ).all()
    return {(account, party): amount for account, party, amount in rows}


def test_paid_order_is_split_into_a_balanced_ledger_transaction(
    shop: Shop, localstripe_url: str
) -> None:
    order = order_for(shop, mail_seats=3, backup_seats=1)
    assert order.total_minor == 3 * 1000 + 12345
    payment = prepare(order, payment_method=card(localstripe_url, CARD_OK), attempt="attempt-1")
    db.session.commit()
    assert execute(payment, gateway.provider()) is True
    db.session.commit()

    with all_tenants():
        assert order.status == OrderStatus.PAID and payment.status == PaymentStatus.SUCCEEDED
        transaction = db.session.scalar(select(LedgerTransaction))
        assert transaction is not None and transaction.currency == "JPY"
        parts = entries_by_party(transaction.id)
    isv_mail, isv_backup = shop.mail.isv_id, shop.backup.isv_id
    # margins: mail 3×(1000−333)=2001, backup 12345−4999=7346; 30% reseller, 5% operator
    assert parts[(Account.PROCESSOR_CLEARING, None)] == 15345
    assert parts[(Account.ISV_PAYABLE, isv_mail)] == -999
    assert parts[(Account.ISV_PAYABLE, isv_backup)] == -4999
    reseller = parts[(Account.RESELLER_PAYABLE, shop.storefront.id)]
    operator = parts[(Account.OPERATOR_PAYABLE, shop.storefront.operator_id)]
    platform = parts[(Account.PLATFORM_REVENUE, None)]
    assert reseller == -(600 + 2204)  # 2001×0.3=600.3→600, 7346×0.3=2203.8→2204
    assert operator == -(100 + 367)  # 2001×0.05=100.05→100, 7346×0.05=367.3→367
    assert platform == -(2001 + 7346 - 600 - 2204 - 100 - 367)
    assert sum(parts.values()) == 0
    assert unbalanced_transactions() == []


def test_paying_twice_is_refused_and_posts_nothing_more(shop: Shop, localstripe_url: str) -> None:
    order = order_for(shop)
    payment = prepare(order, payment_method=card(localstripe_url, CARD_OK), attempt="attempt-1")
    execute(payment, gateway.provider())
    db.session.commit()
    assert execute(payment, gateway.provider()) is False
    assert refresh(payment, gateway.provider()) is False
    with pytest.raises(OrderAlreadyPaid):
        prepare(order, payment_method=card(localstripe_url, CARD_OK), attempt="attempt-2")
    with all_tenants():
        assert db.session.scalar(select(func.count(LedgerTransaction.id))) == 1


def test_same_attempt_is_the_same_payment(shop: Shop, localstripe_url: str) -> None:
    order = order_for(shop)
    method = card(localstripe_url, CARD_OK)
    first = prepare(order, payment_method=method, attempt="double-click")
    db.session.commit()
    second = prepare(order, payment_method=method, attempt="double-click")
    assert first.id == second.id


def test_3ds_completed_pays_and_failed_leaves_the_order_unpaid(
    shop: Shop, localstripe_url: str
) -> None:
    provider = gateway.provider()
    order = order_for(shop)
    failing = prepare(order, payment_method=card(localstripe_url, CARD_3DS), attempt="attempt-1")
    assert execute(failing, provider) is False
    db.session.commit()
    assert failing.status == PaymentStatus.REQUIRES_ACTION
    intent = provider.retrieve(failing.provider_reference or "")
    authenticate_3ds(localstripe_url, intent.reference or "", intent.client_secret or "", False)
    assert refresh(failing, provider) is False
    db.session.commit()
    assert failing.status == PaymentStatus.FAILED and failing.failure_message
    assert order.status == OrderStatus.PENDING

    passing = prepare(order, payment_method=card(localstripe_url, CARD_3DS), attempt="attempt-2")
    execute(passing, provider)
    intent = provider.retrieve(passing.provider_reference or "")
    authenticate_3ds(localstripe_url, intent.reference or "", intent.client_secret or "", True)
    assert refresh(passing, provider) is True
    db.session.commit()
    assert order.status == OrderStatus.PAID
    with all_tenants():
        assert db.session.scalar(select(func.count(LedgerTransaction.id))) == 1


def test_declined_card_records_the_reason(shop: Shop, localstripe_url: str) -> None:
    order = order_for(shop)
    payment = prepare(order, payment_method=card(localstripe_url, CARD_DECLINED), attempt="a-1")
    assert execute(payment, gateway.provider()) is False
    db.session.commit()
    assert payment.status == PaymentStatus.FAILED
    assert "declined" in payment.failure_message
    assert order.status == OrderStatus.PENDING
    with all_tenants():
        assert db.session.scalar(select(func.count(LedgerTransaction.id))) == 0


def test_unreachable_provider_keeps_the_attempt_for_a_safe_retry(
    app: Flask, shop: Shop, localstripe_url: str
) -> None:
    order = order_for(shop)
    method = card(localstripe_url, CARD_OK)
    payment = prepare(order, payment_method=method, attempt="attempt-1")
    db.session.commit()
    app.config["STRIPE_API_BASE"] = "http://127.0.0.1:9"  # nothing listens there
    try:
        with pytest.raises(ProviderUnavailable):
            execute(payment, gateway.provider())
    finally:
        app.config["STRIPE_API_BASE"] = localstripe_url
    db.session.rollback()
    # a retry with a new attempt id (the browser lost track) continues the unknown attempt
    retry = prepare(order, payment_method=card(localstripe_url, CARD_OK), attempt="attempt-2")
    assert retry.id == payment.id
    assert execute(retry, gateway.provider()) is True
    db.session.commit()
    with all_tenants():
        assert db.session.scalar(select(func.count(Payment.id))) == 1


def test_amount_mismatch_is_not_marked_paid(shop: Shop, localstripe_url: str) -> None:
    order = order_for(shop)
    payment = prepare(order, payment_method=card(localstripe_url, CARD_OK), attempt="a-1")
    db.session.commit()
    provider = gateway.provider()
    other = provider.charge(
        amount=Money(1, "JPY"),
        payment_method=card(localstripe_url, CARD_OK),
        idempotency_key="foreign",
        metadata={},
    )
    payment.provider_reference = other.reference
    assert refresh(payment, provider) is False
    db.session.commit()
    assert payment.status == PaymentStatus.FAILED
    assert order.status == OrderStatus.PENDING


def _paid(shop: Shop, localstripe_url: str) -> tuple[object, Payment]:
    order = order_for(shop)
    payment = prepare(order, payment_method=card(localstripe_url, CARD_OK), attempt="a-1")
    execute(payment, gateway.provider())
    db.session.commit()
    return order, payment


def test_partial_refunds_then_the_rest_net_every_party_to_zero(
    shop: Shop, localstripe_url: str
) -> None:
    order, _payment = _paid(shop, localstripe_url)
    provider = gateway.provider()
    refund_order(order, Money(5000, "JPY"), provider, reason="seat removed")  # type: ignore[arg-type]
    db.session.commit()
    assert order.status == OrderStatus.PARTIALLY_REFUNDED  # type: ignore[attr-defined]
    with pytest.raises(RefundRefused):
        refund_order(order, Money(order.total_minor, "JPY"), provider)  # type: ignore[arg-type, attr-defined]
    db.session.rollback()
    refund_order(order, Money(order.total_minor - 5000, "JPY"), provider)  # type: ignore[arg-type, attr-defined]
    db.session.commit()
    assert order.status == OrderStatus.REFUNDED  # type: ignore[attr-defined]
    with all_tenants():
        assert db.session.scalar(select(func.count(Refund.id))) == 2
        assert [b for b in balances() if b.amount_minor != 0] == []
    assert len(provider.refunds_of(_payment.provider_reference or "")) == 2
    assert unbalanced_transactions() == []


def test_refund_of_an_unpaid_order_is_refused(shop: Shop) -> None:
    order = order_for(shop)
    with pytest.raises(RefundRefused):
        refund_order(order, Money(100, "JPY"), gateway.provider())


def test_reconcile_completes_a_payment_the_process_lost(shop: Shop, localstripe_url: str) -> None:
    order = order_for(shop)
    payment = prepare(order, payment_method=card(localstripe_url, CARD_OK), attempt="a-1")
    db.session.commit()
    # the charge went through but the process died before recording anything
    intent = gateway.provider().charge(
        amount=order.total,
        payment_method=payment.payment_method,
        idempotency_key=payment.idempotency_key,
        metadata={
            "payment_id": str(payment.id),
            "order_id": str(order.id),
            "storefront_id": str(order.storefront_id),
        },
    )
    payment.provider_reference = intent.reference
    db.session.commit()
    with all_tenants():
        outcome = reconcile(gateway.provider(), older_than=timedelta(seconds=-1))
        db.session.commit()
    assert [p.id for p in outcome.paid] == [payment.id]
    assert order.status == OrderStatus.PAID


def test_reconcile_command_fails_attempts_that_never_reached_the_provider(
    app: Flask, shop: Shop, localstripe_url: str
) -> None:
    order = order_for(shop)
    payment = prepare(order, payment_method=card(localstripe_url, CARD_OK), attempt="a-1")
    db.session.commit()
    output = app.test_cli_runner().invoke(args=["reconcile", "--older-than-minutes", "-1"]).output
    assert "0 paid, 1 failed" in output
    db.session.expire_all()
    with all_tenants():
        assert db.session.get(Payment, payment.id).status == PaymentStatus.FAILED  # type: ignore[union-attr]


def test_provider_answering_5xx_is_unavailable_and_charges_nothing(
    app: Flask, shop: Shop, localstripe_url: str
) -> None:
    """A real HTTP server on loopback that fails every request, as Stripe does in an outage."""
    import http.server
    import threading

    class Failing(http.server.BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            self.send_response(500)
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            self.wfile.write(b'{"error": {"type": "api_error", "message": "outage"}}')

        def log_message(self, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Failing)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    order = order_for(shop)
    payment = prepare(order, payment_method=card(localstripe_url, CARD_OK), attempt="a-1")
    db.session.commit()
    app.config["STRIPE_API_BASE"] = f"http://127.0.0.1:{server.server_port}"
    try:
        with pytest.raises(ProviderUnavailable):
            execute(payment, gateway.provider())
    finally:
        app.config["STRIPE_API_BASE"] = localstripe_url
        server.shutdown()
        server.server_close()
    db.session.rollback()
    assert payment.status == PaymentStatus.CREATED and order.status == OrderStatus.PENDING
    with all_tenants():
        assert db.session.scalar(select(func.count(LedgerTransaction.id))) == 0
