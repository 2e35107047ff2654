"""The Stripe client's HTTP calls (urllib3, storefront.payments.http_client): the proxy is
taken from the environment once, when the client is made, and not read at each call; a call
that may not have arrived is retried, a certificate that cannot be verified is not."""

from __future__ import annotations

import socket
import ssl
import subprocess
import threading
import urllib.request
import uuid
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

import pytest

from storefront.money import Money
from storefront.payments.provider import IntentStatus, ProviderUnavailable
from storefront.payments.stripe_provider import StripeProvider
from tests.conftest import free_port
from tests.shopping import CARD_OK, card


def _charge(provider: StripeProvider, payment_method: str) -> IntentStatus:
    return provider.charge(
        amount=Money(1200, "USD"),
        payment_method=payment_method,
        idempotency_key=uuid.uuid4().hex,
        metadata={},
    ).status


def _provider(localstripe_url: str, retries: int = 0, timeout: float = 20) -> StripeProvider:
    return StripeProvider(
        "sk_test_storefront",
        localstripe_url,
        "whsec",
        max_network_retries=retries,
        timeout_seconds=timeout,
    )


def _no_proxy_variables(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "NO_PROXY"):
        monkeypatch.delenv(name, raising=False)
        monkeypatch.delenv(name.lower(), raising=False)


def test_a_proxy_named_by_the_environment_is_used(
    localstripe_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    _no_proxy_variables(monkeypatch)
    cards = [card(localstripe_url, CARD_OK) for _ in range(2)]
    monkeypatch.setenv("HTTP_PROXY", f"http://127.0.0.1:{free_port()}")
    through_proxy = _provider(localstripe_url)
    with pytest.raises(ProviderUnavailable):  # the proxy does not answer
        _charge(through_proxy, cards[0])
    monkeypatch.setenv("NO_PROXY", "127.0.0.1")
    assert _charge(_provider(localstripe_url), cards[1]) == IntentStatus.SUCCEEDED


def test_the_environment_is_read_once_not_at_each_call(
    localstripe_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    _no_proxy_variables(monkeypatch)
    cards = [card(localstripe_url, CARD_OK) for _ in range(2)]
    provider = _provider(localstripe_url)
    monkeypatch.setenv("HTTP_PROXY", f"http://127.0.0.1:{free_port()}")

    def read(*_args: object) -> dict[str, str]:
        raise AssertionError("the environment was read for a call")

    monkeypatch.setattr(urllib.request, "getproxies_environment", read)
    monkeypatch.setattr(urllib.request, "getproxies", read)
    assert [_charge(provider, payment_method) for payment_method in cards] == [
        IntentStatus.SUCCEEDED
    ] * 2


@contextmanager
def _silent_server(tls: ssl.SSLContext | None = None) -> Iterator[tuple[str, list[int]]]:
    """A server on a free port that accepts connections and never answers (with `tls`, one
    that offers that certificate): its address, and the count of connections it accepted."""
    listener = socket.create_server(("127.0.0.1", 0))
    listener.settimeout(0.1)
    accepted = [0]
    stop = threading.Event()
    held: list[socket.socket] = []

    def serve() -> None:
        while not stop.is_set():
            try:
                connection, _ = listener.accept()
            except TimeoutError:
                continue
            accepted[0] += 1
            held.append(connection)
            if tls is not None:
                with suppress(ssl.SSLError, OSError):  # the client refused the certificate
                    held.append(tls.wrap_socket(connection, server_side=True))

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    scheme = "https" if tls else "http"
    try:
        yield f"{scheme}://127.0.0.1:{listener.getsockname()[1]}", accepted
    finally:
        stop.set()
        thread.join()
        for connection in held:
            connection.close()
        listener.close()


def test_a_call_without_an_answer_is_retried_then_reported_unavailable(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    _no_proxy_variables(monkeypatch)
    with _silent_server() as (url, accepted):
        provider = _provider(url, retries=1, timeout=0.3)
        with pytest.raises(ProviderUnavailable, match="communicating with Stripe"):
            _charge(provider, "pm_card_visa")
    assert accepted[0] == 2  # the first call and its one retry


def test_a_certificate_that_cannot_be_verified_is_refused_and_not_retried(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _no_proxy_variables(monkeypatch)
    key, certificate = tmp_path / "key.pem", tmp_path / "cert.pem"
    subprocess.run(
        [
            *("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1"),
            *("-subj", "/CN=127.0.0.1", "-keyout", str(key), "-out", str(certificate)),
        ],
        check=True,
        capture_output=True,
    )
    tls = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    tls.load_cert_chain(certificate, key)
    with _silent_server(tls) as (url, accepted):
        provider = _provider(url, retries=2)
        with pytest.raises(ProviderUnavailable, match="SSL certificate"):
            _charge(provider, "pm_card_visa")
    assert accepted[0] == 1
