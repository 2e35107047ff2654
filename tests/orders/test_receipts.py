"""Receipts: sent outside any request, in the order's language and currency, in the store's
branding, with a link to the order on the store's own host."""

from __future__ import annotations

import email
import re
import uuid
from email import policy
from email.message import EmailMessage
from pathlib import Path

import pytest
from flask import Flask
from rq import SimpleWorker

from storefront.accounts.models import Role
from storefront.catalog.models import BillingTerm
from storefront.extensions import db
from storefront.jobs import job_queue
from storefront.orders.receipts import send_receipt, send_receipts
from storefront.payments import gateway
from storefront.tenants.models import StorefrontDomain
from storefront.timeutil import utcnow
from tests import factories
from tests.conftest import REDIS_URL, require_redis
from tests.orders import rows

pytestmark = pytest.mark.usefixtures("app_context")

THEMES = Path(__file__).resolve().parents[2] / "themes"


@pytest.fixture
def outbox(app: Flask) -> Path:
    folder = Path(app.instance_path) / "outbox"
    for leftover in folder.glob("*.eml"):
        leftover.unlink()
    return folder


def the_mail(outbox: Path) -> EmailMessage:
    [path] = outbox.glob("*.eml")
    message = email.message_from_bytes(path.read_bytes(), policy=policy.default)
    assert isinstance(message, EmailMessage)
    return message


def body(message: EmailMessage, subtype: str) -> str:
    part = message.get_body((subtype,))
    assert part is not None
    content: str = part.get_content()
    return content.replace("\r\n", "\n")


def test_english_usd_receipt(outbox: Path) -> None:
    store = factories.storefront(
        slug="acme",
        name="Acme Hosting & Co",
        primary_color="#123456",
        accent_color="#abcdef",
        support_email="help@acme.example",
    )
    buyer = factories.user(Role.BUYER, email="buyer@example.com", storefront_id=store.id)
    mail_app = factories.offer(
        name="Nimbus Mail",
        prices=((BillingTerm.MONTHLY, "USD", 400, 1000), (BillingTerm.YEARLY, "USD", 4000, 9900)),
    )
    order = rows.order(
        store,
        buyer,
        [
            rows.Line(mail_app, BillingTerm.MONTHLY, 3, 1250, 400),
            rows.Line(mail_app, BillingTerm.YEARLY, 1, 9900, 4000),
        ],
        number="A-1001",
        billing_name="Hanna <Buyer>",
    )
    db.session.commit()

    send_receipt(order, store)

    message = the_mail(outbox)
    assert message["To"] == "buyer@example.com"
    assert message["From"].addresses[0].display_name == "Acme Hosting & Co"
    assert message["From"].addresses[0].addr_spec == "noreply@localhost"
    assert message["Reply-To"] == "help@acme.example"
    assert "A-1001" in message["Subject"] and "Acme Hosting & Co" in message["Subject"]
    text = body(message, "plain")
    assert "Thank you for your order" in text
    assert "Hanna <Buyer>" in text  # plain text is not HTML-escaped
    assert "Nimbus Mail (monthly, per month)" in text
    assert "3 \N{MULTIPLICATION SIGN} $12.50 = $37.50" in text
    assert "Total: $136.50" in text
    assert "http://acme.localhost/account/orders/A-1001" in text
    assert "help@acme.example" in text
    html = body(message, "html")
    assert "Acme Hosting &amp; Co" in html and "Hanna &lt;Buyer&gt;" in html
    assert "$136.50" in html and "$99.00" in html
    assert 'href="http://acme.localhost/account/orders/A-1001"' in html
    assert "background:#123456" in html and "#abcdef" in html


