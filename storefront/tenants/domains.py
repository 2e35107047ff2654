"""Custom domains of a storefront: added by the reseller, serving the store only once
verified, either by a DNS TXT record the reseller publishes or by a platform admin's hand."""

from __future__ import annotations

import ipaddress
import re
import secrets
from typing import Protocol

from flask_babel import gettext
from sqlalchemy import select

from storefront.accounts.models import User
from storefront.audit.models import Surface
from storefront.audit.services import record, snapshot
from storefront.errors import DomainError
from storefront.extensions import db
from storefront.tenants.models import Storefront, StorefrontDomain
from storefront.tenants.resolve import normalise_host
from storefront.tenants.scope import all_tenants, tenant_scope
from storefront.timeutil import utcnow

VERIFICATION_PREFIX = "_storefront-verify"
_LABEL = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$")
_AUDITED = ("hostname", "verified_at")


class DomainRefused(DomainError):
    """The hostname cannot be a custom domain of this storefront."""


class DomainNotFound(DomainError):
    """No such domain on this storefront (another storefront's looks the same)."""


class VerificationFailed(DomainError):
    """The TXT record was not found (yet) or DNS could not be asked."""


class TxtResolver(Protocol):
    """Answers the TXT records published at a DNS name (empty when there are none)."""

    def txt_records(self, name: str) -> list[str]: ...


class DnsTxtResolver:
    """The real resolver: the system's DNS servers through dnspython (the standard library
    cannot ask for TXT records)."""

    def __init__(self, lifetime: float = 5.0) -> None:
        self.lifetime = lifetime

    def txt_records(self, name: str) -> list[str]:
        import dns.exception
        import dns.resolver

        try:
            answer = dns.resolver.resolve(name, "TXT", lifetime=self.lifetime)
        except (dns.resolver.NXDOMAIN, dns.resolver.NoAnswer):
            return []
        except dns.exception.DNSException as error:
            raise VerificationFailed(
                gettext("DNS could not be asked right now; try again in a few minutes.")
            ) from error
        return [
            b"".join(part for part in rdata.strings).decode("utf-8", "replace") for rdata in answer
        ]


def verification_name(hostname: str) -> str:
    return f"{VERIFICATION_PREFIX}.{hostname}"


def clean_hostname(value: str, marketplace_domain: str) -> str:
    """A lower-case host name that may serve a storefront, or DomainRefused."""
    if "/" in (value or "") or "@" in (value or ""):
        raise DomainRefused(gettext("Enter a host name only, like shop.example.com."))
    hostname = normalise_host(value or "")
    try:
        ipaddress.ip_address(hostname.strip("[]"))
    except ValueError:
        pass
    else:
        raise DomainRefused(gettext("An IP address cannot be a custom domain."))
    labels = hostname.split(".")
    if (
        len(hostname) > 253
        or len(labels) < 2
        or not all(_LABEL.match(label) for label in labels)
        or labels[-1].isdigit()
    ):
        raise DomainRefused(gettext("%(host)s is not a valid host name.", host=value.strip()))
    marketplace = marketplace_domain.lower()
    if hostname == marketplace or hostname.endswith("." + marketplace):
        raise DomainRefused(
            gettext("The marketplace's own domain %(domain)s cannot be used.", domain=marketplace)
        )
    return hostname


def storefront_domains(storefront: Storefront) -> list[StorefrontDomain]:
    with tenant_scope(storefront.id):
        return list(
            db.session.scalars(
                select(StorefrontDomain)
                .where(StorefrontDomain.storefront_id == storefront.id)
                .order_by(StorefrontDomain.hostname)
            )
        )


def storefront_domain(storefront: Storefront, domain_id: int) -> StorefrontDomain:
    with tenant_scope(storefront.id):
        domain = db.session.scalar(
            select(StorefrontDomain).where(
                StorefrontDomain.id == domain_id, StorefrontDomain.storefront_id == storefront.id
            )
        )
    if domain is None:
        raise DomainNotFound(str(domain_id))
    return domain


def add_domain(
    storefront: Storefront, actor: User, hostname: str, marketplace_domain: str
) -> StorefrontDomain:
    """Add an unverified custom domain with a fresh verification token."""
    name = clean_hostname(hostname, marketplace_domain)
    with all_tenants():  # host names are unique across every storefront
        taken = db.session.scalar(
            select(StorefrontDomain.id).where(StorefrontDomain.hostname == name)
        )
    if taken is not None:
        raise DomainRefused(gettext("%(host)s is already in use by a storefront.", host=name))
    domain = StorefrontDomain(
        storefront_id=storefront.id, hostname=name, verification_token=secrets.token_hex(20)
    )
    db.session.add(domain)
    db.session.flush()
    record(
        actor=actor,
        surface=Surface.RESELLER,
        action="domain.add",
        target=domain,
        after=snapshot(domain, _AUDITED),
        storefront_id=storefront.id,
    )
    return domain


def verify_domain(
    storefront: Storefront, actor: User, domain_id: int, resolver: TxtResolver
) -> StorefrontDomain:
    """Mark the domain verified when its TXT record carries the token."""
    domain = storefront_domain(storefront, domain_id)
    if domain.verified_at is not None:
        return domain
    records = resolver.txt_records(verification_name(domain.hostname))
    if domain.verification_token not in (value.strip() for value in records):
        raise VerificationFailed(
            gettext(
                "No TXT record %(name)s with the token was found yet. DNS changes can take a "
                "while to appear.",
                name=verification_name(domain.hostname),
            )
        )
    _mark_verified(domain, actor, Surface.RESELLER, "domain.verify")
    return domain


def remove_domain(storefront: Storefront, actor: User, domain_id: int) -> None:
    domain = storefront_domain(storefront, domain_id)
    record(
        actor=actor,
        surface=Surface.RESELLER,
        action="domain.remove",
        target=domain,
        before=snapshot(domain, _AUDITED),
        storefront_id=storefront.id,
    )
    db.session.delete(domain)
    db.session.flush()


def pending_domains() -> list[StorefrontDomain]:
    """Every unverified domain of every storefront (platform work)."""
    with all_tenants():
        return list(
            db.session.scalars(
                select(StorefrontDomain)
                .where(StorefrontDomain.verified_at.is_(None))
                .order_by(StorefrontDomain.id)
            )
        )


def approve_domain(actor: User, domain_id: int) -> StorefrontDomain:
    """A platform admin verifies a domain by hand (e.g. after checking DNS themselves)."""
    with all_tenants():
        domain = db.session.get(StorefrontDomain, domain_id)
    if domain is None:
        raise DomainNotFound(str(domain_id))
    if domain.verified_at is None:
        _mark_verified(domain, actor, Surface.CONSOLE, "domain.approve")
    return domain


def _mark_verified(domain: StorefrontDomain, actor: User, surface: Surface, action: str) -> None:
    before = snapshot(domain, _AUDITED)
    domain.verified_at = utcnow()
    db.session.flush()
    record(
        actor=actor,
        surface=surface,
        action=action,
        target=domain,
        before=before,
        after=snapshot(domain, _AUDITED),
        storefront_id=domain.storefront_id,
    )
