"""Two app processes (gunicorn, as at scale) on one PostgreSQL database and one Redis: a change
made through either is served by the other at once, its storefront cache included. Always on
PostgreSQL and Redis, whatever database the rest of the suite uses."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask_migrate import upgrade
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError

from storefront import create_app
from storefront.api.models import PrincipalKind, TokenScope
from storefront.api.tokens import issue_token
from storefront.audit.models import Surface
from storefront.catalog.models import BillingTerm
from storefront.extensions import db
from tests import factories
from tests.conftest import free_port
from tests.tenants.conftest import REDIS_URL

ROOT = Path(__file__).resolve().parent.parent.parent


def _postgres_base() -> str:
    configured = os.environ.get("DATABASE_URL", "")
    if configured.startswith("postgres"):
        return configured.replace("postgresql://", "postgresql+psycopg://", 1)
    return "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"


@pytest.fixture
def shared_database() -> Iterator[str]:
    url = make_url(_postgres_base())
    name = f"{url.database}_two_processes_{os.environ.get('PYTEST_XDIST_WORKER', 'main')}"
    admin = create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            connection.execute(text(f'CREATE DATABASE "{name}"'))
    except OperationalError as error:
        admin.dispose()
        pytest.skip(f"needs PostgreSQL at {url.render_as_string()}: {error.orig}")
    yield url.set(database=name).render_as_string(hide_password=False)
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def _start(database_url: str, prefix: str, folder: Path, name: str) -> tuple[Any, int]:
    port = free_port()
    instance = folder / name
    instance.mkdir()
    (instance / "config.py").write_text(f"CACHE_KEY_PREFIX = {prefix!r}\n")
    env = os.environ | {
        "DATABASE_URL": database_url,
        "REDIS_URL": REDIS_URL,
        "SECRET_KEY": "two-processes",
        "STOREFRONT_INSTANCE_PATH": str(instance),
        "STOREFRONT_ENV": "development",
        "WEB_CONCURRENCY": "1",
    }
    command = [sys.executable, "-m", "gunicorn", "-c", str(ROOT / "gunicorn.conf.py")]
    command += ["--bind", f"127.0.0.1:{port}", "wsgi:app"]
    with (folder / f"{name}.log").open("wb") as log:
        process = subprocess.Popen(
            command,
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    deadline = time.monotonic() + 30
    while True:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=2):
                return process, port
        except urllib.error.HTTPError as error:
            error.close()
            return process, port
        except OSError:
            if process.poll() is not None or time.monotonic() > deadline:
                os.killpg(process.pid, signal.SIGKILL)
                pytest.fail((folder / f"{name}.log").read_text()[-2000:])
            time.sleep(0.1)


def _request(
    port: int, path: str, host: str, method: str = "GET", body: Any = None, token: str = ""
) -> tuple[int, str]:
    headers = {"Host": host}
    data = None
    if body is not None:
        data = json.dumps(body).encode()
        headers |= {"Content-Type": "application/json", "Authorization": f"Bearer {token}"}
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}{path}", data=data, headers=headers, method=method
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310 - loopback
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        with error:  # an unclosed error response leaves its socket to the garbage collector
            return error.code, error.read().decode()


def test_a_change_through_one_process_shows_through_the_other_at_once(
    shared_database: str, redis_prefix: str, tmp_path: Path
) -> None:
    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": shared_database,
            "SECRET_KEY": "two-processes",
            "REDIS_URL": REDIS_URL,
            "CACHE_KEY_PREFIX": redis_prefix,
        }
    )
    with app.app_context():
        upgrade()
        store = factories.storefront(slug="shared", name="Shared Store")
        offer = factories.offer(
            name="Nimbus Mail", prices=[(BillingTerm.MONTHLY, "USD", 400, 1000)]
        )
        listing = factories.listing(store, offer)
        _token, secret = issue_token(
            name="sync",
            principal=PrincipalKind.STOREFRONT,
            principal_id=store.id,
            scope=TokenScope.READ_WRITE,
            created_by=None,
            surface=Surface.SYSTEM,
        )
        db.session.commit()
        ids = {"listing": listing.id, "plan": offer.plans[0].id, "offer": offer.slug}
        db.session.remove()
        db.engine.dispose()

    processes = []
    try:
        first, port_a = _start(shared_database, redis_prefix, tmp_path, "a")
        processes.append(first)
        second, port_b = _start(shared_database, redis_prefix, tmp_path, "b")
        processes.append(second)
        host = "shared.localhost"
        offer_page = f"/offers/{ids['offer']}"
        for port in (port_a, port_b, port_a, port_b):  # both caches warm
            assert "$10.00" in _request(port, offer_page, host)[1]
            assert "$10.00" in _request(port, "/", host)[1]

        status, body = _request(
            port_a,
            f"/api/v1/storefront/listings/{ids['listing']}/prices/{ids['plan']}",
            "localhost",
            method="PUT",
            body={"price": {"amount": 1234, "currency": "USD"}},
            token=secret,
        )
        assert status == 200, body
        assert "$12.34" in _request(port_b, offer_page, host)[1]
        assert "$12.34" in _request(port_b, "/", host)[1]

        status, body = _request(
            port_b, "/api/v1/storefront", "localhost", "PATCH", {"is_opted_in": False}, secret
        )
        assert status == 200, body
        assert _request(port_a, "/", host)[0] == 404
        assert _request(port_a, offer_page, host)[0] == 404
    finally:
        for process in processes:
            os.killpg(process.pid, signal.SIGTERM)
        for process in processes:
            process.wait(timeout=20)
