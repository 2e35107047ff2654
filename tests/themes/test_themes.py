"""Themes: per-storefront template sets with fallback to the default theme."""

from __future__ import annotations

import pytest
from flask import Flask
from flask.testing import FlaskClient

from storefront.extensions import db
from storefront.themes import installed_themes
from tests import factories

pytestmark = pytest.mark.usefixtures("app_context")


def test_installed_themes_lists_default_first(app: Flask) -> None:
    themes = installed_themes(app.config["THEMES_FOLDER"])
    assert themes[0] == "default"
    assert "midnight" in themes


def test_each_storefront_renders_in_its_own_theme(client: FlaskClient) -> None:
    factories.storefront(slug="plain", theme="default")
    factories.storefront(slug="dark", theme="midnight")
    db.session.commit()
    plain = client.get("/", headers={"Host": "plain.localhost"}).text
    dark = client.get("/", headers={"Host": "dark.localhost"}).text
    assert 'class="theme-default"' in plain and "midnight-shell" not in plain
    # midnight overrides only base.html: the catalog template falls back to the default theme
    assert 'class="theme-midnight"' in dark and "midnight-shell" in dark
    assert "catalog-search" in dark


def test_unknown_theme_falls_back_to_default(client: FlaskClient) -> None:
    factories.storefront(slug="gone", theme="removed-theme")
    db.session.commit()
    html = client.get("/", headers={"Host": "gone.localhost"}).text
    assert 'class="theme-default"' in html


def _status(client: FlaskClient, path: str) -> int:
    with client.get(path) as response:
        return response.status_code


def test_theme_static_files_fall_back_and_refuse_traversal(client: FlaskClient) -> None:
    assert _status(client, "/theme-static/midnight/theme.css") == 200
    assert _status(client, "/theme-static/midnight/store.css") == 200  # from default
    assert _status(client, "/theme-static/nope/store.css") == 404
    assert _status(client, "/theme-static/default/../templates/base.html") == 404
    assert _status(client, "/theme-static/default/%2e%2e/templates/base.html") == 404


def test_console_templates_cannot_be_overridden_by_a_theme(app: Flask) -> None:
    template = app.jinja_env.get_template("operator/login.html")
    assert template.filename is not None
    assert "/storefront/templates/" in template.filename
