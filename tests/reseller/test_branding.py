"""Branding: every bad value refused next to its field, logos re-encoded, previews unsaved."""

from __future__ import annotations

import io
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from PIL import Image

from storefront.extensions import db
from storefront.tenants.models import Storefront
from tests.reseller.dashboard import Tenant, host

GOOD = {
    "name": "Alpha Hosting",
    "tagline": "Apps for you",
    "primary_color": "#1f4fd1",
    "accent_color": "#f59e0b",
    "theme": "paper",
    "locale": "en",
    "languages": ["en", "de"],
    "currency": "USD",
    "support_email": "help@alpha.test",
    "footer_links": "Imprint | https://alpha.example/imprint",
}


def post(
    client: FlaskClient,
    tenant: Tenant,
    token: str,
    path: str = "/reseller/branding",
    **changes: Any,
) -> Any:
    data = {**GOOD, **changes, "csrf_token": token}
    return client.post(
        path, data=data, headers=host(tenant.store), content_type="multipart/form-data"
    )


def image_bytes(fmt: str, size: tuple[int, int] = (64, 64), mode: str = "RGB") -> bytes:
    out = io.BytesIO()
    Image.new(mode, size, "#1f4fd1").save(out, format=fmt)
    return out.getvalue()


def reloaded(store: Storefront) -> Storefront:
    db.session.expire_all()
    found = db.session.get(Storefront, store.id)
    assert found is not None
    return found


def test_saving_branding_changes_the_buyers_store(
    client: FlaskClient, tenant_a: Tenant, signed_in_a: str
) -> None:
    assert post(client, tenant_a, signed_in_a).status_code == 302
    store = reloaded(tenant_a.store)
    assert (store.theme, store.languages, store.footer_links) == (
        "paper",
        ["en", "de"],
        [{"label": "Imprint", "url": "https://alpha.example/imprint"}],
    )
    page = client.get("/", headers=host(store)).text
    assert 'class="theme-paper"' in page
    assert 'href="https://alpha.example/imprint"' in page


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("primary_color", "blue", "is not a colour"),
        ("primary_color", "#ffff00", "WCAG AA"),  # white text on yellow
        ("accent_color", "#222222", "WCAG AA"),  # dark text on near-black
        ("theme", "no-such-theme", "There is no theme"),
        ("languages", ["en", "xx"], "There is no translation"),
        ("locale", "fr-XX", "There is no translation"),
        ("currency", "GBP", "does not sell in GBP"),
        ("footer_links", "Click | javascript:alert(1)", "only https://"),
        ("support_email", "not-an-address", "Enter an e-mail address"),
    ],
)
def test_bad_values_are_refused_next_to_their_field(
    client: FlaskClient, tenant_a: Tenant, signed_in_a: str, field: str, value: Any, message: str
) -> None:
    response = post(client, tenant_a, signed_in_a, **{field: value})
    assert response.status_code == 400
    assert f'data-testid="{field}-error"' in response.text
    assert message in response.text
    assert reloaded(tenant_a.store).theme == "default"  # nothing saved


def test_script_in_names_and_footer_is_shown_escaped(
    client: FlaskClient, tenant_a: Tenant, signed_in_a: str
) -> None:
    script = "<script>alert(1)</script>"
    response = post(
        client,
        tenant_a,
        signed_in_a,
        name=script,
        tagline=script,
        footer_links=f"{script} | https://alpha.example/",
    )
    assert response.status_code == 302
    page = client.get("/", headers=host(tenant_a.store)).text
    assert script not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page


def test_a_stored_javascript_link_is_never_a_link(client: FlaskClient, tenant_a: Tenant) -> None:
    tenant_a.store.footer_links = [{"label": "Evil", "url": "javascript:alert(1)"}]
    db.session.commit()
    for theme in ("default", "midnight", "paper"):
        tenant_a.store.theme = theme
        db.session.commit()
        page = client.get("/", headers=host(tenant_a.store)).text
        assert "javascript:" not in page and "<span>Evil</span>" in page


