"""Ledger statements through the API: each principal reads its own party's month (the
platform any party's) with the figures of the statement pages, lines in cursor pages; other
parties are not found."""

from __future__ import annotations

import re
from datetime import UTC, datetime

from flask.testing import FlaskClient

from storefront.api.models import PrincipalKind
from storefront.extensions import db
from storefront.ledger.models import Account
from storefront.ledger.statements import Party, Period, statement
from storefront.money import Money
from tests import factories
from tests.api.client import ApiFor, error_of
from tests.ledger.test_payouts import post
from tests.operator.people import CONSOLE, People, make_people, sign_in

ISV = Account.ISV_PAYABLE
RESELLER = Account.RESELLER_PAYABLE
NOON = datetime(2025, 10, 15, 12, tzinfo=UTC)


def _ledger(people: People) -> None:
    """A September charge (the opening balance), three October lines (two at the same
    moment), one in November, and a line of another ISV."""
    isv, store = people.isv.id, people.hosted.id
    post("sep", datetime(2025, 9, 30, tzinfo=UTC), "USD", {(ISV, isv): 500, (RESELLER, store): 50})
    post("oct-1", datetime(2025, 10, 2, tzinfo=UTC), "USD", {(ISV, isv): 125, (RESELLER, store): 9})
    post("oct-2", NOON, "USD", {(ISV, isv): 40})
    post("oct-3", NOON, "USD", {(ISV, isv): 2})
    post("nov", datetime(2025, 11, 1, tzinfo=UTC), "USD", {(ISV, isv): 7})
    post("other", NOON, "USD", {(ISV, people.other_isv.id): 999})
    db.session.commit()


def _page_figures(client: FlaskClient, path: str) -> dict[str, list[str]]:
    html = client.get(path, headers=CONSOLE).text
    cells = {
        name: re.findall(rf'data-testid="{name}">([^<]+)<', html) for name in ("opening", "closing")
    }
    rows = re.findall(r'data-testid="statement-line">(.*?)</tr>', html, re.S)
    cells["lines"] = [re.findall(r'class="num">([^<]+)<', row)[0] for row in rows]
    return cells


def _walk(api_get: ApiFor, path: str) -> tuple[dict[str, object], list[dict[str, object]]]:
    """The first page and every line, following next_cursor page by page."""
    first = api_get(path).get_json()
    lines, page = list(first["items"]), first
    while page["next_cursor"] is not None:
        page = api_get(f"{path}&cursor={page['next_cursor']}").get_json()
        lines += page["items"]
    return first, lines


def test_an_isv_reads_its_month_with_the_figures_of_its_statement_page(
    client: FlaskClient, api_for: ApiFor
) -> None:
    people = make_people()
    _ledger(people)
    api = api_for(PrincipalKind.ISV, people.isv.id)
    first, lines = _walk(api.get, "/ledger/statements?month=2025-10&currency=USD&limit=1")
    assert first["party"] == {
        "account": "isv_payable",
        "party_id": people.isv.id,
        "currency": "USD",
    }
    assert (first["month"], first["start"], first["end"]) == (
        "2025-10",
        "2025-10-01T00:00:00+00:00",
        "2025-11-01T00:00:00+00:00",
    )
    assert first["opening"] == {"amount": 500, "currency": "USD"}
    assert first["closing"] == {"amount": 667, "currency": "USD"}
    assert first["line_count"] == 3 and len(first["items"]) == 1
    assert [line["amount"]["amount"] for line in lines] == [125, 40, 2]
    assert [line["balance"]["amount"] for line in lines] == [625, 665, 667]
    assert [line["kind"] for line in lines] == ["charge"] * 3

    expected = statement(Party(ISV, people.isv.id, "USD"), Period.month("2025-10"))
    assert [(line.transaction_id, line.entry_id) for line in expected.lines] == [
        (line["transaction_id"], line["entry_id"]) for line in lines
    ]
    sign_in(client, "dev@nimbus.test", "vendor")
    page = _page_figures(client, "/vendor/statement?currency=USD&from=2025-10-01&to=2025-10-31")
    assert page["opening"] == [Money(500, "USD").format("en")]
    assert page["closing"] == [Money(667, "USD").format("en")]
    assert page["lines"] == [Money(line["amount"]["amount"], "USD").format("en") for line in lines]

    whole = api.get("/ledger/statements?month=2025-10&currency=USD").get_json()
    assert whole["items"] == lines and whole["next_cursor"] is None