def test_japanese_jpy_receipt(outbox: Path) -> None:
    store = factories.storefront(
        slug="sakura",
        name="さくらクラウド",
        currency="JPY",
        locale="ja",
        languages=["ja", "en"],
        theme="midnight",
        support_email="support@sakura.example",
    )
    buyer = factories.user(Role.BUYER, email="kaito@example.com", storefront_id=store.id)
    backup = factories.offer(
        name="Fortress Backup", prices=((BillingTerm.YEARLY, "JPY", 5000, 12000),)
    )
    order = rows.order(
        store,
        buyer,
        [rows.Line(backup, BillingTerm.YEARLY, 2, 12000, 5000)],
        number="S-2001",
        billing_name="山田太郎",
    )
    db.session.commit()

    send_receipt(order, store)

    message = the_mail(outbox)
    assert message["From"].addresses[0].display_name == "さくらクラウド"
    assert "S-2001" in message["Subject"] and "さくらクラウド" in message["Subject"]
    for part in (body(message, "plain"), body(message, "html")):
        assert "ご注文ありがとうございます" in part
        assert "山田太郎" in part
        assert "￥12,000" in part and "￥24,000" in part
        assert not re.search(r"￥[\d,]+\.\d", part)  # yen have no decimals
        assert "http://sakura.localhost/account/orders/S-2001" in part
        assert "support@sakura.example" in part
    assert "年払い" in body(message, "plain")  # the term label, in Japanese


def test_receipt_follows_the_order_language_not_the_store_default(outbox: Path) -> None:
    store = factories.storefront(slug="sakura", currency="JPY", locale="ja", languages=["ja", "en"])
    buyer = factories.user(Role.BUYER, email="guest@example.com", storefront_id=store.id)
    offer = factories.offer(prices=((BillingTerm.ONE_TIME, "JPY", 1000, 3000),))
    order = rows.order(
        store, buyer, [rows.Line(offer, BillingTerm.ONE_TIME, 1, 3000, 1000)], locale="en"
    )
    db.session.commit()
    send_receipt(order, store)
    text = body(the_mail(outbox), "plain")
    assert "Thank you for your order" in text and "¥3,000" in text


def test_link_uses_the_verified_custom_domain(outbox: Path, app: Flask) -> None:
    store = factories.storefront(slug="acme")
    db.session.add_all(
        [
            StorefrontDomain(
                storefront_id=store.id, hostname="shop.unverified.example", verification_token="t1"
            ),
            StorefrontDomain(
                storefront_id=store.id,
                hostname="shop.acme.example",
                verification_token="t2",
                verified_at=utcnow(),
            ),
        ]
    )
    buyer = factories.user(Role.BUYER, email="buyer@example.com", storefront_id=store.id)
    offer = factories.offer()
    order = rows.order(store, buyer, [rows.Line(offer, BillingTerm.MONTHLY, 1, 1000, 400)])
    db.session.commit()
    app.config["PREFERRED_URL_SCHEME"] = "https"
    try:
        send_receipt(order, store)
    finally:
        app.config["PREFERRED_URL_SCHEME"] = "http"
    text = body(the_mail(outbox), "plain")
    assert f"https://shop.acme.example/account/orders/{order.number}" in text
    assert "unverified" not in text and "acme.localhost" not in text


def test_only_validated_colours_reach_the_mail(outbox: Path) -> None:
    store = factories.storefront(primary_color="red;}x", accent_color="#ABCDEF")
    buyer = factories.user(Role.BUYER, email="buyer@example.com", storefront_id=store.id)
    offer = factories.offer()
    order = rows.order(store, buyer, [rows.Line(offer, BillingTerm.MONTHLY, 1, 1000, 400)])
    db.session.commit()
    send_receipt(order, store)
    html = body(the_mail(outbox), "html")
    assert "red;" not in html
    assert "background:#1f4fd1" in html and "#abcdef" in html


def test_sender_name_cannot_break_the_headers(outbox: Path, app: Flask) -> None:
    store = factories.storefront(name="Evil\r\nBcc: victim@example.com")
    buyer = factories.user(Role.BUYER, email="buyer@example.com", storefront_id=store.id)
    offer = factories.offer()
    order = rows.order(store, buyer, [rows.Line(offer, BillingTerm.MONTHLY, 1, 1000, 400)])
    db.session.commit()
    app.config["MAIL_DEFAULT_SENDER"] = "Marketplace <receipts@market.example>"
    try:
        send_receipt(order, store)
    finally:
        app.config["MAIL_DEFAULT_SENDER"] = None
    message = the_mail(outbox)
    assert message["Bcc"] is None
    assert message["From"].addresses[0].display_name == "Evil Bcc: victim@example.com"
    assert message["From"].addresses[0].addr_spec == "receipts@market.example"


