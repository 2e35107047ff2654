"""The Stripe library's HTTP calls over a urllib3 connection pool.

urllib3 is what requests (the library's default) runs on; without requests on top, a call
skips its per-call work (preparing and merging settings, hooks, cookies, adapters), about
half of the HTTP client's CPU time in a charge. One client serves the process: the pool is
thread-safe and keeps connections to the API open between calls. The proxy the environment
names for the API (HTTPS_PROXY, HTTP_PROXY, NO_PROXY) is read once, when the client is made.
"""

from __future__ import annotations

import textwrap
from collections.abc import Mapping
from typing import Any, NoReturn

import requests.utils
import stripe
import urllib3
from urllib3.exceptions import (
    HTTPError,
    NewConnectionError,
    ProtocolError,
    ProxyError,
    SSLError,
)
from urllib3.exceptions import TimeoutError as Urllib3Timeout

CONNECTIONS_PER_HOST = 10  # kept open for threads of one process; more wait for one


class Urllib3Client(stripe.HTTPClient):
    name = "urllib3"

    def __init__(self, api_base: str, timeout_seconds: float) -> None:
        super().__init__()
        options: dict[str, Any] = {
            "maxsize": CONNECTIONS_PER_HOST,
            "block": True,
            "retries": False,  # the library retries, with its backoff and idempotency keys
            "timeout": urllib3.Timeout(connect=timeout_seconds, read=timeout_seconds),
            "cert_reqs": "CERT_REQUIRED",
            "ca_certs": stripe.ca_bundle_path,
        }
        scheme = api_base.split("://", 1)[0]
        proxy = requests.utils.get_environ_proxies(api_base).get(scheme)
        self._pool: urllib3.PoolManager = (
            urllib3.ProxyManager(proxy, **options) if proxy else urllib3.PoolManager(**options)
        )

    def request(  # type: ignore[override] # bytes, as the library's requests client returns
        self,
        method: str,
        url: str,
        headers: Mapping[str, str] | None,
        post_data: Any = None,
        *,
        _usage: list[str] | None = None,
    ) -> tuple[bytes, int, Mapping[str, str]]:
        response = self._send(method, url, headers, post_data, preload_content=True)
        return response.data, response.status, response.headers

    def request_stream(
        self,
        method: str,
        url: str,
        headers: Mapping[str, str] | None,
        post_data: Any = None,
        *,
        _usage: list[str] | None = None,
    ) -> tuple[Any, int, Mapping[str, str]]:
        response = self._send(method, url, headers, post_data, preload_content=False)
        return response, response.status, response.headers

    def _send(
        self,
        method: str,
        url: str,
        headers: Mapping[str, str] | None,
        post_data: Any,
        *,
        preload_content: bool,
    ) -> urllib3.BaseHTTPResponse:
        try:
            return self._pool.request(
                method.upper(),
                url,
                body=post_data,
                headers=dict(headers or {}),
                preload_content=preload_content,
                redirect=False,
            )
        except Exception as error:  # every failure becomes the library's error
            _connection_error(error)

    def close(self) -> None:
        self._pool.clear()


def _connection_error(error: Exception) -> NoReturn:
    """The library's APIConnectionError for a failed call, retryable when the request may
    not have arrived (as the library's own clients decide)."""
    if isinstance(error, SSLError):
        reason, retry = "Could not verify Stripe's SSL certificate.", False
    elif isinstance(error, Urllib3Timeout | NewConnectionError | ProtocolError | ProxyError):
        reason, retry = "Unexpected error communicating with Stripe.", True
    elif isinstance(error, HTTPError):
        reason, retry = "Unexpected error communicating with Stripe.", False
    else:
        reason, retry = "Unexpected error communicating with Stripe (configuration).", False
    message = f"{textwrap.fill(reason)}\n\n(Network error: {type(error).__name__}: {error})"
    raise stripe.APIConnectionError(  # type: ignore[no-untyped-call]
        message, should_retry=retry
    ) from error
