"""Which storefront a request is for, decided from its host in this one place."""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy import select

from storefront.extensions import db
from storefront.tenants.models import Storefront, StorefrontDomain
from storefront.tenants.scope import all_tenants

_LABEL = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$")


class UnknownHost(LookupError):
    """No storefront and not the marketplace itself: the request gets a 404."""


@dataclass(frozen=True, slots=True)
class HostMatch:
    """The marketplace's own host (storefront is None) or one storefront's."""

    storefront: Storefront | None

    @property
    def is_marketplace(self) -> bool:
        return self.storefront is None


def normalise_host(host: str) -> str:
    """Lower-case host name without port or trailing dot."""
    host = host.strip().lower()
    if host.startswith("["):  # IPv6 literal
        return host.split("]", 1)[0] + "]"
    return host.rsplit(":", 1)[0].rstrip(".") if ":" in host else host.rstrip(".")


def storefront_slug(name: str, marketplace_domain: str) -> str | None:
    """The slug a normalised host names as `<slug>.<marketplace domain>`, else None (a custom
    domain); UnknownHost when it is under the marketplace domain but no valid slug."""
    domain = marketplace_domain.lower()
    if not name.endswith("." + domain):
        return None
    slug = name[: -len(domain) - 1]
    if not _LABEL.match(slug):
        raise UnknownHost(name)
    return slug


def resolve_host(host: str, marketplace_domain: str) -> HostMatch:
    """Map a request host to the marketplace or a storefront.

    `<slug>.<marketplace domain>` names a storefront by slug; any other host must be a
    verified custom domain. Everything else is unknown.
    """
    name = normalise_host(host)
    if name == marketplace_domain.lower():
        return HostMatch(storefront=None)
    with all_tenants():
        slug = storefront_slug(name, marketplace_domain)
        if slug is not None:
            storefront = db.session.scalar(select(Storefront).where(Storefront.slug == slug))
        else:
            storefront = db.session.scalar(
                select(Storefront)
                .join(StorefrontDomain, StorefrontDomain.storefront_id == Storefront.id)
                .where(
                    StorefrontDomain.hostname == name,
                    StorefrontDomain.verified_at.is_not(None),
                )
            )
    if storefront is None:
        raise UnknownHost(name)
    return HostMatch(storefront=storefront)
