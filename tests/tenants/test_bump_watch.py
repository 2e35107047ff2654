"""Version numbers in Redis, reused from memory while this process listens for their bumps:
a bump made anywhere is seen on the very next read, and nothing is reused once the process may
have missed an announcement (lost subscription) or has not checked for a second."""

from __future__ import annotations

import os

import pytest
from redis import Redis

from storefront.tenants import cache
from storefront.tenants.cache import RedisVersions
from tests.tenants.conftest import REDIS_URL


def _listening(versions: RedisVersions) -> RedisVersions:
    """Read until the process's subscription is confirmed (its first reads reuse nothing)."""
    for _ in range(200):
        versions.read(7)
        if cache._watch(versions.url, versions.channel, os.getpid()).listening:
            return versions
    pytest.fail("the subscription was never confirmed")


def _read_then_moved_unannounced(
    redis_client: Redis, prefix: str
) -> tuple[RedisVersions, tuple[int, int]]:
    """A listening reader that has read storefront 7's numbers, and 7's version then moved in
    Redis without an announcement: whether the reader sees it depends on what it trusts."""
    versions = _listening(RedisVersions(REDIS_URL, prefix))
    tag = versions.read(7)
    redis_client.incr(f"{prefix}storefront:7")
    return versions, tag


def test_every_bump_is_seen_on_the_next_read(redis_prefix: str) -> None:
    """The announcement reaches the reader on its own connection, as it reaches every process
    (tests/tenants/test_two_processes.py checks two real ones)."""
    reader = _listening(RedisVersions(REDIS_URL, redis_prefix))
    writer = RedisVersions(REDIS_URL, redis_prefix)
    generation, version = reader.read(7)
    for round_ in range(1, 101):
        writer.bump([7], everything=False)
        assert reader.read(7) == (generation, version + round_)
    writer.bump([], everything=True)
    assert reader.read(7) == (generation + 1, version + 100)
    assert reader.read(None)[0] == generation + 1


def test_a_number_is_reused_until_its_bump_is_announced(
    redis_client: Redis, redis_prefix: str
) -> None:
    versions, tag = _read_then_moved_unannounced(redis_client, redis_prefix)
    assert versions.read(7) == tag  # not seen yet
    redis_client.publish(f"{redis_prefix}bumps", "7")
    assert versions.read(7) == (tag[0], tag[1] + 1)


def test_nothing_is_reused_after_the_subscription_is_lost(
    redis_client: Redis, redis_prefix: str
) -> None:
    versions, tag = _read_then_moved_unannounced(redis_client, redis_prefix)
    watch = cache._watch(versions.url, versions.channel, os.getpid())
    host, port = watch._pubsub.connection._sock.getsockname()[:2]
    redis_client.client_kill_filter(addr=f"{host}:{port}")  # the subscription is lost
    assert versions.read(7) == (tag[0], tag[1] + 1)


def test_a_number_is_read_again_after_verify_seconds(
    redis_client: Redis, redis_prefix: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    versions, tag = _read_then_moved_unannounced(redis_client, redis_prefix)
    monkeypatch.setattr(cache, "VERIFY_SECONDS", 0.0)
    assert versions.read(7) == (tag[0], tag[1] + 1)


def test_an_announcement_it_cannot_read_drops_every_number(
    redis_client: Redis, redis_prefix: str
) -> None:
    versions, tag = _read_then_moved_unannounced(redis_client, redis_prefix)
    redis_client.publish(f"{redis_prefix}bumps", "")  # no ids: nothing can be trusted
    assert versions.read(7) == (tag[0], tag[1] + 1)
