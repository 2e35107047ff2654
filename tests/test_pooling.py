"""Pooled connections are pinged at checkout only after sitting idle; a dead one is replaced."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import create_engine, text
from sqlalchemy.engine import Engine
from sqlalchemy.pool import QueuePool

from storefront import pooling
from storefront.extensions import db

IDLE = 0.3


def _counted_pings(engine: Engine, monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The engine's real pings from now on, one entry each."""
    pings: list[int] = []
    real_ping = engine.dialect.do_ping

    def counted(dbapi_connection: Any) -> bool:
        pings.append(1)
        return real_ping(dbapi_connection)

    monkeypatch.setattr(engine.dialect, "do_ping", counted)
    return pings


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    """One pooled connection, pinged after IDLE seconds."""
    engine = create_engine(database_url, poolclass=QueuePool, pool_size=1, max_overflow=0)
    pooling.install(engine, IDLE)
    yield engine
    engine.dispose()


def _backend(engine: Engine) -> Any:
    query = "SELECT pg_backend_pid()" if engine.dialect.name == "postgresql" else "SELECT 1"
    with engine.connect() as connection:
        return connection.execute(text(query)).scalar()


def test_a_connection_back_moments_ago_is_used_without_a_ping(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    pings = _counted_pings(engine, monkeypatch)
    _backend(engine)  # a new connection: nothing to test
    _backend(engine)
    _backend(engine)
    assert pings == []
    time.sleep(IDLE + 0.05)
    _backend(engine)
    assert pings == [1]
    _backend(engine)
    assert pings == [1]


def test_an_idle_connection_the_server_dropped_is_replaced_unseen(
    engine: Engine, database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    if engine.dialect.name != "postgresql":
        pytest.skip("the server ends a connection on PostgreSQL only")
    pings = _counted_pings(engine, monkeypatch)
    first = _backend(engine)
    admin = create_engine(database_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": first})
    admin.dispose()
    time.sleep(IDLE + 0.05)
    second = _backend(engine)  # no error: the ping found it dead, the pool reconnected
    assert second != first
    assert pings == [1]


def test_the_apps_connections_are_pinged_after_five_idle_seconds(
    app: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    with app.app_context():
        engine = db.engine
    pings = _counted_pings(engine, monkeypatch)
    engine.dispose()  # connections idle since earlier tests are closed, not pinged
    _backend(engine)
    _backend(engine)
    assert pings == []
    now = time.monotonic()
    monkeypatch.setattr(pooling, "monotonic", lambda: now + 4.5)
    _backend(engine)
    assert pings == []
    monkeypatch.setattr(pooling, "monotonic", lambda: now + 60)
    _backend(engine)
    assert pings == [1]
