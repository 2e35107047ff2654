"""Browser tests: Debian's Chromium driven by Playwright against the app on a loopback port."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask

from storefront.demo.data import load_demo
from storefront.extensions import db
from tests.live import serve

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def _chromium_or_skip() -> str:
    path = shutil.which(CHROMIUM) or (CHROMIUM if Path(CHROMIUM).exists() else None)
    if path is None:
        message = f"Chromium not found at {CHROMIUM}: install it with `apt-get install chromium`"
        if os.environ.get("REQUIRE_BROWSER_TESTS"):
            pytest.fail(message)
        pytest.skip(message)
    return path


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict[str, Any]) -> dict[str, Any]:
    return {
        **browser_type_launch_args,
        "executable_path": _chromium_or_skip(),
        "args": CHROMIUM_ARGS,
        "headless": True,
    }


@pytest.fixture
def live_server(app: Flask, tmp_path: Path) -> Iterator[str]:
    """The app with the demo marketplace, served on a free loopback port; yields the port."""
    with app.app_context():
        load_demo(Path(app.instance_path) / "uploads")
        db.session.commit()
        db.session.remove()
    with serve(app) as port:
        yield str(port)


@pytest.fixture(scope="session")
def base_url() -> None:
    """Replaces pytest-base-url's fixture (written in a form pytest 9 deprecates); each test
    builds its storefront URLs from the live server's port."""
    return None
