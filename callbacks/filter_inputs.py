"""Filter-bar values (see ``pages/filter_bar.py``) turned into a read-model Filter; the bars'
URL sync and their saved-view controls."""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any
from urllib.parse import urlsplit

import dash
import orjson
from dash import MATCH, Input, Output, State, ctx
from flask import current_app
from sqlalchemy import Engine, text

from app.filter_state import local_range, parse_query_string, parse_range, range_problem
from app.queries.execution_hourly import exec_rollup_rows
from app.queries.filters import Filter
from app.user_settings import save_ui_preferences, save_view, ui_preferences, view_name_problem
from callbacks import signed_in_user, transaction
from pages.filter_bar import BARS, range_id, view_id, view_links, window_options
from tradedash.auth import current_actor, require_role
from tradedash.preferences import current_timezone

WINDOW_LENGTHS: dict[str, dt.timedelta] = {
    "15m": dt.timedelta(minutes=15),
    "1h": dt.timedelta(hours=1),
    "24h": dt.timedelta(hours=24),
    "7d": dt.timedelta(days=7),
    "30d": dt.timedelta(days=30),
}


def filter_from_inputs(
    window: str | None,
    symbols: list[str] | None = None,
    lps: list[str] | None = None,
    books: list[str] | None = None,
    rules: list[str] | None = None,
    *,
    now: dt.datetime | None = None,
) -> Filter:
    """The Filter of a custom range, or of a preset window ending now (an unknown or invalid
    window falls back to the last 24 h)."""
    span = parse_range(window)
    if span is not None and range_problem(span) is None:
        start, end = span.start, span.end
    else:
        end = now or dt.datetime.now(dt.UTC)
        start = end - WINDOW_LENGTHS.get(window or "24h", WINDOW_LENGTHS["24h"])
    return Filter(
        start=start,
        end=end,
        symbols=tuple(symbols or ()),
        lps=tuple(lps or ()),
        books=tuple(books or ()),
        rule_ids=tuple(rules or ()),
    )


def engine() -> Engine:
    """The web process's database engine."""
    resources = current_app.extensions["tradedash"]
    db: Engine = resources.engine
    return db


def dimension_values(days: int = 30) -> dict[str, list[str]]:
    """Symbols, LPs and rule ids seen recently, for the filter bars' options. Symbols and LPs
    come from the execution rollup's tiers (days, hours, and minutes only where those are not
    up to date: ``exec_rollup_rows``), not from 30 days of minute rows."""
    now = dt.datetime.now(dt.UTC)
    # Up to a day ahead, as the minute rows were read: a stream may run ahead of this clock.
    recent = Filter(start=now - dt.timedelta(days=days), end=now + dt.timedelta(days=1))
    with engine().connect() as conn:
        rollup, params = exec_rollup_rows(conn, recent, "TRUE")

        def distinct(sql: str) -> list[str]:
            return [row[0] for row in conn.execute(text(sql), params)]

        return {
            "symbols": distinct(f"SELECT DISTINCT symbol FROM {rollup} AS r ORDER BY 1"),
            "lps": distinct(f"SELECT DISTINCT lp FROM {rollup} AS r ORDER BY 1"),
            "rules": distinct("SELECT DISTINCT rule_id FROM rules ORDER BY 1"),
        }


def register(app: dash.Dash) -> None:
    for bar in BARS.values():
        _register_url_sync(app, bar.prefix, bar.fields)
        _register_custom_range(app, bar.prefix)
    _register_views(app)


def apply_range(start: str | None, end: str | None, timezone: str) -> dict[str, Any]:
    """What "Apply" changes: a valid range (typed in ``timezone``) selected in the window menu,
    else the message next to the fields and both fields flagged."""
    span, problem = local_range(start, end, timezone, dt.datetime.now(dt.UTC))
    if span is None:
        return {
            "options": dash.no_update,
            "window": dash.no_update,
            "problem": problem,
            "start_invalid": True,
            "end_invalid": True,
        }
    return {
        "options": window_options(span.text, timezone),
        "window": span.text,
        "problem": "",
        "start_invalid": False,
        "end_invalid": False,
    }


def _register_custom_range(app: dash.Dash, prefix: str) -> None:
    @app.callback(
        output={
            "options": Output(f"{prefix}-window", "options"),
            "window": Output(f"{prefix}-window", "value"),
            "problem": Output(range_id(prefix, "problem"), "children"),
            "start_invalid": Output(range_id(prefix, "start"), "invalid"),
            "end_invalid": Output(range_id(prefix, "end"), "invalid"),
        },
        inputs={
            "_apply": Input(range_id(prefix, "apply"), "n_clicks"),
            "_submit": Input(range_id(prefix, "end"), "n_submit"),
            "start": State(range_id(prefix, "start"), "value"),
            "end": State(range_id(prefix, "end"), "value"),
        },
        prevent_initial_call=True,
    )
    @require_role("analyst")
    def on_apply(
        _apply: int | None, _submit: int | None, start: str | None, end: str | None
    ) -> dict[str, Any]:
        return apply_range(start, end, current_timezone())


def _register_url_sync(app: dash.Dash, prefix: str, fields: tuple[str, ...]) -> None:
    # In the browser: the URL follows the bar (history.replaceState, so no page reload and no
    # history entry per change); the page's layout(**query) reads it back on a reload.
    names = orjson.dumps(list(fields)).decode()
    app.clientside_callback(
        f"function() {{ return window.tdFilters.sync({names}, Array.from(arguments)); }}",
        Output(view_id("url", prefix), "data"),
        [Input(f"{prefix}-{name}", "value") for name in fields],
    )


def _register_views(app: dash.Dash) -> None:
    app.clientside_callback(
        "function(url) { return url ? window.location.origin + url : ''; }",
        Output(view_id("copy", MATCH), "content"),
        Input(view_id("url", MATCH), "data"),
    )

    @app.callback(
        Output(view_id("status", MATCH), "children"),
        Output(view_id("menu", MATCH), "children"),
        Output(view_id("name", MATCH), "value"),
        Input(view_id("save", MATCH), "n_clicks"),
        Input(view_id("default", MATCH), "n_clicks"),
        State(view_id("name", MATCH), "value"),
        State(view_id("url", MATCH), "data"),
        prevent_initial_call=True,
    )
    @require_role("analyst")
    def on_view(
        _save: int | None, _default: int | None, name: str | None, url: str | None
    ) -> tuple[Any, ...]:
        prefix = ctx.triggered_id["bar"] if isinstance(ctx.triggered_id, dict) else ""
        if not url:
            raise dash.exceptions.PreventUpdate
        kind = ctx.triggered_id.get("type") if isinstance(ctx.triggered_id, dict) else None
        if kind == view_id("default", prefix)["type"]:
            return make_default(url), dash.no_update, dash.no_update
        problem = view_name_problem(name or "")
        if problem:
            return problem, dash.no_update, dash.no_update
        with transaction() as db:
            save_view(db, current_actor(), signed_in_user(db), name or "", url)
        return f"Saved “{(name or '').strip()}”.", view_links(prefix), ""


def make_default(url: str) -> str:
    """Store the filters of ``url`` as the signed-in user's defaults; a message to show."""
    query = urlsplit(url).query
    _filters, notices = parse_query_string(query)
    if notices:
        return "These filters cannot be a default: " + " ".join(notices)
    with transaction() as db:
        user = signed_in_user(db)
        preferences = dataclasses.replace(ui_preferences(user), default_filters=query)
        save_ui_preferences(db, current_actor(), user, preferences)
    return "Default filters saved: pages open with them when a link sets none."
