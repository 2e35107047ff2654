"""Which endpoint URLs are accepted: https, loopback http outside production only, no
credentials, no private or link-local address in production (no SSRF)."""

from __future__ import annotations

import pytest

from storefront.outbound.urls import UnsafeUrl, check_endpoint_url, check_resolved_host


@pytest.mark.parametrize(
    "url",
    ["https://hooks.example.com/in", "http://127.0.0.1:8000/hook", "http://localhost/h"],
)
def test_accepted_outside_production(app_context: None, url: str) -> None:
    assert check_endpoint_url(f"  {url} ", production=False) == url


@pytest.mark.parametrize(
    "url",
    [
        "ftp://example.com/x",
        "javascript:alert(1)",
        "file:///etc/passwd",
        "http://example.com/hook",
        "http://10.0.0.5/hook",
        "https://user:pw@example.com/",
        "https://example.com:0/",
        "https://exa mple.com/",
        "https://",
        "",
    ],
)
def test_refused_everywhere(app_context: None, url: str) -> None:
    with pytest.raises(UnsafeUrl):
        check_endpoint_url(url, production=False)


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1/hook",
        "https://127.0.0.1/hook",
        "https://localhost/hook",
        "https://10.1.2.3/hook",
        "https://192.168.0.1/hook",
        "https://169.254.169.254/latest/meta-data",
        "https://[::1]/hook",
        "https://[fd00::1]/hook",
        "https://metadata.internal/hook",
        "https://intranet/hook",
        "https://2130706433/hook",
    ],
)
def test_refused_in_production(app_context: None, url: str) -> None:
    with pytest.raises(UnsafeUrl):
        check_endpoint_url(url, production=True)


def test_a_public_name_resolving_inside_is_refused_before_sending() -> None:
    with pytest.raises(UnsafeUrl, match="non-public"):
        check_resolved_host("https://localhost/hook")
