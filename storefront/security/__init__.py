"""Security headers on every response: a Content-Security-Policy with a fresh nonce per
response for our own inline blocks, and the usual hardening headers."""

from __future__ import annotations

import secrets
from urllib.parse import urlsplit

from flask import Config, Flask, Response, abort, current_app, g, request

_NONCE = "{nonce}"  # where each response's nonce goes in the app's policy


def csp_nonce() -> str:
    """The nonce of this response, for `<style nonce=...>`/`<script nonce=...>` in templates."""
    if "csp_nonce" not in g:
        g.csp_nonce = secrets.token_urlsafe(16)
    nonce: str = g.csp_nonce
    return nonce


def allow_framing_by_this_site() -> None:
    """This response may be shown in a frame of our own pages (the branding preview); every
    other response refuses to be framed at all."""
    g.framed_by_self = True


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}" if parts.scheme and parts.netloc else ""


def content_security_policy(nonce: str) -> str:
    """Our origin, and Stripe's (localstripe's in tests and the demo) for Stripe.js, its API
    calls and its frames; nothing inline without the nonce, no eval, no plugins, no framing."""
    framed = bool(g.get("framed_by_self"))
    policies: dict[bool, str] = current_app.extensions.setdefault("csp_policies", {})
    policy = policies.get(framed)
    if policy is None:  # the same for every response of the app but for the nonce
        policy = policies[framed] = _policy(current_app.config, framed)
    return policy.replace(_NONCE, nonce)


def _policy(config: Config, framed_by_self: bool) -> str:
    stripe_js = _origin(config["STRIPE_JS_URL"])
    stripe_api = _origin(config.get("STRIPE_API_BASE") or "https://api.stripe.com")
    stripe_frames = " ".join(config["STRIPE_FRAME_ORIGINS"]) or stripe_js
    directives = {
        "default-src": "'self'",
        "script-src": f"'self' 'nonce-{_NONCE}' {stripe_js}",
        "style-src": f"'self' 'nonce-{_NONCE}'",
        "img-src": "'self' data:",
        "font-src": "'self'",
        "connect-src": " ".join(dict.fromkeys(("'self'", stripe_js, stripe_api))),
        "frame-src": f"'self' {stripe_frames}",
        "form-action": "'self'",
        "object-src": "'none'",
        "base-uri": "'none'",
        "frame-ancestors": "'self'" if framed_by_self else "'none'",
    }
    return "; ".join(f"{name} {value}".strip() for name, value in directives.items())


def _add_headers(response: Response) -> Response:
    response.headers["Content-Security-Policy"] = content_security_policy(csp_nonce())
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Referrer-Policy"] = "strict-origin-when-cross-origin"
    response.headers["X-Frame-Options"] = "SAMEORIGIN" if g.get("framed_by_self") else "DENY"
    response.headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
    if request.is_secure:
        response.headers["Strict-Transport-Security"] = "max-age=63072000; includeSubDomains"
    return response


def _contains_nul(value: object) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(_contains_nul(k) or _contains_nul(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_contains_nul(item) for item in value)
    return False


def _refuse_nul_bytes() -> None:
    """NUL is never valid text (PostgreSQL refuses it in any text column): a request carrying
    one in its host, path, query, form or JSON gets 400 before any view or query runs."""
    environ = request.environ
    query = environ.get("QUERY_STRING", "")
    if (
        "\x00" in request.host
        or "\x00" in environ.get("PATH_INFO", "")
        or "%00" in query  # the only ways a NUL reaches `request.args`
        or "\x00" in query
    ):
        abort(400)
    values: list[object] = []
    if request.mimetype in {"application/x-www-form-urlencoded", "multipart/form-data"}:
        values += request.form.values()
    elif request.is_json:
        values.append(request.get_json(silent=True))
    if any(_contains_nul(value) for value in values):
        abort(400)


def init_app(app: Flask) -> None:
    app.jinja_env.globals["csp_nonce"] = csp_nonce
    app.before_request(_refuse_nul_bytes)
    app.after_request(_add_headers)
