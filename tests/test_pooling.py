"""Pooled connections are pinged at checkout only after sitting idle; a dead one is replaced.
On PostgreSQL, a transaction that wrote nothing ends with COMMIT, so that the connection keeps
its prepared statements, and every other one is still rolled back; and psycopg is given
statements it need not rewrite."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import (
    Column,
    Integer,
    MetaData,
    Table,
    create_engine,
    insert,
    literal,
    select,
    text,
)
from sqlalchemy.engine import Engine
from sqlalchemy.exc import ProgrammingError
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
    options = pooling.engine_options(database_url, {"pool_size": 1, "max_overflow": 0})
    engine = create_engine(database_url, poolclass=QueuePool, **options)
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


def _postgresql_only(engine: Engine) -> None:
    if engine.dialect.name != "postgresql":
        pytest.skip("prepared statements are PostgreSQL's")


def test_prepared_statements_outlive_the_transactions_that_only_read(engine: Engine) -> None:
    _postgresql_only(engine)
    query = text("SELECT count(*) FROM pg_class WHERE relname = :name")
    for _ in range(7):  # psycopg prepares a statement at its fifth run on a connection
        with engine.connect() as connection:  # a read, ended as a request ends it
            connection.execute(query, {"name": "pg_class"}).scalar()
            connection.rollback()
    with engine.connect() as connection:
        prepared = connection.execute(
            text("SELECT count(*) FROM pg_prepared_statements WHERE statement LIKE :like"),
            {"like": "%relname = $1%"},
        ).scalar()
    assert prepared == 1


@pytest.fixture
def probe_table(engine: Engine, database_url: str) -> Iterator[None]:
    """A table of the test's own (in this worker's database), with one row (id 1)."""
    _postgresql_only(engine)
    admin = create_engine(database_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text("CREATE TABLE pooling_probe (id integer PRIMARY KEY)"))
        connection.execute(text("INSERT INTO pooling_probe VALUES (1)"))
    yield
    with admin.connect() as connection:
        connection.execute(text("DROP TABLE pooling_probe"))
    admin.dispose()


def _ids(engine: Engine) -> list[int]:
    with engine.connect() as connection:
        return list(connection.execute(text("SELECT id FROM pooling_probe ORDER BY id")).scalars())


def test_a_transaction_that_wrote_is_rolled_back_however_it_wrote(
    engine: Engine, probe_table: None
) -> None:
    with engine.connect() as connection:  # through SQLAlchemy, then a rollback
        connection.execute(text("INSERT INTO pooling_probe VALUES (2)"))
        connection.rollback()
    with engine.connect() as connection:  # left for the pool to end
        connection.execute(text("INSERT INTO pooling_probe VALUES (3)"))
    with engine.connect() as connection:  # on the driver's own connection, SQLAlchemy unaware
        connection.execute(text("SELECT 1"))
        driver: Any = connection.connection.driver_connection
        driver.execute("INSERT INTO pooling_probe VALUES (4)")
    assert _ids(engine) == [1]


def test_a_row_lock_ends_with_its_transaction_and_a_failed_one_is_rolled_back(
    engine: Engine, probe_table: None, database_url: str
) -> None:
    with engine.connect() as connection:
        connection.execute(text("SELECT id FROM pooling_probe WHERE id = 1 FOR UPDATE"))
    other = create_engine(database_url)
    with other.connect() as connection:  # the lock is gone: NOWAIT would fail otherwise
        locked = connection.execute(
            text("SELECT id FROM pooling_probe WHERE id = 1 FOR UPDATE NOWAIT")
        ).scalar()
        assert locked == 1
    other.dispose()
    with engine.connect() as connection:
        connection.execute(text("INSERT INTO pooling_probe VALUES (5)"))
        with pytest.raises(ProgrammingError):
            connection.execute(text("SELECT no_such_column FROM pg_class"))
    assert _ids(engine) == [1]  # and the connection serves the next caller


def test_settings_changed_in_a_transaction_are_undone_with_it(engine: Engine) -> None:
    _postgresql_only(engine)
    with engine.connect() as connection:
        default = connection.execute(text("SHOW statement_timeout")).scalar()
        connection.rollback()
        connection.execute(text("SET statement_timeout = '1234ms'"))
        connection.rollback()
        connection.execute(text("SELECT set_config('storefront.probe', 'left', false)"))
        connection.rollback()
        assert connection.execute(text("SHOW statement_timeout")).scalar() == default
        assert connection.execute(
            text("SELECT current_setting('storefront.probe', true)")
        ).scalar() in (None, "")


def _rewriting_fails(monkeypatch: pytest.MonkeyPatch) -> None:
    """psycopg's rewriting of `%(name)s` placeholders (cached or not) fails from now on (the
    type look-ups SQLAlchemy has psycopg make at a first connect are psycopg's own)."""
    from psycopg import _queries

    def rewrite(*_args: Any) -> Any:
        raise AssertionError("psycopg rewrote a statement")

    for name in ("_query2pg", "_query2pg_nocache"):
        monkeypatch.setattr(_queries, name, rewrite)


def test_statements_reach_postgresql_as_they_are(
    engine: Engine, probe_table: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    probe = Table("pooling_probe", MetaData(), Column("id", Integer, primary_key=True))
    _backend(engine)  # connected
    _rewriting_fails(monkeypatch)
    with engine.begin() as connection:  # many rows in one statement, as the ORM writes them
        written = connection.execute(
            insert(probe).returning(probe.c.id), [{"id": n} for n in range(2, 80)]
        )
        assert sorted(written.scalars()) == list(range(2, 80))
    with engine.connect() as connection:
        assert connection.execute(select(literal(7) % 3)).scalar() == 1  # a % operator
        assert connection.execute(text("SELECT '100%' || :sign"), {"sign": "!"}).scalar() == (
            "100%!"
        )
        streamed = connection.execution_options(yield_per=10).execute(  # a server cursor
            select(probe.c.id).where(probe.c.id > 40).order_by(probe.c.id)
        )
        assert list(streamed.scalars()) == list(range(41, 80))


def test_the_apps_engine_sends_statements_as_they_are(
    app: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    with app.app_context():
        _postgresql_only(db.engine)
        db.session.execute(text("SELECT 1"))  # connected
        db.session.rollback()
        _rewriting_fails(monkeypatch)
        assert db.session.execute(text("SELECT :n + 1"), {"n": 41}).scalar() == 42
        db.session.rollback()