def test_a_good_logo_is_re_encoded_under_a_random_name(
    app: Flask, client: FlaskClient, tenant_a: Tenant, signed_in_a: str
) -> None:
    jpeg = image_bytes("JPEG")
    response = post(client, tenant_a, signed_in_a, logo=(io.BytesIO(jpeg), "my logo.jpg"))
    assert response.status_code == 302
    path = reloaded(tenant_a.store).logo_path
    assert path is not None and path.startswith("logos/") and path.endswith(".png")
    assert "my logo" not in path
    stored = Path(app.instance_path) / "uploads" / path
    with Image.open(stored) as image:
        assert image.format == "PNG" and image.size == (64, 64)
    served = client.get(f"/media/{path}", headers=host(tenant_a.store))
    assert served.status_code == 200
    served.close()


def _bomb() -> bytes:
    """10000×10000 pixels of nothing: a few KiB that would decode to 100 megapixels,
    more than Pillow's MAX_IMAGE_PIXELS."""
    out = io.BytesIO()
    Image.new("1", (10000, 10000)).save(out, format="PNG")
    return out.getvalue()


@pytest.mark.parametrize(
    ("content", "filename", "message"),
    [
        (
            b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>',
            "logo.svg",
            "PNG, JPEG or WebP",
        ),
        (b"GIF89a not really", "logo.png", "not a readable"),
        (image_bytes("PNG"), "logo.jpg", "does not match"),
        (image_bytes("GIF"), "logo.gif", "PNG, JPEG or WebP"),
        (image_bytes("PNG", (2001, 10)), "logo.png", "The logo is 2001×10 pixels"),
        (_bomb, "logo.png", "too large to decode"),
    ],
)
def test_bad_logos_are_refused(
    client: FlaskClient,
    tenant_a: Tenant,
    signed_in_a: str,
    content: bytes | Callable[[], bytes],
    filename: str,
    message: str,
) -> None:
    content = content() if callable(content) else content
    response = post(client, tenant_a, signed_in_a, logo=(io.BytesIO(content), filename))
    assert response.status_code == 400
    assert 'data-testid="logo-error"' in response.text
    assert message in response.text
    assert reloaded(tenant_a.store).logo_path is None


def test_logos_above_the_size_limit_are_refused(
    app: Flask,
    client: FlaskClient,
    tenant_a: Tenant,
    signed_in_a: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # A lower limit than the 1 MiB default keeps the upload in memory (Werkzeug spools bigger
    # uploads to temporary files that a test would see as unclosed when refused).
    monkeypatch.setitem(app.config, "LOGO_MAX_BYTES", 100 * 1024)
    big = image_bytes("PNG") + b"\0" * (100 * 1024)
    response = post(client, tenant_a, signed_in_a, logo=(io.BytesIO(big), "logo.png"))
    assert response.status_code == 400
    assert "larger than 100 KiB" in response.text
    assert app.config["MAX_CONTENT_LENGTH"] > 1024 * 1024 >= 1024 * 1024  # 1 MiB logos fit


def test_uploads_above_the_request_limit_get_a_clear_413(
    client: FlaskClient, tenant_a: Tenant, signed_in_a: str
) -> None:
    boundary = "limit"
    body = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="logo"; filename="logo.png"\r\n'
        "Content-Type: image/png\r\n\r\n"
    ).encode() + b"\0" * (3 * 1024 * 1024)  # raw bytes: the test client keeps no temp file
    response = client.post(
        "/reseller/branding",
        data=body,
        content_type=f"multipart/form-data; boundary={boundary}",
        headers=host(tenant_a.store),
    )
    assert response.status_code == 413
    assert "The upload is too large" in response.text


def test_preview_renders_the_unsaved_branding_and_saves_nothing(
    client: FlaskClient, tenant_a: Tenant, signed_in_a: str
) -> None:
    response = post(
        client,
        tenant_a,
        signed_in_a,
        "/reseller/branding/preview",
        name="Preview Name",
        primary_color="#7a1f5c",
        theme="midnight",
    )
    assert response.status_code == 200
    assert 'class="theme-midnight"' in response.text
    assert "--brand-primary:#7a1f5c" in response.text
    assert "Preview Name" in response.text
    assert tenant_a.mail.name in response.text  # the offers the buyer will see
    store = reloaded(tenant_a.store)
    assert (store.name, store.theme, store.primary_color) == ("Store 1", "default", "#1f4fd1") or (
        store.theme == "default" and store.name != "Preview Name"
    )
    refused = post(client, tenant_a, signed_in_a, "/reseller/branding/preview", theme="nope")
    assert refused.status_code == 400
