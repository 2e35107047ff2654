"""PostgreSQL row-level security: the second line behind the ORM's tenant scoping."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import text
from sqlalchemy.engine import make_url

from storefront import create_app
from storefront.extensions import db
from storefront.tenants.scope import TenantOwned
from tests import factories

APP_ROLE = "storefront_app_test"


@pytest.fixture
def app_role(app: Flask, app_context: None) -> Iterator[str]:
    if db.engine.dialect.name != "postgresql":
        pytest.skip("row-level security is PostgreSQL's")
    database = make_url(app.config["SQLALCHEMY_DATABASE_URI"]).database
    with db.engine.connect() as connection:
        connection.execute(
            text(
                f"DO $$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '{APP_ROLE}')"
                f" THEN CREATE ROLE {APP_ROLE} NOLOGIN; END IF; END $$"
            )
        )
        connection.execute(text(f'GRANT CONNECT ON DATABASE "{database}" TO {APP_ROLE}'))
        connection.execute(text(f"GRANT USAGE ON SCHEMA public TO {APP_ROLE}"))
        connection.execute(
            text(
                f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {APP_ROLE}"
            )
        )
        connection.execute(text(f"GRANT USAGE ON ALL SEQUENCES IN SCHEMA public TO {APP_ROLE}"))
        connection.commit()
    yield APP_ROLE


def test_every_tenant_owned_table_has_row_security(app_role: str) -> None:
    tables = {
        mapper.class_.__tablename__
        for mapper in db.Model.registry.mappers
        if issubclass(mapper.class_, TenantOwned)
    }
    rows = (
        db.session.execute(
            text("SELECT relname FROM pg_class WHERE relrowsecurity AND relname = ANY(:tables)"),
            {"tables": list(tables)},
        )
        .scalars()
        .all()
    )
    assert set(rows) == tables


def test_raw_sql_as_the_application_role_sees_only_the_tenant_in_scope(app_role: str) -> None:
    first, second = factories.storefront(), factories.storefront()
    offer = factories.offer()
    factories.listing(first, offer)
    factories.listing(second, offer)
    db.session.commit()
    with db.engine.connect() as connection:
        assert connection.execute(text("SELECT count(*) FROM listings")).scalar() == 2
        connection.execute(text(f"SET ROLE {app_role}"))
        assert connection.execute(text("SELECT count(*) FROM listings")).scalar() == 0
        connection.execute(
            text("SELECT set_config('storefront.tenant', :t, true)"), {"t": str(first.id)}
        )
        owners = connection.execute(text("SELECT storefront_id FROM listings")).scalars().all()
        assert owners == [first.id]
        connection.rollback()


def test_the_app_runs_as_the_application_role(
    app: Flask, app_role: str, client: FlaskClient
) -> None:
    store = factories.storefront(slug="rls", name="Row Secured")
    factories.listing(store, factories.offer(name="Scoped Offer"))
    db.session.commit()
    url = make_url(app.config["SQLALCHEMY_DATABASE_URI"])
    secured = create_app(
        {
            "SECRET_KEY": "x",
            "SQLALCHEMY_DATABASE_URI": url.render_as_string(hide_password=False),
            "SQLALCHEMY_ENGINE_OPTIONS": {"connect_args": {"options": f"-c role={app_role}"}},
            "DATABASE_ROW_SECURITY": True,
        }
    )
    try:
        page = secured.test_client().get("/", headers={"Host": "rls.localhost"})
        assert page.status_code == 200 and "Scoped Offer" in page.text
    finally:
        with secured.app_context():
            db.engine.dispose()
