"""Start-up refuses a broken configuration with one clear line."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from storefront import ConfigurationError, create_app

ROOT = Path(__file__).resolve().parent.parent


def test_production_without_secret_key_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError, match="SECRET_KEY"):
        create_app(
            {
                "STOREFRONT_ENV": "production",
                "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/x.sqlite",
            }
        )


def test_unreachable_database_is_refused() -> None:
    with pytest.raises(ConfigurationError, match="cannot reach the database"):
        create_app(
            {
                "SECRET_KEY": "x",
                "SQLALCHEMY_DATABASE_URI": "postgresql+psycopg://nobody@127.0.0.1:1/none",
            }
        )


def test_development_key_is_generated_once_and_kept(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("STOREFRONT_INSTANCE_PATH", str(tmp_path))
    url = f"sqlite:///{tmp_path}/x.sqlite"
    first = create_app({"SQLALCHEMY_DATABASE_URI": url}).config["SECRET_KEY"]
    second = create_app({"SQLALCHEMY_DATABASE_URI": url}).config["SECRET_KEY"]
    assert first == second and len(first) == 64
    assert (tmp_path / "secret_key").stat().st_mode & 0o077 == 0


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        ({"STOREFRONT_ENV": "production"}, "SECRET_KEY must be set"),
        (
            {"SECRET_KEY": "k", "DATABASE_URL": "postgresql://nobody@127.0.0.1:1/none"},
            "cannot reach the database",
        ),
    ],
)
def test_wsgi_start_fails_with_one_line(tmp_path: Path, env: dict[str, str], expected: str) -> None:
    environment = {
        "PATH": os.environ["PATH"],
        "STOREFRONT_INSTANCE_PATH": str(tmp_path),
        **env,
    }
    result = subprocess.run(
        [sys.executable, "-c", "import wsgi"],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert expected in lines[0] and lines[0].startswith("storefront: configuration error:")
