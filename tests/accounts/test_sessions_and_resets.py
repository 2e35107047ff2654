"""Sessions known to the server, and password reset links built from the stored host."""

from __future__ import annotations

import email
import re
from datetime import timedelta
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from storefront.accounts.models import PasswordReset, Role, User, UserSession
from storefront.extensions import db
from storefront.timeutil import utcnow
from tests import factories
from tests.factories import PASSWORD

pytestmark = pytest.mark.usefixtures("app_context")
HOST = {"Host": "shop.localhost"}
NEW_PASSWORD = "a brand new passphrase"


def token_of(client: FlaskClient, path: str, headers: dict[str, str] = HOST) -> str:
    match = re.search(
        r'name="csrf_token"[^>]*?value="([^"]+)"', client.get(path, headers=headers).text
    )
    assert match
    return match.group(1)


def sign_in(client: FlaskClient, password: str = PASSWORD) -> int:
    data = {
        "email": "buyer@example.com",
        "password": password,
        "csrf_token": token_of(client, "/account/login"),
    }
    return client.post("/account/login", data=data, headers=HOST).status_code


def signed_in(client: FlaskClient) -> bool:
    return client.get("/account/", headers=HOST).status_code == 200


@pytest.fixture
def buyer() -> User:
    store = factories.storefront(slug="shop", name="Shop")
    user = factories.user(Role.BUYER, email="buyer@example.com", storefront_id=store.id)
    db.session.commit()
    return user


def outbox(app: Flask) -> list[email.message.Message]:
    folder = Path(app.instance_path) / "outbox"
    files = sorted(folder.glob("*.eml")) if folder.exists() else []
    return [email.message_from_bytes(path.read_bytes()) for path in files]


def test_each_sign_in_gets_a_new_server_side_session(client: FlaskClient, buyer: User) -> None:
    assert sign_in(client) == 302 and signed_in(client)
    first = db.session.scalars(select(UserSession.token_hash)).all()
    assert sign_in(client.application.test_client()) == 302
    assert len(set(db.session.scalars(select(UserSession.token_hash)).all())) == 2 == len(first) + 1


def test_a_copied_cookie_is_worthless_after_sign_out(client: FlaskClient, buyer: User) -> None:
    sign_in(client)
    stolen = client.get_cookie("session", domain="shop.localhost")
    assert stolen is not None
    token = token_of(client, "/account/")
    assert (
        client.post("/account/logout", data={"csrf_token": token}, headers=HOST).status_code == 302
    )
    replay = client.application.test_client()
    replay.set_cookie("session", stolen.value, domain="shop.localhost")
    assert not signed_in(replay)


def test_idle_and_old_sessions_end(app: Flask, client: FlaskClient, buyer: User) -> None:
    sign_in(client)
    record = db.session.scalars(select(UserSession)).one()
    record.last_seen_at = utcnow() - timedelta(minutes=app.config["SESSION_IDLE_MINUTES"] + 1)
    db.session.commit()
    assert not signed_in(client)
    sign_in(client)
    newest = db.session.scalars(select(UserSession).order_by(UserSession.id.desc())).first()
    assert newest is not None
    newest.created_at = utcnow() - timedelta(hours=app.config["SESSION_LIFETIME_HOURS"], minutes=1)
    db.session.commit()
    assert not signed_in(client)


def test_reset_link_uses_the_stored_host_not_the_request_host(
    app: Flask,
    client: FlaskClient,
    buyer,  # type: ignore[no-untyped-def]
) -> None:
    sent_before = len(outbox(app))
    headers = {"Host": "SHOP.localhost:8080", "X-Forwarded-Host": "evil.example"}
    data = {
        "email": "buyer@example.com",
        "csrf_token": token_of(client, "/account/password-reset", headers),
    }
    response = client.post("/account/password-reset", data=data, headers=headers)
    assert response.status_code == 302
    (message,) = outbox(app)[sent_before:]
    body = message.get_payload(decode=True).decode()  # type: ignore[union-attr]
    link = re.search(r"http://\S+", body)
    assert link and link.group(0).startswith("http://shop.localhost/account/password-reset/")
    assert "evil" not in body and "8080" not in body


def test_unknown_email_gets_the_same_answer_and_no_mail(
    app: Flask, client: FlaskClient, buyer
) -> None:  # type: ignore[no-untyped-def]
    sent_before = len(outbox(app))
    data = {
        "email": "nobody@example.com",
        "csrf_token": token_of(client, "/account/password-reset"),
    }
    response = client.post("/account/password-reset", data=data, headers=HOST)
    assert response.status_code == 302
    assert len(outbox(app)) == sent_before


def _reset_path(app: Flask, client: FlaskClient) -> str:
    data = {"email": "buyer@example.com", "csrf_token": token_of(client, "/account/password-reset")}
    client.post("/account/password-reset", data=data, headers=HOST)
    body = outbox(app)[-1].get_payload(decode=True).decode()  # type: ignore[union-attr]
    match = re.search(r"http://shop\.localhost(/account/password-reset/\S+)", body)
    assert match
    return match.group(1)


def _choose(client: FlaskClient, path: str, password: str) -> int:
    data = {
        "password": password,
        "confirm_password": password,
        "csrf_token": token_of(client, path),
    }
    return client.post(path, data=data, headers=HOST).status_code


def test_reset_link_works_once_and_ends_every_session(
    app: Flask, client: FlaskClient, buyer
) -> None:  # type: ignore[no-untyped-def]
    elsewhere = app.test_client()
    sign_in(elsewhere)
    path = _reset_path(app, client)
    assert _choose(client, path, "q1w2e3r4t5y6") == 400  # a common password is refused
    assert _choose(client, path, NEW_PASSWORD) == 302
    assert _choose(client, path, "another new passphrase") == 400  # used already
    assert not signed_in(elsewhere)
    assert sign_in(client, PASSWORD) == 400
    assert sign_in(client, NEW_PASSWORD) == 302


def test_expired_reset_link_is_refused(app: Flask, client: FlaskClient, buyer: User) -> None:
    path = _reset_path(app, client)
    reset = db.session.scalars(select(PasswordReset)).one()
    reset.expires_at = utcnow() - timedelta(seconds=1)
    db.session.commit()
    assert _choose(client, path, NEW_PASSWORD) == 400


def test_a_signed_in_request_reads_its_user_and_session_in_one_statement(
    client: FlaskClient, buyer: User, query_counter: list[str]
) -> None:
    assert sign_in(client) == 302
    query_counter.clear()
    assert signed_in(client)
    reads = [s for s in query_counter if "FROM users" in s or "user_sessions" in s]
    assert len(reads) == 1, reads
    assert "LEFT OUTER JOIN user_sessions" in reads[0]
