"""Which URLs we agree to send webhooks to: no server-side request forgery."""

from __future__ import annotations

import ipaddress
import socket
from urllib.parse import urlsplit

from flask_babel import gettext as _

LOCAL_HOSTS = {"localhost", "127.0.0.1", "::1", "[::1]"}
_INTERNAL_SUFFIXES = (".localhost", ".local", ".internal", ".localdomain", ".home.arpa")


class UnsafeUrl(ValueError):
    """A URL we refuse to send to; the message says why."""


def check_endpoint_url(url: str, *, production: bool) -> str:
    """The URL, stripped, if we may register it: https (http only to this machine, and only
    outside production), no credentials, and in production no local or private address."""
    url = url.strip()
    if not url:
        raise UnsafeUrl(_("Enter the URL to send events to."))
    if len(url) > 2000 or any(ord(char) < 33 or ord(char) == 127 for char in url):
        raise UnsafeUrl(_("Enter a valid URL."))
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        raise UnsafeUrl(_("Enter a valid URL.")) from None
    host = (parts.hostname or "").lower()
    if parts.scheme not in {"https", "http"} or not host:
        raise UnsafeUrl(_("The URL must start with https://."))
    if parts.username is not None or parts.password is not None or "@" in parts.netloc:
        raise UnsafeUrl(_("The URL must not contain a user name or password."))
    if port == 0:
        raise UnsafeUrl(_("Enter a valid URL."))
    local = host in LOCAL_HOSTS
    if parts.scheme == "http" and (production or not local):
        raise UnsafeUrl(_("The URL must start with https://."))
    if production:
        if local or host.endswith(_INTERNAL_SUFFIXES) or "." not in host.strip("[]"):
            raise UnsafeUrl(_("The URL must be a public address."))
        literal = _ip(host)
        if literal is not None and not literal.is_global:
            raise UnsafeUrl(_("The URL must be a public address."))
    return url


def check_resolved_host(url: str) -> None:
    """In production, right before sending: every address the host resolves to must be
    public (a name registered as public may later point inside our network)."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    try:
        infos = socket.getaddrinfo(host, parts.port or 443, proto=socket.IPPROTO_TCP)
    except OSError as error:
        raise UnsafeUrl(f"cannot resolve {host}: {error}") from None
    for info in infos:
        address = ipaddress.ip_address(str(info[4][0]).split("%")[0])
        if not address.is_global:
            raise UnsafeUrl(f"{host} resolves to a non-public address ({address})")


def _ip(host: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return None
