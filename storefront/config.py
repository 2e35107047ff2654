"""Configuration: defaults in code, overrides from `instance/config.py` and the environment."""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import Any

from flask import Flask

from storefront import pooling


class ConfigurationError(SystemExit):
    """A setting the app cannot start without; exits with one clear line when uncaught."""

    def __init__(self, message: str) -> None:
        super().__init__(f"storefront: configuration error: {message}")
        self.message = message


DEFAULTS: dict[str, Any] = {
    "STOREFRONT_ENV": "development",
    "MARKETPLACE_DOMAIN": "localhost",
    "PUBLIC_PORT": None,
    # Reverse proxies in front of the app; X-Forwarded-* headers are trusted only from them.
    "PROXY_COUNT": 0,
    # Connected as the application role on PostgreSQL: share the tenant with its row-level
    # security policies (README: "Row-level security").
    "DATABASE_ROW_SECURITY": False,
    "PREFERRED_URL_SCHEME": "http",
    "SQLALCHEMY_ENGINE_OPTIONS": {},
    # A pooled connection idle this long is pinged before use (storefront.pooling).
    "DATABASE_PING_IDLE_SECONDS": 5.0,
    "SQLALCHEMY_RECORD_QUERIES": False,
    "STRIPE_SECRET_KEY": "sk_test_storefront",
    "STRIPE_PUBLISHABLE_KEY": "pk_test_storefront",
    "STRIPE_API_BASE": "http://127.0.0.1:8420",
    "STRIPE_JS_URL": "http://127.0.0.1:8420/js.stripe.com/v3/",
    "STRIPE_WEBHOOK_SECRET": "whsec_storefront_development",
    # Frames Stripe.js opens (3-D Secure, card fields); empty: the Stripe.js origin only.
    "STRIPE_FRAME_ORIGINS": (),
    "REDIS_URL": None,  # set: rate limits, cache and the RQ job queue live in Redis
    "JOBS_QUEUE": "storefront",
    "RATELIMIT_LOGIN": "30 per minute",  # sign-in attempts per client address
    "RATELIMIT_LOGIN_ACCOUNT": "5 per minute",  # per account and client address
    "RATELIMIT_CHECKOUT": "20 per minute",
    "RATELIMIT_API": "600 per minute",  # per API token (per client address without one)
    "API_MAX_BODY_BYTES": 64 * 1024,
    "BABEL_DEFAULT_LOCALE": "en",
    "BABEL_TRANSLATION_DIRECTORIES": str(Path(__file__).resolve().parent.parent / "translations"),
    "THEMES_FOLDER": str(Path(__file__).resolve().parent.parent / "themes"),
    "CATALOG_PAGE_SIZE": 60,
    # Payout runs pay a party only when it is owed more than this (currency → major units).
    "PAYOUT_MINIMUMS": {"USD": "10.00", "EUR": "10.00", "JPY": "1000"},
    "SESSION_COOKIE_HTTPONLY": True,
    "SESSION_IDLE_MINUTES": 120,  # signed out after this long without a request
    "SESSION_LIFETIME_HOURS": 24,  # and after this long in any case
    "PASSWORD_RESET_HOURS": 2,
    "SESSION_COOKIE_SAMESITE": "Lax",
    "WTF_CSRF_TIME_LIMIT": None,
    # Mail: "outbox" writes .eml files into instance/outbox/, "smtp" sends through MAIL_SERVER.
    "MAIL_BACKEND": "outbox",
    "MAIL_SERVER": "localhost",
    "MAIL_PORT": 25,
    "MAIL_USERNAME": None,
    "MAIL_PASSWORD": None,
    "MAIL_USE_TLS": False,
    "MAIL_DEFAULT_SENDER": None,  # None: noreply@<MARKETPLACE_DOMAIN>
    # Reseller dashboard: uploads (a 1 MiB logo plus the form), invitations, sale currencies.
    "MAX_CONTENT_LENGTH": 2 * 1024 * 1024,
    "LOGO_MAX_BYTES": 1024 * 1024,
    "LOGO_MAX_DIMENSION": 2000,
    "INVITATION_TTL_HOURS": 72,
    "PLATFORM_CURRENCIES": ("USD", "EUR", "JPY"),
    # Outgoing webhooks: seconds to wait before each retry (then the delivery fails for
    # good), the timeout of a send by a job or `flask deliver` and of one sent inline after a
    # web response (no Redis), and how much of a receiver's answer the delivery log keeps.
    "OUTBOUND_RETRY_SCHEDULE": (60, 300, 1800, 7200, 43200),
    "OUTBOUND_TIMEOUT": 10,
    "OUTBOUND_INLINE_TIMEOUT": 3,
    "OUTBOUND_RESPONSE_EXCERPT": 1000,
    "OUTBOUND_KEEP_DAYS": 30,  # `flask deliver` forgets finished deliveries after this
    # Subscriptions: a failed renewal is retried this many days after the first failure, then
    # the subscription is suspended and, RENEWAL_GRACE_DAYS later, cancelled. Price changes
    # reach existing subscribers from the first renewal PRICE_NOTICE_DAYS after the notice.
    "RENEWAL_RETRY_DAYS": (1, 3, 7),
    "RENEWAL_GRACE_DAYS": 14,
    "RENEWAL_BATCH_SIZE": 500,
    # A batch's charges are applied in transactions of at most this long (then committed), so
    # the rows they lock are held no longer than this and one provider call.
    "RENEWAL_COMMIT_SECONDS": 0.5,
    "PRICE_NOTICE_DAYS": 30,
}

