"""The filter bar the analytics pages share: a time window and the dimension filters, kept in
the page's URL query string (``app.filter_state``) so a view survives a reload and can be
shared as a link, with the user's saved views beside it.

A page declares its bar once at import, ``FILTERS = url_bar(ids.PREFIX, symbols=True, ...)``
(``callbacks.filter_inputs`` registers the URL sync of every declared bar), and lays it out
with ``FILTERS.layout(query)`` from its ``layout(**query)``. Component ids are
``f"{prefix}-{name}"`` for name in :data:`FILTER_FIELDS`; a page's callbacks turn their values
into an ``app.queries.filters.Filter`` with ``callbacks.filter_inputs.filter_from_inputs``.

Which values a bar opens with: the link's filter keys when it has any (invalid ones dropped
with a notice above the bar), else the user's default filters (Settings), else the page's own
defaults.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from typing import Any

import dash_bootstrap_components as dbc
from dash import dcc, html

from app.filter_state import (
    BUCKETS,
    MAX_RANGE,
    WINDOWS,
    FilterState,
    has_filters,
    keep_known,
    parse_query,
    parse_range,
    range_inputs,
    range_label,
)
from app.filter_state import parse_query_string as parse_defaults
from tradedash.preferences import current_preferences, current_saved_views, current_timezone

FILTER_FIELDS = ("window", "symbols", "lps", "books", "rules", "bucket")


def view_id(kind: str, prefix: Any) -> dict[str, Any]:
    """The id of one of a bar's saved-view controls (pattern-matched by ``bar``: a prefix, or
    ``dash.MATCH`` in a callback)."""
    return {"type": f"td-view-{kind}", "bar": prefix}


def range_id(prefix: str, part: str) -> str:
    """The id of a part of the bar's custom range: ``start``, ``end``, ``apply`` or
    ``problem`` (the message next to the fields)."""
    return f"{prefix}-range-{part}"


def window_options(window: str | None, timezone: str) -> list[dict[str, str]]:
    """The window menu: the presets, and ``window`` when it is a custom range, labelled in the
    user's ``timezone``."""
    options = [{"label": label, "value": key} for key, label in WINDOWS.items()]
    span = parse_range(window)
    if span is not None:
        options.append({"label": range_label(span, timezone), "value": span.text})
    return options


def notice_id(prefix: str) -> str:
    """The id of the alert listing what the link held that could not be applied."""
    return f"{prefix}-url-notice"


@dataclass(frozen=True)
class Bar:
    """Which filters a page offers and its defaults."""

    prefix: str
    symbols: bool = False
    lps: bool = False
    books: bool = True
    rules: bool = False
    bucket: str | None = None
    window: str = "24h"
    default_books: tuple[str, ...] = ()

    @property
    def fields(self) -> tuple[str, ...]:
        """The filter fields this bar shows, in URL order."""
        shown = {
            "window": True,
            "symbols": self.symbols,
            "lps": self.lps,
            "books": self.books,
            "rules": self.rules,
            "bucket": self.bucket is not None,
        }
        return tuple(name for name in FILTER_FIELDS if shown[name])

    def opening_state(
        self,
        query: Mapping[str, object],
        known: Callable[[], Mapping[str, list[str]]] | None = None,
    ) -> tuple[FilterState, list[str]]:
        """The values the bar opens with for ``query``, and the notices to show about it."""
        if has_filters(query):
            state, notices = parse_query(query, now=dt.datetime.now(dt.UTC))
        else:
            own = FilterState(books=self.default_books)
            user, _ignored = parse_defaults(current_preferences().default_filters)
            state = FilterState(
                **{name: getattr(user, name) or getattr(own, name) for name in FILTER_FIELDS}
            )
            notices = []
        picked = any(getattr(state, name) for name in ("symbols", "lps", "rules"))
        if known is not None and picked:
            state, unknown = keep_known(state, known())
            notices += unknown
        return (
            replace(state, window=state.window or self.window, bucket=state.bucket or self.bucket),
            notices,
        )

    def layout(
        self,
        query: Mapping[str, object],
        options: Mapping[str, list[str]] | None = None,
        known: Callable[[], Mapping[str, list[str]]] | None = None,
    ) -> html.Div:
        """The bar with the values of ``query``, a notice about what it ignored, and the
        saved-view controls. ``options``: symbol/LP/rule choices known at layout time."""
        state, notices = self.opening_state(query, known or (lambda: options or {}))
        return html.Div(
            [
                dbc.Alert(
                    [html.Div(notice) for notice in notices],
                    id=notice_id(self.prefix),
                    is_open=bool(notices),
                    dismissable=True,
                    color="warning",
                    className="filter-notice py-2",
                ),
                _bar_row(self, state, options or {}),
                dcc.Store(id=view_id("url", self.prefix)),
            ],
            className="filter-area",
        )


BARS: dict[str, Bar] = {}
"""Every bar a page declared, by prefix (filled as the pages are imported)."""


def url_bar(prefix: str, **settings: Any) -> Bar:
    """Declare a page's bar: its URL sync is registered with the callbacks."""
    bar = Bar(prefix, **settings)
    BARS[prefix] = bar
    return bar


