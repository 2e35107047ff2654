"""Absolute links and mail senders built from configuration and stored hosts, never from the
request's Host header: receipts, password resets and invitations use them even when no
request (or a request for another host) is running."""

from __future__ import annotations

from email.utils import formataddr, parseaddr
from typing import Any

from flask import current_app
from sqlalchemy import select

from storefront.extensions import db
from storefront.tenants.models import Storefront, StorefrontDomain
from storefront.tenants.scope import tenant_scope


def _with_port(host: str) -> str:
    port = current_app.config.get("PUBLIC_PORT")  # only where sites are not on 80/443
    return f"{host}:{port}" if port else host


def external_url(host: str, endpoint: str, **values: Any) -> str:
    config = current_app.config
    adapter = current_app.url_map.bind(
        host, script_name=config["APPLICATION_ROOT"], url_scheme=config["PREFERRED_URL_SCHEME"]
    )
    url: str = adapter.build(endpoint, values, force_external=True)
    return url


def storefront_host(storefront: Storefront) -> str:
    """The store's first verified custom domain, else `<slug>.<MARKETPLACE_DOMAIN>`."""
    with tenant_scope(storefront.id):
        custom = db.session.scalar(
            select(StorefrontDomain.hostname)
            .where(StorefrontDomain.verified_at.is_not(None))
            .order_by(StorefrontDomain.verified_at, StorefrontDomain.id)
            .limit(1)
        )
    return _with_port(custom or f"{storefront.slug}.{current_app.config['MARKETPLACE_DOMAIN']}")


def storefront_url(storefront: Storefront, endpoint: str, **values: Any) -> str:
    """An absolute URL on the storefront's own host."""
    return external_url(storefront_host(storefront), endpoint, **values)


def marketplace_url(endpoint: str, **values: Any) -> str:
    """An absolute URL on the marketplace's configured domain (console, vendor portal)."""
    return external_url(
        _with_port(str(current_app.config["MARKETPLACE_DOMAIN"])), endpoint, **values
    )


def sender_address() -> str:
    configured = current_app.config.get("MAIL_DEFAULT_SENDER")
    if configured:
        return parseaddr(configured)[1]
    return f"noreply@{current_app.config['MARKETPLACE_DOMAIN']}"


def sender_for(storefront: Storefront) -> str:
    """The From of mail sent on behalf of a storefront: its name, the marketplace's address."""
    return formataddr((one_line(storefront.name), sender_address()))


def one_line(value: str) -> str:
    """A header-safe display name: no line breaks or runs of whitespace."""
    return " ".join(value.split())
