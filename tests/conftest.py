"""Fixtures: an app on a real database (SQLite, or PostgreSQL when DATABASE_URL says so),
built through the migrations once per test worker and emptied after every test."""

from __future__ import annotations

import contextvars
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from flask_migrate import upgrade
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from storefront import create_app
from storefront.extensions import db
from storefront.tenants.scope import all_tenants, clear_request_tenant

pytest_plugins = ["tests.shopping"]  # the `shop` fixture: a storefront ready for checkout


def _worker() -> str:
    return os.environ.get("PYTEST_XDIST_WORKER", "main")


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A fresh database for this worker: a PostgreSQL database named after DATABASE_URL's
    plus the worker, or a SQLite file."""
    configured = os.environ.get("DATABASE_URL", "")
    if not configured.startswith("postgres"):
        yield f"sqlite:///{tmp_path_factory.mktemp('db') / 'storefront.sqlite'}"
        return
    url = make_url(configured.replace("postgresql://", "postgresql+psycopg://", 1))
    name = f"{url.database}_{_worker()}"
    admin = create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    yield url.set(database=name).render_as_string(hide_password=False)
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


class IsolatedClient(FlaskClient):
    """Runs each request in fresh context variables, as a server would: the test's own app
    context (its `g`, database session and tenant scope) never leaks into the request."""

    def open(self, *args: Any, **kwargs: Any) -> Any:
        return contextvars.Context().run(super().open, *args, **kwargs)


REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/0")


def require_redis(url: str = REDIS_URL) -> str:
    """`url`, once its Redis answers: the tests that need Redis fail (never skip) without it."""
    from redis import Redis
    from redis.exceptions import ConnectionError as RedisConnectionError

    try:
        Redis.from_url(url).ping()
    except RedisConnectionError:
        pytest.fail(f"Redis is not running at {url}")
    return url


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@pytest.fixture(scope="session")
def localstripe_url() -> Iterator[str]:
    """A real localstripe (stateful fake of Stripe's API) on loopback, one per test worker."""
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "storefront.devtools.localstripe_server", "--port", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 20
    while True:
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                break
        if time.monotonic() > deadline or process.poll() is not None:
            process.kill()
            pytest.fail("localstripe did not start")
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    process.terminate()
    process.wait(timeout=10)


@pytest.fixture(scope="session")
def app(
    database_url: str, localstripe_url: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Flask]:
    instance = tmp_path_factory.mktemp("instance")
    os.environ["STOREFRONT_INSTANCE_PATH"] = str(instance)
    application = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "test-secret-key",
            "SQLALCHEMY_DATABASE_URI": database_url,
            "WTF_CSRF_ENABLED": True,
            # Limits on, but far above what any test does; tests of the limits lower them.
            "RATELIMIT_ENABLED": True,
            "RATELIMIT_LOGIN": "10000 per minute",
            "RATELIMIT_LOGIN_ACCOUNT": "10000 per minute",
            "RATELIMIT_CHECKOUT": "10000 per minute",
            "STRIPE_API_BASE": localstripe_url,
            "STRIPE_JS_URL": f"{localstripe_url}/js.stripe.com/v3/",
            "STRIPE_WEBHOOK_SECRET": "whsec_test_secret",
        }
    )
    application.test_client_class = IsolatedClient
    with application.app_context():
        upgrade()
    yield application
    with application.app_context():
        db.engine.dispose()


@pytest.fixture(autouse=True)
def _empty_database(request: pytest.FixtureRequest) -> Iterator[None]:
    """Every test starts and ends with empty tables (only for tests that use the app)."""
    yield
    if "app" not in request.fixturenames:
        return
    application: Flask = request.getfixturevalue("app")
    with application.app_context(), all_tenants():
        db.session.rollback()
        for table in reversed(db.metadata.sorted_tables):
            db.session.execute(table.delete())
        db.session.commit()
        db.session.remove()
    clear_request_tenant()


@pytest.fixture
def app_context(app: Flask) -> Iterator[None]:
    with app.app_context():
        yield
        db.session.rollback()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def query_counter(app: Flask) -> Iterator[list[str]]:
    """Collects the SQL statements the app runs while the test is in progress."""
    from sqlalchemy import event

    statements: list[str] = []

    def record(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        statements.append(statement)

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", record)
    yield statements
    event.remove(engine, "before_cursor_execute", record)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        if Path(str(item.fspath)).parent.name == "browser":
            item.add_marker(pytest.mark.browser)