def _dropdown(
    prefix: str, name: str, placeholder: str, options: list[str], value: tuple[str, ...] = ()
) -> dcc.Dropdown:
    # Values from a link must be among the options, or the dropdown drops them.
    return dcc.Dropdown(
        id=f"{prefix}-{name}",
        options=sorted({*options, *value}),
        value=list(value),
        multi=True,
        placeholder=placeholder,
        className="filter-dropdown",
    )


def _choice(
    prefix: str, name: str, labels: dict[str, str] | list[dict[str, str]], value: str
) -> dcc.Dropdown:
    return dcc.Dropdown(
        id=f"{prefix}-{name}",
        options=(
            [{"label": label, "value": key} for key, label in labels.items()]
            if isinstance(labels, dict)
            else labels
        ),
        value=value,
        clearable=False,
    )


def _custom_range(prefix: str, window: str | None, timezone: str) -> html.Div:
    # Typed in the user's timezone; "Apply" validates them (callbacks.filter_inputs) and, when
    # they make a range, selects it in the window menu, which is what the URL and pages read.
    span = parse_range(window)
    start, end = range_inputs(span, timezone) if span is not None else ("", "")
    return html.Div(
        [
            dbc.InputGroup(
                [
                    dbc.InputGroupText("From"),
                    dbc.Input(id=range_id(prefix, "start"), type="datetime-local", value=start),
                    dbc.InputGroupText("to"),
                    dbc.Input(id=range_id(prefix, "end"), type="datetime-local", value=end),
                    dbc.Button("Apply", id=range_id(prefix, "apply"), color="secondary"),
                ],
                size="sm",
                className="range-inputs",
            ),
            html.Div(id=range_id(prefix, "problem"), className="range-problem", role="alert"),
        ],
        className="filter-range",
        title=f"A custom range in your timezone ({timezone}), at most {MAX_RANGE.days} days",
    )


def _bar_row(
    bar: Bar, state: FilterState, options: Mapping[str, list[str]], *, custom: bool = True
) -> dbc.Row:
    p = bar.prefix
    timezone = current_timezone()
    window = state.window or bar.window
    cols: list[Any] = [
        dbc.Col(_choice(p, "window", window_options(window, timezone), window), md=2)
    ]
    if custom:
        cols.append(dbc.Col(_custom_range(p, window, timezone), xs=12, md="auto"))
    if bar.symbols:
        symbols = options.get("symbols", [])
        cols.append(dbc.Col(_dropdown(p, "symbols", "All symbols", symbols, state.symbols), md=2))
    if bar.lps:
        cols.append(
            dbc.Col(_dropdown(p, "lps", "All LPs", options.get("lps", []), state.lps), md=2)
        )
    if bar.books:
        cols.append(dbc.Col(_dropdown(p, "books", "A and B book", ["A", "B"], state.books), md=2))
    if bar.rules:
        rules = options.get("rules", [])
        cols.append(dbc.Col(_dropdown(p, "rules", "All rules", rules, state.rules), md=2))
    if bar.bucket is not None:
        cols.append(dbc.Col(_choice(p, "bucket", BUCKETS, state.bucket or bar.bucket), md=2))
    cols.append(dbc.Col(_views(p), xs=12, md="auto", className="ms-md-auto"))
    return dbc.Row(cols, className="filter-bar g-2 mb-3")


def view_links(prefix: str) -> list[Any]:
    """The "My views" menu entries: the user's saved views as links."""
    views = current_saved_views()
    if not views:
        return [dbc.DropdownMenuItem("No saved views yet", disabled=True)]
    return [dbc.DropdownMenuItem(name, href=url, external_link=True) for name, url in views]


def _views(prefix: str) -> html.Div:
    return html.Div(
        [
            dbc.InputGroup(
                [
                    dbc.Input(
                        id=view_id("name", prefix),
                        placeholder="Name this view",
                        maxlength=60,
                        size="sm",
                    ),
                    dbc.Button("Save", id=view_id("save", prefix), size="sm", color="primary"),
                    dbc.Button(
                        "Make default",
                        id=view_id("default", prefix),
                        size="sm",
                        color="secondary",
                        outline=True,
                        title="Open every page with these filters when a link sets none",
                    ),
                ],
                size="sm",
                className="view-save",
            ),
            dbc.DropdownMenu(
                view_links(prefix),
                id=view_id("menu", prefix),
                label="My views",
                size="sm",
                color="light",
                className="view-menu",
            ),
            dcc.Clipboard(
                id=view_id("copy", prefix),
                title="Copy a link to this view",
                className="view-copy",
            ),
            html.Span(id=view_id("status", prefix), className="view-status"),
        ],
        className="view-controls",
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
    """A row of filters without URL sync; pass ``None`` for a dimension the page cannot filter
    by (for pages that have not declared a :func:`url_bar`)."""
    bar = Bar(
        prefix,
        symbols=symbols is not None,
        lps=lps is not None,
        books=books,
        rules=rules is not None,
        bucket=bucket,
        window=window,
    )
    options = {"symbols": symbols or [], "lps": lps or [], "rules": rules or []}
    row = _bar_row(bar, FilterState(window=window, bucket=bucket), options, custom=False)
    row.children = row.children[:-1]  # no saved-view controls without a URL to save
    return row
