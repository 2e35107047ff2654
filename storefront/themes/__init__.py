"""Storefront themes: trusted template and static sets in `themes/<name>/`.

A storefront names its theme; a template is looked up in that theme first, then in
`themes/default`. Theme templates are addressed as `@<theme>/<file>` so the Jinja cache
key includes the theme, and the console's own templates (plain names) can never be
overridden by a storefront theme.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

from flask import Flask, abort, send_from_directory
from flask.typing import ResponseReturnValue
from jinja2 import BaseLoader, ChoiceLoader, Environment, TemplateNotFound

DEFAULT_THEME = "default"


class ThemeLoader(BaseLoader):
    """Loads `@<theme>/<file>` from the theme's templates, falling back to the default theme."""

    def __init__(self, themes_folder: Path) -> None:
        self.themes_folder = themes_folder

    def get_source(
        self, environment: Environment, template: str
    ) -> tuple[str, str | None, Callable[[], bool] | None]:
        if not template.startswith("@") or "/" not in template:
            raise TemplateNotFound(template)
        theme, _, name = template[1:].partition("/")
        for candidate in dict.fromkeys((theme, DEFAULT_THEME)):
            path = _safe_join(self.themes_folder / candidate / "templates", name)
            if path is not None and path.is_file():
                return path.read_text(encoding="utf-8"), str(path), _unchanged(path)
        raise TemplateNotFound(template)


def _unchanged(path: Path) -> Callable[[], bool]:
    """Jinja's auto-reload check: the file still has the modification time it was read at."""
    mtime = path.stat().st_mtime
    return lambda: path.stat().st_mtime == mtime


def _safe_join(folder: Path, name: str) -> Path | None:
    if not name or name.startswith("/") or ".." in Path(name).parts:
        return None
    return folder / name


def installed_themes(themes_folder: str | os.PathLike[str]) -> list[str]:
    """Theme names, one folder each, default first."""
    folder = Path(themes_folder)
    names = sorted(p.name for p in folder.iterdir() if (p / "templates").is_dir())
    return sorted(names, key=lambda name: name != DEFAULT_THEME)


def init_app(app: Flask) -> None:
    folder = Path(app.config["THEMES_FOLDER"])
    app.config["INSTALLED_THEMES"] = installed_themes(folder)
    app.jinja_loader = ChoiceLoader([app.jinja_loader, ThemeLoader(folder)])  # type: ignore[list-item]

    @app.route("/theme-static/<theme>/<path:filename>", endpoint="theme_static")
    def theme_static(theme: str, filename: str) -> ResponseReturnValue:
        if theme not in app.config["INSTALLED_THEMES"]:
            abort(404)
        for candidate in dict.fromkeys((theme, DEFAULT_THEME)):
            static = folder / candidate / "static"
            if _safe_join(static, filename) is not None and (static / filename).is_file():
                return send_from_directory(static, filename, max_age=3600)
        abort(404)
