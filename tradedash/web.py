"""The application factory: one Flask server carrying the REST API and the Dash app."""

from __future__ import annotations

from pathlib import Path

import dash
import orjson
from flask import Flask, Response, request

from app.charts.theme import restyle
from app.config import PROJECT_ROOT, Settings

from .api.blueprint import build_api
from .auth import install_auth
from .live_stream import install_live_stream
from .preferences import session_theme
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
    install_live_stream(server)
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
    server.after_request(restyle_figures)
    return app


def restyle_figures(response: Response) -> Response:
    """Dark-theme users get every callback's figures in the dark plotly template."""
    if (
        request.path.endswith("/_dash-update-component")
        and response.status_code == 200
        and response.mimetype == "application/json"
        and not response.direct_passthrough
        and session_theme() == "dark"
    ):
        payload = restyle(orjson.loads(response.get_data()), "dark")
        response.set_data(orjson.dumps(payload, option=orjson.OPT_SERIALIZE_NUMPY))
    return response
