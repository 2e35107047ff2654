"""Three clearly different themes, each with the footer links and a skip link."""

from __future__ import annotations

import pytest
from flask import Flask
from flask.testing import FlaskClient

from storefront.extensions import db
from tests import factories

pytestmark = pytest.mark.usefixtures("app_context")

LAYOUT_MARKERS = {
    "default": "store-header",
    "midnight": "midnight-shell",
    "paper": "paper-masthead",
}


def test_at_least_three_themes_are_installed(app: Flask) -> None:
    assert {"default", "midnight", "paper"} <= set(app.config["INSTALLED_THEMES"])


@pytest.mark.parametrize("theme", sorted(LAYOUT_MARKERS))
def test_each_theme_has_its_own_layout_and_the_footer_links(
    client: FlaskClient, theme: str
) -> None:
    factories.storefront(
        slug=f"t{theme}",
        theme=theme,
        footer_links=[{"label": "Imprint", "url": "https://a.example/imprint"}],
    )
    db.session.commit()
    html = client.get("/", headers={"Host": f"t{theme}.localhost"}).text
    assert LAYOUT_MARKERS[theme] in html
    others = set(LAYOUT_MARKERS.values()) - {LAYOUT_MARKERS[theme]}
    assert not any(f'class="{marker}' in html for marker in others)
    assert 'href="https://a.example/imprint"' in html
    assert 'class="skip-link" href="#main"' in html and 'id="main"' in html
    assert 'name="viewport"' in html