def test_the_platform_reads_any_partys_month_as_the_console_shows_it(
    client: FlaskClient, api_for: ApiFor
) -> None:
    people = make_people()
    _ledger(people)
    platform = api_for(PrincipalKind.PLATFORM)
    query = (
        "/ledger/statements?month=2025-10&currency=USD"
        f"&account=reseller_payable&party_id={people.hosted.id}"
    )
    body = platform.get(query).get_json()
    assert (body["opening"]["amount"], body["closing"]["amount"], body["line_count"]) == (50, 59, 1)
    sign_in(client, "admin@platform.test")
    page = _page_figures(
        client,
        f"/operator/statements?account=reseller_payable&party_id={people.hosted.id}"
        "&currency=USD&from=2025-10-01&to=2025-10-31",
    )
    assert page == {
        "opening": [Money(50, "USD").format("en")],
        "closing": [Money(59, "USD").format("en")],
        "lines": [Money(9, "USD").format("en")],
    }
    store = api_for(PrincipalKind.STOREFRONT, people.hosted.id)
    own = store.get("/ledger/statements?month=2025-10&currency=USD").get_json()
    assert own == body  # the storefront's own statement is the same document
    host = api_for(PrincipalKind.OPERATOR, people.operator.id)
    hosted = host.get(query).get_json()
    assert hosted == body  # its operator reads it too, as the console shows it to its admins


def test_other_parties_statements_are_not_found(api_for: ApiFor) -> None:
    people = make_people()
    _ledger(people)
    month = "/ledger/statements?month=2025-10&currency=USD"
    asks = [
        (
            api_for(PrincipalKind.ISV, people.isv.id),
            f"&account=isv_payable&party_id={people.other_isv.id}",
        ),
        (api_for(PrincipalKind.ISV, people.isv.id), f"&party_id={people.other_isv.id}"),
        (api_for(PrincipalKind.ISV, people.isv.id), "&account=reseller_payable"),
        (api_for(PrincipalKind.STOREFRONT, people.foreign.id), f"&party_id={people.hosted.id}"),
        (
            api_for(PrincipalKind.OPERATOR, people.operator.id),
            f"&party_id={people.other_operator.id}",
        ),
        (
            api_for(PrincipalKind.OPERATOR, people.operator.id),
            f"&account=reseller_payable&party_id={people.foreign.id}",
        ),
        (api_for(PrincipalKind.OPERATOR, people.operator.id), "&account=reseller_payable"),
        (api_for(PrincipalKind.PLATFORM), "&account=isv_payable&party_id=999999"),
    ]
    for api, extra in asks:
        response = api.get(month + extra)
        assert response.status_code == 404, extra
        assert error_of(response)["code"] == "not_found"
    mine = api_for(PrincipalKind.ISV, people.isv.id).get(
        f"{month}&account=isv_payable&party_id={people.isv.id}"
    )
    assert mine.status_code == 200 and mine.json["closing"]["amount"] == 667


def test_months_currencies_parties_and_cursors_are_checked(api_for: ApiFor) -> None:
    vendor = factories.isv()
    factories.offer(vendor=vendor)
    factories.offer(vendor=vendor)
    db.session.commit()
    isv = api_for(PrincipalKind.ISV, vendor.id)
    for query, field in [
        ("currency=USD", "month"),
        ("month=2025-13&currency=USD", "month"),
        ("month=9999-12&currency=USD", "month"),
        ("month=0000-01&currency=USD", "month"),
        ("month=2025-10", "currency"),
        ("month=2025-10&currency=usd", "currency"),
        ("month=2025-10&currency=QQQ", "currency"),
        ("month=2025-10&currency=USD&account=platform_revenue", "account"),
        ("month=2025-10&currency=USD&party_id=0", "party_id"),
        ("month=2025-10&currency=USD&limit=101", "limit"),
        ("month=2025-10&currency=USD&cursor=bm9wZQ", "cursor"),
    ]:
        response = isv.get(f"/ledger/statements?{query}")
        assert response.status_code == 422, query
        assert error_of(response)["field"] == field, query
    offers_cursor = isv.get("/offers?limit=1").get_json()["next_cursor"]
    foreign = isv.get(f"/ledger/statements?month=2025-10&currency=USD&cursor={offers_cursor}")
    assert foreign.status_code == 422 and error_of(foreign)["field"] == "cursor"
    platform = api_for(PrincipalKind.PLATFORM)
    for query, field in [
        ("month=2025-10&currency=USD", "account"),
        ("month=2025-10&currency=USD&account=isv_payable", "party_id"),
    ]:
        response = platform.get(f"/ledger/statements?{query}")
        assert response.status_code == 422 and error_of(response)["field"] == field
    empty = isv.get("/ledger/statements?month=2025-10&currency=JPY").get_json()
    assert (empty["opening"], empty["closing"], empty["items"]) == (
        {"amount": 0, "currency": "JPY"},
        {"amount": 0, "currency": "JPY"},
        [],
    )
