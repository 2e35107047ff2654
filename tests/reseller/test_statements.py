"""Orders and the monthly commission statement: this storefront's only, exact, CSV-safe."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime

from flask.testing import FlaskClient

from storefront.extensions import db
from storefront.ledger.models import Account
from storefront.ledger.services import balances
from storefront.money import Money
from storefront.payments import gateway
from storefront.payments.services import execute, prepare, refund_order
from storefront.reseller.statements import commission_statement, csv_cell
from storefront.tenants.scope import all_tenants
from storefront.timeutil import utcnow
from tests.reseller.dashboard import Tenant, host, paid_order
from tests.shopping import CARD_OK, Shop, card, order_for


def test_orders_and_commission_are_this_stores_only(
    client: FlaskClient, tenant_a: Tenant, tenant_b: Tenant, signed_in_a: str
) -> None:
    mine = paid_order(tenant_a.store, tenant_a.mail, 3)
    theirs = paid_order(tenant_b.store, tenant_b.mail, 1)
    db.session.commit()
    page = client.get("/reseller/orders", headers=host(tenant_a.store)).text
    assert mine.number in page and theirs.number not in page
    assert "$5.40" in page  # 30% of 3 × ($10 − $4)
    dashboard = client.get("/reseller/", headers=host(tenant_a.store)).text
    assert 'data-testid="commission-month">$5.40' in dashboard
    filtered = client.get("/reseller/orders?status=refunded", headers=host(tenant_a.store)).text
    assert mine.number not in filtered


def test_monthly_statement_and_its_csv(
    client: FlaskClient, tenant_a: Tenant, signed_in_a: str
) -> None:
    march = datetime(2026, 3, 15, 12, tzinfo=UTC)
    paid_order(tenant_a.store, tenant_a.mail, 2, paid_at=march, offer_name="=HYPERLINK(evil)")
    paid_order(tenant_a.store, tenant_a.mail, 1, paid_at=datetime(2026, 4, 1, tzinfo=UTC))
    db.session.commit()
    page = client.get("/reseller/commission?month=2026-03", headers=host(tenant_a.store)).text
    assert page.count('data-testid="statement-line"') == 1
    response = client.get("/reseller/commission.csv?month=2026-03", headers=host(tenant_a.store))
    assert response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.text)))
    assert rows[0][6:] == ["kind", "currency", "charged", "wholesale", "margin", "commission"]
    assert rows[1][3] == "'=HYPERLINK(evil)"
    assert rows[1][5:] == ["2", "charge", "USD", "20.00", "8.00", "12.00", "3.60"]
    assert len(rows) == 2


def test_csv_cells_never_start_a_formula() -> None:
    for dangerous in ("=1+1", "+1", "-1", "@SUM(A1)", "\tx"):
        assert csv_cell(dangerous).startswith("'")
    assert csv_cell("Mail") == "Mail"


def test_refunds_take_their_commission_back_on_the_statement(
    shop: Shop, localstripe_url: str
) -> None:
    """The month's statement nets refunds exactly as the ledger reversed them."""
    order = order_for(shop)
    payment = prepare(order, payment_method=card(localstripe_url, CARD_OK), attempt="a-1")
    execute(payment, gateway.provider())
    db.session.commit()
    refund_order(order, Money(5000, "JPY"), gateway.provider(), reason="two seats back")
    db.session.commit()
    statement = commission_statement(shop.storefront, utcnow().date().replace(day=1))
    refunds = [line for line in statement.lines if line.is_refund]
    assert len(refunds) == 1 and refunds[0].charged == Money(-5000, "JPY")
    assert refunds[0].plan_name == "two seats back"
    with all_tenants():
        (owed,) = balances(account=Account.RESELLER_PAYABLE, party_id=shop.storefront.id)
    assert statement.totals["JPY"].commission == Money(-owed.amount_minor, "JPY")
    assert statement.totals["JPY"].charged == Money(order.total_minor - 5000, "JPY")