def test_plain_text_receipt_uses_only_messages_extracted_from_the_html() -> None:
    """babel.cfg extracts `.html` templates only; receipt.txt must reuse their messages."""
    folder = THEMES / "default" / "templates" / "emails"
    pattern = re.compile(r"""_\(\s*'([^']*)'""")
    text_messages = set(pattern.findall((folder / "receipt.txt").read_text()))
    html_messages = set(pattern.findall((folder / "receipt.html").read_text()))
    assert text_messages and text_messages <= html_messages


def all_mail(outbox: Path) -> dict[str, EmailMessage]:
    """The mails in the outbox by their subject's order number."""
    found = {}
    for path in outbox.glob("*.eml"):
        message = email.message_from_bytes(path.read_bytes(), policy=policy.default)
        assert isinstance(message, EmailMessage)
        found[str(message["Subject"]).split()[4]] = message
    return found


def test_receipts_of_many_orders_go_in_one_run_each_store_read_once(
    outbox: Path, query_counter: list[str]
) -> None:
    acme = factories.storefront(slug="acme")
    db.session.add(
        StorefrontDomain(
            storefront_id=acme.id,
            hostname="shop.acme.example",
            verification_token="t",
            verified_at=utcnow(),
        )
    )
    other = factories.storefront(slug="other")
    offer = factories.offer()
    orders = [
        rows.order(
            store,
            factories.user(Role.BUYER, email=f"b{n}@example.com", storefront_id=store.id),
            [rows.Line(offer, BillingTerm.MONTHLY, 1, 1000, 400)],
        )
        for n, store in enumerate((acme, other, acme, acme))
    ]
    db.session.commit()
    ids = [order.id for order in orders]
    query_counter.clear()
    send_receipts(ids)
    statements = list(query_counter)
    mails = all_mail(outbox)
    assert sorted(mails) == sorted(order.number for order in orders)
    for order in orders:
        text = body(mails[order.number], "plain")
        host = "shop.acme.example" if order.storefront_id == acme.id else "other.localhost"
        assert f"//{host}/account/orders/{order.number}" in text
        assert mails[order.number]["To"] == order.billing_email
    # orders with lines (2), storefronts (1), and each store's host and keys (2 each)
    assert len(statements) == 3 + 2 * 2, statements


def test_a_receipt_that_cannot_go_keeps_none_of_the_others_back(
    outbox: Path, caplog: pytest.LogCaptureFixture
) -> None:
    store = factories.storefront()
    buyer = factories.user(Role.BUYER, email="buyer@example.com", storefront_id=store.id)
    offer = factories.offer()
    line = [rows.Line(offer, BillingTerm.MONTHLY, 1, 1000, 400)]
    first = rows.order(store, buyer, line)
    broken = rows.order(store, buyer, line, billing_email="buyer@example.com\nBcc: x@example.com")
    last = rows.order(store, buyer, line)
    db.session.commit()

    send_receipts([first.id, broken.id, last.id])

    assert sorted(all_mail(outbox)) == sorted([first.number, last.number])
    assert f"receipt for order {broken.number} could not be sent" in caplog.text


def test_a_commit_that_paid_many_orders_queues_their_receipts_in_lots(
    outbox: Path, app: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    require_redis(REDIS_URL)
    store = factories.storefront()
    buyer = factories.user(Role.BUYER, email="buyer@example.com", storefront_id=store.id)
    offer = factories.offer()
    line = [rows.Line(offer, BillingTerm.MONTHLY, 1, 1000, 400)]
    orders = [rows.order(store, buyer, line) for _ in range(5)]
    db.session.commit()
    monkeypatch.setitem(app.config, "REDIS_URL", REDIS_URL)
    monkeypatch.setitem(app.config, "JOBS_QUEUE", f"test-{uuid.uuid4().hex}")
    monkeypatch.setattr(gateway, "RECEIPTS_PER_JOB", 2)
    queue = job_queue(app)
    try:
        gateway.after_orders_paid([order.id for order in orders])
        assert queue.count == 3  # 2 + 2 + 1, nothing sent yet
        assert not list(outbox.glob("*.eml"))
        SimpleWorker([queue], connection=queue.connection).work(burst=True)
        assert queue.count == 0
    finally:
        queue.delete(delete_jobs=True)
    assert sorted(all_mail(outbox)) == sorted(order.number for order in orders)
