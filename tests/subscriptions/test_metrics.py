"""Renewal rate, churn and lifetime value from subscriptions and the ledger, for resellers and
the operator console."""

from __future__ import annotations

from fractions import Fraction

from flask.testing import FlaskClient

from storefront.accounts.models import Role
from storefront.extensions import db
from storefront.money import Money
from storefront.payments import gateway
from storefront.subscriptions.metrics import subscription_metrics
from storefront.subscriptions.services import renew_due
from tests import factories
from tests.reseller.dashboard import sign_in as sign_in_reseller
from tests.shopping import CARD_DECLINED, CARD_OK, Shop
from tests.signin import sign_in
from tests.subscriptions.buying import buy, period_end, replace_card, subscriptions


def test_metrics_per_storefront_and_offer(
    client: FlaskClient, shop: Shop, localstripe_url: str
) -> None:
    buy(shop, localstripe_url, CARD_OK, mail_seats=1, backup_seats=1)
    mail_sub = subscriptions()[0]
    assert renew_due(period_end(mail_sub), gateway.provider()).processed == 1  # paid
    replace_card(shop, localstripe_url, subscriptions()[0], CARD_DECLINED)
    from datetime import timedelta

    second = period_end(subscriptions()[0])
    for days in (0, 1, 3, 7, 21):  # declined, retried, suspended, cancelled
        renew_due(second + timedelta(days=days), gateway.provider())

    backup, mail = sorted(subscription_metrics([shop.storefront.id]), key=lambda m: m.offer_name)
    assert backup.offer_name == "Backup" and mail.offer_name == "Mail"
    assert (mail.subscriptions, mail.active, mail.churned) == (1, 0, 1)
    assert (mail.renewals_due, mail.renewals_paid) == (2, 1)
    assert mail.renewal_rate == Fraction(1, 2) and mail.churn == Fraction(1)
    assert mail.lifetime_value == Money(2000, "JPY")  # bought and renewed once at 1,000
    # 30% of the 667 margin, twice: the purchase (shared with Backup by margin) and the renewal
    assert mail.reseller_lifetime_value == Money(400, "JPY")
    assert (backup.subscriptions, backup.active, backup.churn) == (1, 1, Fraction(0))
    assert backup.renewal_rate is None
    assert backup.lifetime_value == Money(12345, "JPY")


def test_the_console_and_the_reseller_dashboard_show_them(
    client: FlaskClient, shop: Shop, localstripe_url: str
) -> None:
    buy(shop, localstripe_url, CARD_OK, mail_seats=1, backup_seats=0)
    admin = factories.user(Role.PLATFORM_ADMIN)
    db.session.commit()
    sign_in(client, admin.email)
    page = client.get("/operator/subscriptions", headers={"Host": "localhost"})
    assert page.status_code == 200
    assert page.text.count('data-testid="metrics-row"') == 1 and "Mail" in page.text
    store_host = {"Host": "yen.localhost"}
    assert client.get("/reseller/subscriptions", headers=store_host).status_code == 302
    reseller = factories.user(
        Role.RESELLER_ADMIN, email="owner@yen.test", storefront_id=shop.storefront.id
    )
    db.session.commit()
    sign_in_reseller(client, shop.storefront, reseller.email)
    page = client.get("/reseller/subscriptions", headers=store_host)
    assert page.status_code == 200 and 'data-testid="reseller-ltv"' in page.text


def test_signed_out_visitors_are_sent_to_the_right_sign_in_page(
    client: FlaskClient, shop: Shop
) -> None:
    console = client.get("/operator/subscriptions", headers={"Host": "localhost"})
    assert console.status_code == 302
    assert "/operator/login" in console.headers["Location"]
    account = client.get("/account/subscriptions/", headers={"Host": "yen.localhost"})
    assert account.status_code == 302
    assert "/account/login" in account.headers["Location"]
    member = factories.user(Role.ISV_MEMBER, isv_id=factories.isv().id)
    db.session.commit()
    sign_in(client, member.email, surface="vendor")
    # an ISV member is signed in on the marketplace host but is no console user
    assert client.get("/operator/subscriptions", headers={"Host": "localhost"}).status_code == 403
