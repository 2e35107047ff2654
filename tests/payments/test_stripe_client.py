"""The Stripe client's HTTP session takes its proxy from the environment once, when the
client is made, and does not read the environment at each call."""

from __future__ import annotations

import urllib.request
import uuid

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


def _provider(localstripe_url: str) -> StripeProvider:
    return StripeProvider("sk_test_storefront", localstripe_url, "whsec", max_network_retries=0)


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
