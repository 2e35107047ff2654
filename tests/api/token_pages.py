"""Helpers for the API token pages of the three dashboards."""

from __future__ import annotations

import re

from werkzeug.test import TestResponse

SECRET = re.compile(r'data-testid="token-secret">(sft_[A-Za-z0-9_-]+)<')


def secret_on(page: TestResponse) -> str:
    """The new token's secret shown on the response to the creating POST."""
    match = SECRET.search(page.text)
    assert match, page.text
    return match.group(1)


def bearer(secret: str) -> dict[str, str]:
    return {"Host": "localhost", "Authorization": f"Bearer {secret}"}
