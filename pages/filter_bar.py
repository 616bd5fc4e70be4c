"""The filter bar the analytics pages share: a time window and the dimension filters.

Component ids are ``f"{prefix}-{name}"`` for name in :data:`FILTER_FIELDS`; a page's callbacks
turn their values into an ``app.queries.filters.Filter`` with
``callbacks.filter_inputs.filter_from_inputs`` so every page reads the same way.
"""

from __future__ import annotations

from typing import Any

import dash_bootstrap_components as dbc
from dash import dcc

WINDOWS = {
    "15m": "Last 15 minutes",
    "1h": "Last hour",
    "24h": "Last 24 hours",
    "7d": "Last 7 days",
    "30d": "Last 30 days",
}
BUCKETS = {"1m": "1 minute", "5m": "5 minutes", "15m": "15 minutes", "1h": "1 hour", "1d": "1 day"}
FILTER_FIELDS = ("window", "symbols", "lps", "books", "rules", "bucket")


def _dropdown(prefix: str, name: str, placeholder: str, options: list[str]) -> dcc.Dropdown:
    return dcc.Dropdown(
        id=f"{prefix}-{name}",
        options=options,
        multi=True,
        placeholder=placeholder,
        className="filter-dropdown",
    )


def filter_bar(
    prefix: str,
    *,
    symbols: list[str] | None = None,
    lps: list[str] | None = None,
    rules: list[str] | None = None,
    books: bool = True,
    bucket: str | None = None,
    window: str = "24h",
) -> dbc.Row:
    """A row of filters; pass ``None`` for a dimension the page cannot filter by."""
    cols: list[Any] = [
        dbc.Col(
            dcc.Dropdown(
                id=f"{prefix}-window",
                options=[{"label": label, "value": value} for value, label in WINDOWS.items()],
                value=window,
                clearable=False,
            ),
            md=2,
        ),
    ]
    if symbols is not None:
        cols.append(dbc.Col(_dropdown(prefix, "symbols", "All symbols", symbols), md=2))
    if lps is not None:
        cols.append(dbc.Col(_dropdown(prefix, "lps", "All LPs", lps), md=2))
    if books:
        cols.append(dbc.Col(_dropdown(prefix, "books", "A and B book", ["A", "B"]), md=2))
    if rules is not None:
        cols.append(dbc.Col(_dropdown(prefix, "rules", "All rules", rules), md=2))
    if bucket is not None:
        cols.append(
            dbc.Col(
                dcc.Dropdown(
                    id=f"{prefix}-bucket",
                    options=[{"label": label, "value": value} for value, label in BUCKETS.items()],
                    value=bucket,
                    clearable=False,
                ),
                md=2,
            )
        )
    return dbc.Row(cols, className="filter-bar g-2 mb-3")
