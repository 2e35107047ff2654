"""Redis for the cache tests that need a real one: a client, and a key prefix of the test's own
whose keys are deleted afterwards."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator

import pytest
from redis import Redis
from redis.exceptions import RedisError

REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/0")


@pytest.fixture
def redis_client() -> Iterator[Redis]:
    client = Redis.from_url(REDIS_URL)
    try:
        client.ping()
    except RedisError as error:
        pytest.skip(f"needs Redis at {REDIS_URL}: {error}")
    yield client
    client.close()


@pytest.fixture
def redis_prefix(redis_client: Redis) -> Iterator[str]:
    prefix = f"test:{uuid.uuid4().hex}:"
    yield prefix
    keys = list(redis_client.scan_iter(f"{prefix}*"))
    if keys:
        redis_client.delete(*keys)