# Environment variables read as settings; everything else stays in code or instance/config.py.
ENVIRONMENT_KEYS = (
    "STOREFRONT_ENV",
    "SECRET_KEY",
    "DATABASE_URL",
    "MARKETPLACE_DOMAIN",
    "STRIPE_SECRET_KEY",
    "STRIPE_PUBLISHABLE_KEY",
    "STRIPE_API_BASE",
    "STRIPE_JS_URL",
    "STRIPE_WEBHOOK_SECRET",
    "REDIS_URL",
    "JOBS_QUEUE",
    "PROXY_COUNT",
    "DATABASE_ROW_SECURITY",
    "MAIL_BACKEND",
    "MAIL_SERVER",
    "MAIL_PORT",
    "MAIL_USERNAME",
    "MAIL_PASSWORD",
    "MAIL_USE_TLS",
    "MAIL_DEFAULT_SENDER",
)


def load(app: Flask, test_config: dict[str, Any] | None) -> None:
    """Fill `app.config` from defaults, the instance file and the environment, then validate."""
    app.config.from_mapping(DEFAULTS)
    if test_config is None:
        app.config.from_pyfile("config.py", silent=True)
        for key in ENVIRONMENT_KEYS:
            if os.environ.get(key):
                app.config[key] = _typed(key, os.environ[key])
    else:
        app.config.from_mapping(test_config)

    production = app.config["STOREFRONT_ENV"] == "production"
    if production:
        app.config.setdefault("SESSION_COOKIE_SECURE", True)
        app.config["PREFERRED_URL_SCHEME"] = "https"
    if not app.config.get("SECRET_KEY"):
        if production:
            raise ConfigurationError("SECRET_KEY must be set in production (environment variable)")
        app.config["SECRET_KEY"] = _development_secret(Path(app.instance_path))

    url = app.config.get("DATABASE_URL") or app.config.get("SQLALCHEMY_DATABASE_URI")
    if not url:
        url = f"sqlite:///{Path(app.instance_path) / 'storefront.sqlite'}"
    app.config["SQLALCHEMY_DATABASE_URI"] = _normalise_database_url(url)
    app.config["SQLALCHEMY_ENGINE_OPTIONS"] = pooling.engine_options(
        app.config["SQLALCHEMY_DATABASE_URI"], app.config["SQLALCHEMY_ENGINE_OPTIONS"]
    )


_INTEGER_KEYS = {"PROXY_COUNT"}
_FLAG_KEYS = {"DATABASE_ROW_SECURITY"}


def _typed(key: str, raw: str) -> Any:
    """Environment values are strings: numbers and flags are converted, or refused clearly."""
    if key in _INTEGER_KEYS:
        if not raw.strip().isdigit():
            raise ConfigurationError(f"{key} must be a whole number, not {raw!r}")
        return int(raw)
    if key in _FLAG_KEYS:
        value = raw.strip().lower()
        if value not in {"1", "0", "true", "false", "yes", "no", "on", "off"}:
            raise ConfigurationError(f"{key} must be true or false, not {raw!r}")
        return value in {"1", "true", "yes", "on"}
    return raw


def _normalise_database_url(url: str) -> str:
    """Accept the common `postgres://` and `postgresql://` forms and use psycopg 3."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def _development_secret(instance: Path) -> str:
    """A per-installation random key kept in instance/, so sessions survive restarts."""
    instance.mkdir(parents=True, exist_ok=True)
    path = instance / "secret_key"
    if not path.exists():
        path.write_text(secrets.token_hex(32))
        path.chmod(0o600)
    return path.read_text().strip()
