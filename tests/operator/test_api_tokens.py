"""The console's API tokens: platform admins hold the platform's tokens, white-label operator
admins their operator's; each sees and revokes only its own principal's (others are 404)."""

from __future__ import annotations

from flask.testing import FlaskClient
from sqlalchemy import select

from storefront.api.models import ApiToken, PrincipalKind, TokenScope
from storefront.api.tokens import issue_token
from storefront.audit.models import AuditEntry, Surface
from storefront.extensions import db
from tests.api.token_pages import bearer, secret_on
from tests.operator.people import CONSOLE, People, post, sign_in

PAGE = "/operator/api-tokens"


def _token(kind: PrincipalKind, principal_id: int | None, name: str) -> tuple[ApiToken, str]:
    token, secret = issue_token(
        name=name,
        principal=kind,
        principal_id=principal_id,
        scope=TokenScope.READ_WRITE,
        created_by=None,
        surface=Surface.SYSTEM,
    )
    db.session.commit()
    return token, secret


def test_platform_admin_creates_a_platform_token_shown_once(
    client: FlaskClient, people: People
) -> None:
    sign_in(client, "admin@platform.test")
    assert 'href="/operator/api-tokens"' in client.get("/operator/", headers=CONSOLE).text
    created = post(client, PAGE, {"name": "Finance export", "scope": "read"})
    assert created.status_code == 200 and created.headers["Cache-Control"] == "no-store"
    secret = secret_on(created)
    stored = db.session.scalars(select(ApiToken)).one()
    assert (stored.principal, stored.principal_id, stored.scope) == (
        PrincipalKind.PLATFORM,
        None,
        TokenScope.READ,
    )
    offers = client.get("/api/v1/offers", headers=bearer(secret))
    assert len(offers.get_json()["items"]) == 2  # the platform sees every ISV's offers
    approve = client.post(f"/api/v1/offers/{people.other_offer.id}/approve", headers=bearer(secret))
    assert approve.status_code == 403  # a read token

    assert secret not in client.get(PAGE, headers=CONSOLE).text
    assert post(client, f"{PAGE}/{stored.id}/revoke", {}, page=PAGE).status_code == 303
    assert client.get("/api/v1/offers", headers=bearer(secret)).status_code == 401
    entries = db.session.scalars(
        select(AuditEntry).where(AuditEntry.action.startswith("api_token."))
    ).all()
    assert sorted((e.action, e.surface, e.actor_id) for e in entries) == [
        ("api_token.create", Surface.CONSOLE, people.platform.id),
        ("api_token.revoke", Surface.CONSOLE, people.platform.id),
    ]


def test_operator_admin_holds_its_operators_tokens_only(
    client: FlaskClient, people: People
) -> None:
    platform_token, platform_secret = _token(PrincipalKind.PLATFORM, None, "Platform sync")
    other, other_secret = _token(PrincipalKind.OPERATOR, people.other_operator.id, "Elsewhere")
    sign_in(client, "ops@cloudwave.test")
    page = client.get(PAGE, headers=CONSOLE)
    assert page.status_code == 200
    assert "Platform sync" not in page.text and "Elsewhere" not in page.text

    secret = secret_on(post(client, PAGE, {"name": "CloudWave billing", "scope": "read_write"}))
    mine = db.session.scalars(select(ApiToken).where(ApiToken.name == "CloudWave billing")).one()
    assert (mine.principal, mine.principal_id) == (PrincipalKind.OPERATOR, people.operator.id)
    balances = client.get("/api/v1/ledger/balances", headers=bearer(secret))
    assert balances.status_code == 200
    assert client.get("/api/v1/offers", headers=bearer(secret)).status_code == 403

    for theirs in (platform_token, other):
        response = post(client, f"{PAGE}/{theirs.id}/revoke", {}, page=PAGE)
        assert response.status_code == 404
    for still_live in (platform_secret, other_secret):
        assert client.get("/api/v1/ledger/balances", headers=bearer(still_live)).status_code == 200


def test_platform_admins_cannot_revoke_an_operators_token_here(
    client: FlaskClient, people: People
) -> None:
    theirs, secret = _token(PrincipalKind.OPERATOR, people.operator.id, "CloudWave billing")
    sign_in(client, "admin@platform.test")
    assert "CloudWave billing" not in client.get(PAGE, headers=CONSOLE).text
    assert post(client, f"{PAGE}/{theirs.id}/revoke", {}, page=PAGE).status_code == 404
    assert client.get("/api/v1/ledger/balances", headers=bearer(secret)).status_code == 200


def test_revoking_needs_the_csrf_token(client: FlaskClient, people: People) -> None:
    token, secret = _token(PrincipalKind.PLATFORM, None, "Platform sync")
    sign_in(client, "admin@platform.test")
    assert client.post(f"{PAGE}/{token.id}/revoke", headers=CONSOLE).status_code == 400
    assert client.get("/api/v1/offers", headers=bearer(secret)).status_code == 200


def test_isv_members_cannot_use_the_console_token_page(client: FlaskClient, people: People) -> None:
    sign_in(client, "dev@nimbus.test", "vendor")
    assert client.get(PAGE, headers=CONSOLE).status_code == 403
