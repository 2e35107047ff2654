"""Storefront: a white-label marketplace for packaged cloud applications."""

from __future__ import annotations

import os
from typing import Any

from flask import Flask
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError
from werkzeug.middleware.proxy_fix import ProxyFix

from storefront import config, locks, pooling
from storefront.config import ConfigurationError
from storefront.extensions import csrf, db, limiter, migrate

__all__ = ["ConfigurationError", "create_app"]


def create_app(test_config: dict[str, Any] | None = None) -> Flask:
    """Build the one app that serves the marketplace and every storefront."""
    app = Flask(
        __name__,
        instance_path=os.environ.get("STOREFRONT_INSTANCE_PATH") or None,
        instance_relative_config=True,
    )
    config.load(app, test_config)
    os.makedirs(app.instance_path, exist_ok=True)
    proxies = int(app.config["PROXY_COUNT"])
    if proxies > 0:  # trust X-Forwarded-For/Proto/Host/Port from exactly that many proxies
        app.wsgi_app = ProxyFix(  # type: ignore[method-assign]
            app.wsgi_app, x_for=proxies, x_proto=proxies, x_host=proxies, x_port=proxies
        )

    db.init_app(app)
    with app.app_context():
        for engine in db.engines.values():
            pooling.install(engine, float(app.config["DATABASE_PING_IDLE_SECONDS"]))
    locks.install()
    migrate.init_app(app, db, directory=os.path.join(os.path.dirname(__file__), "migrations"))
    csrf.init_app(app)
    _init_limiter(app)

    from storefront import (
        accounts,
        api,
        audit,
        ledger,
        operator,
        outbound,
        payments,
        reseller,
        security,
        shop,
        subscriptions,
        tenants,
        themes,
        vendor,
    )
    from storefront import models as _models  # noqa: F401 - registers every table
    from storefront.i18n import init_app as init_i18n

    security.init_app(app)
    tenants.init_app(app)
    init_i18n(app)
    themes.init_app(app)
    accounts.init_app(app)
    shop.init_app(app)
    operator.init_app(app)
    ledger.init_app(app)
    audit.init_app(app)
    payments.init_app(app)
    reseller.init_app(app)
    vendor.init_app(app)
    api.init_app(app)
    outbound.init_app(app)
    subscriptions.init_app(app)

    from storefront.cli import init_app as init_cli

    init_cli(app)
    _check_database(app)
    return app


def _init_limiter(app: Flask) -> None:
    app.config.setdefault("RATELIMIT_STORAGE_URI", app.config.get("REDIS_URL") or "memory://")
    app.config.setdefault("RATELIMIT_HEADERS_ENABLED", True)
    limiter.init_app(app)


def _check_database(app: Flask) -> None:
    """Refuse to start on a database that cannot be reached, with one clear line."""
    with app.app_context():
        try:
            db.session.execute(text("SELECT 1"))
        except SQLAlchemyError as error:
            url = db.engine.url.render_as_string(hide_password=True)
            reason = str(getattr(error, "orig", None) or error).strip().splitlines()[0]
            raise ConfigurationError(f"cannot reach the database {url}: {reason}") from None
        finally:
            db.session.remove()
            # no connection is kept from start-up: a forked server worker must not share it,
            # and an app that is built and dropped (a check, a test) leaves none open
            db.engine.dispose()
