"""The application factory: one Flask server carrying the REST API and the Dash app."""

from __future__ import annotations

from pathlib import Path

import dash
from flask import Flask

from app.config import PROJECT_ROOT, Settings

from .api.blueprint import build_api
from .auth import install_auth
from .resources import Resources

PAGES_FOLDER = PROJECT_ROOT / "pages"
ASSETS_FOLDER = PROJECT_ROOT / "assets"
BOOTSTRAP_CSS = "/assets/vendor/bootstrap.min.css"
"""Bootstrap 5.3 (for dash-bootstrap-components), served from this app: no CDN."""


def create_server(settings: Settings) -> Flask:
    """The Flask server with the API and shared resources, without the Dash layer."""
    server = Flask("tradedash")
    server.config.update(
        SECRET_KEY=settings.flask_secret_key,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=settings.env == "production",
        JSON_SORT_KEYS=False,
    )
    server.extensions["tradedash"] = Resources(settings)
    install_auth(server, settings)
    server.register_blueprint(build_api())
    return server


def create_app(settings: Settings, *, pages_folder: Path = PAGES_FOLDER) -> dash.Dash:
    """The whole web application: Flask server, API and the multi-page Dash app."""
    server = create_server(settings)
    app = dash.Dash(
        "tradedash",
        server=server,  # type: ignore[arg-type]  # Dash's stub is narrower than its API
        use_pages=True,
        pages_folder=str(pages_folder),
        assets_folder=str(ASSETS_FOLDER),
        title="TradeDash",
        suppress_callback_exceptions=True,
        serve_locally=True,
        # Bootstrap first, so that assets/*.css (loaded after it) can refine it.
        external_stylesheets=[BOOTSTRAP_CSS],
        assets_path_ignore=["vendor"],
    )
    from callbacks import register_callbacks

    from .layout import shell

    app.layout = shell
    register_callbacks(app)
    return app
