"""Signing in to the marketplace-host surfaces in tests, answering the two-factor step with
the factories' authenticator secret when the account has it on."""

from __future__ import annotations

import re

from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from tests import factories
from tests.factories import PASSWORD

MARKETPLACE = {"Host": "localhost"}


def csrf_token(client: FlaskClient, path: str, headers: dict[str, str] = MARKETPLACE) -> str:
    match = re.search(
        r'name="csrf_token"[^>]*?value="([^"]+)"', client.get(path, headers=headers).text
    )
    assert match, path
    return match.group(1)


def answer_second_factor(
    client: FlaskClient, response: TestResponse, headers: dict[str, str] = MARKETPLACE
) -> TestResponse:
    """If the password step handed over to the two-factor step, give the current code."""
    if response.status_code != 302 or not response.headers["Location"].endswith("/security/verify"):
        return response
    token = csrf_token(client, "/security/verify", headers)
    return client.post(
        "/security/verify",
        data={"code": factories.totp_code(), "csrf_token": token},
        headers=headers,
    )


def sign_in(
    client: FlaskClient, email: str, surface: str = "operator", password: str = PASSWORD
) -> TestResponse:
    path = f"/{surface}/login"
    response = client.post(
        path,
        data={"email": email, "password": password, "csrf_token": csrf_token(client, path)},
        headers=MARKETPLACE,
    )
    return answer_second_factor(client, response)
