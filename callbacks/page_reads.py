"""What the analytics pages share for a fast first paint: the request's read cache
(``app.cache``) and the chain that loads the figures below the fold after the main one."""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Mapping
from typing import Any

import dash
from dash import Input, Output
from flask import current_app
from flask import session as cookie_session
from sqlalchemy import Connection

from app.cache import ReadCache
from app.formatting import Reporting
from app.queries.currency import report_rate
from app.queries.filters import Filter
from callbacks.filter_inputs import dimension_values
from tradedash.auth.csrf import SESSION_KEY
from tradedash.preferences import current_viewer


def reads() -> ReadCache:
    """The read cache of this request: per database and signed-in session (its CSRF token,
    rotated at sign-in), so that only the callbacks of one person's page loads share reads."""
    resources = current_app.extensions["tradedash"]
    token = str(cookie_session.get(SESSION_KEY, ""))
    scope = hashlib.sha256(f"{resources.settings.database_url}|{token}".encode()).hexdigest()
    return ReadCache(resources.redis, scope[:24], resources.settings.ui_cache_ttl_s)


def reporting(conn: Connection, at: dt.datetime) -> Reporting:
    """The signed-in user's reporting currency with its USD rate at ``at`` (unknown: None, and
    the page shows USD amounts flagged)."""
    currency = current_viewer().currency or "USD"
    return Reporting(currency, report_rate(conn, currency, at))


def money_headers(
    columns: list[dict[str, Any]] | None, shown: Reporting, names: Mapping[str, str]
) -> list[dict[str, Any]]:
    """A grid's ``columns`` with the header of each money field in ``names`` (field → name)
    naming the ``shown`` currency: ``Net P/L (EUR)``."""
    return [
        {**column, "headerName": shown.label(names[column["field"]])}
        if column.get("field") in names
        else column
        for column in columns or []
    ]


def filter_choices() -> dict[str, list[str]]:
    """The filter bars' symbols, LPs and rules (``dimension_values``) through the read cache."""
    now = dt.datetime.now(dt.UTC)
    days = Filter(start=now - dt.timedelta(days=30), end=now)
    return reads().read("dimension_values", days, dimension_values)


def after_main_figure(app: dash.Dash, main_figure: str, ready: str) -> None:
    """Set the store ``ready`` whenever ``main_figure`` gets a figure: callbacks that take it
    as an input run after the main figure, instead of competing with it for the server."""
    app.clientside_callback(
        "function(figure) { return Date.now(); }",
        Output(ready, "data"),
        Input(main_figure, "figure"),
    )
