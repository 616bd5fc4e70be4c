"""Routing page: the order flow and book shares (``app.queries.routing``), LP reject rates
(``app.queries.execution.reject_rate_series``) and the routing-decision explorer."""

from __future__ import annotations

import datetime as dt
import math
from typing import Any

import dash
import dash_bootstrap_components as dbc
import orjson
import pandas as pd
import plotly.graph_objects as go
from dash import Input, Output, ctx, html

from app.charts import routing as charts
from app.charts.routing import ShareMeasure
from app.charts.theme import empty_figure
from app.formatting import local_time
from app.metrics.routing import RoutingSummary
from app.queries.execution import reject_rate_series
from app.queries.filters import Filter, FilterError, parse_bucket
from app.queries.routing import routing_decisions, routing_shares_over_time, routing_summary
from callbacks.filter_inputs import engine, filter_from_inputs
from callbacks.page_reads import after_main_figure, filter_choices
from pages.ids import routing as ids
from tradedash.auth import require_role
from tradedash.preferences import current_timezone

PAGE_SIZE = 25
FILTER_INPUTS = [
    Input(ids.WINDOW, "value"),
    Input(ids.SYMBOLS, "value"),
    Input(ids.LPS, "value"),
    Input(ids.BOOKS, "value"),
    Input(ids.RULES, "value"),
]


def clock() -> dt.datetime:
    """The present; tests replace it to look at a simulated stream from its own time."""
    return dt.datetime.now(dt.UTC)


def window_filter(
    window: str | None,
    symbols: list[str] | None,
    lps: list[str] | None,
    books: list[str] | None,
    rules: list[str] | None,
) -> Filter:
    """The filter bar's values as the read models' Filter, ending now."""
    return filter_from_inputs(window, symbols, lps, books, rules, now=clock())


def _percent(share: dict[str, float] | None, book: str) -> str:
    return "—" if share is None else f"{share[book]:.1%}"


def summary_tiles(summary: RoutingSummary) -> dbc.Row:
    """The window's headline numbers above the flow."""
    tiles = [
        ("Orders", f"{summary.orders:,}"),
        ("A-book by count", _percent(summary.share_by_count, "A")),
        ("B-book by count", _percent(summary.share_by_count, "B")),
        ("A-book by notional", _percent(summary.share_by_notional, "A")),
        ("B-book by notional", _percent(summary.share_by_notional, "B")),
    ]
    if summary.unconverted_orders:
        tiles.append(("No USD rate (not in notional)", f"{summary.unconverted_orders:,}"))
    return dbc.Row(
        [
            dbc.Col(
                html.Div(
                    [
                        html.Div(label, className="text-muted small"),
                        html.Div(value, className="fs-5 fw-semibold"),
                    ],
                    className="bg-white border rounded px-3 py-2 h-100",
                ),
                xs=6,
                md=2,
            )
            for label, value in tiles
        ],
        className="g-2",
    )


def venue(book: str, lp: object) -> str:
    """Where the order went: its first LP, or ``INTERNAL`` for the B-book."""
    if book == "B":
        return "INTERNAL"
    return "" if lp is None or pd.isna(lp) else str(lp)


def decision_rows(decisions: pd.DataFrame, timezone: str = "UTC") -> list[dict[str, Any]]:
    """The explorer grid's rows (times in ``timezone``); each carries its rule's conditions for
    the detail panel."""
    rows = []
    for d in decisions.itertuples(index=False):
        version = "" if d.rule_version is None or pd.isna(d.rule_version) else int(d.rule_version)
        rows.append(
            {
                "time": local_time(pd.Timestamp(d.ts).to_pydatetime(), timezone),
                "order_id": d.order_id,
                "account_id": d.account_id,
                "symbol": d.symbol,
                "side": d.side,
                "qty": float(d.qty),
                "segment": d.client_segment or "unknown",
                "rule": f"{d.rule_id} v{version}",
                "rule_id": d.rule_id,
                "rule_version": version,
                "rule_name": d.rule_name or "",
                "rule_book": d.rule_book or "",
                "book": d.book,
                "lp": venue(d.book, d.lp),
                "conditions": None
                if d.conditions is None
                else orjson.dumps(d.conditions, option=orjson.OPT_INDENT_2).decode(),
            }
        )
    return rows


def decision_detail(row: dict[str, Any]) -> list[Any]:
    """Why one order went where it went: the rule version that routed it and its conditions
    (shown as text: Dash escapes it)."""
    facts = [
        ("Order", row.get("order_id")),
        ("Account", row.get("account_id")),
        ("Routed", row.get("time")),
        ("Rule", f"{row.get('rule')} — {row.get('rule_name') or 'unnamed'}"),
        ("Rule's book", row.get("rule_book") or "—"),
        ("Went to", f"{row.get('book')}-book, {row.get('lp') or '—'}"),
    ]
    conditions = row.get("conditions")
    return [
        html.Dl(
            [
                part
                for label, value in facts
                for part in (
                    html.Dt(label, className="col-4 fw-normal text-muted"),
                    html.Dd(str(value), className="col-8 mb-1"),
                )
            ],
            className="row mb-2",
        ),
        html.Div("Conditions of this rule version", className="fw-semibold mb-1"),
        html.Pre(
            html.Code(conditions or "(not recorded: the rule version was never published)"),
            className="bg-light border rounded p-2 small mb-0",
            style={"maxHeight": "320px", "overflow": "auto", "whiteSpace": "pre-wrap"},
        ),
    ]


def _problem(error: FilterError) -> go.Figure:
    return empty_figure(f"Cannot show this: {error}", height=charts.HEIGHT)


def register(app: dash.Dash) -> None:
    # The charts and the order list under the flow load once it is drawn.
    after_main_figure(app, ids.FLOW, ids.READY)
    # The reject rates and the order list once the shares are drawn: one wave at a time.
    after_main_figure(app, ids.SHARES, ids.LATER)

    @app.callback(
        Output(ids.SYMBOLS, "options"),
        Output(ids.LPS, "options"),
        Output(ids.RULES, "options"),
        Output(ids.DECISIONS_RULE, "options"),
        Input(ids.READY, "data"),
    )
    @require_role("analyst")
    def load_options(_ready: int | None) -> tuple[list[str], list[str], list[str], list[str]]:
        # After the flow (not needed to draw it); again after each redraw, from the cache.
        values = filter_choices()
        lps = [lp for lp in values["lps"] if lp != "INTERNAL"]
        return values["symbols"], lps, values["rules"], values["rules"]

    @app.callback(Output(ids.SUMMARY, "children"), Output(ids.FLOW, "figure"), *FILTER_INPUTS)
    @require_role("analyst")
    def show_flow(*filters: Any) -> tuple[Any, go.Figure]:
        try:
            f = window_filter(*filters)
        except FilterError as error:
            return None, _problem(error)
        with engine().connect() as conn:
            summary = routing_summary(conn, f)
        return summary_tiles(summary), charts.flow_sankey(summary.flow.as_dict())

    @app.callback(
        Output(ids.SHARES, "figure"),
        *FILTER_INPUTS,
        Input(ids.BUCKET, "value"),
        Input(ids.SHARE_MEASURE, "value"),
        Input(ids.READY, "data"),
    )
    @require_role("analyst")
    def show_shares(*values: Any) -> go.Figure:
        *filters, bucket, measure, _ready = values
        try:
            f = window_filter(*filters)
            with engine().connect() as conn:
                over_time = routing_shares_over_time(conn, f, parse_bucket(bucket or "15m"))
        except FilterError as error:
            return _problem(error)
        shown: ShareMeasure = "notional" if measure == "notional" else "count"
        return charts.book_shares_area(over_time, shown, current_timezone())

    @app.callback(
        Output(ids.REJECTS, "figure"),
        *FILTER_INPUTS,
        Input(ids.BUCKET, "value"),
        Input(ids.LATER, "data"),
    )
    @require_role("analyst")
    def show_rejects(*values: Any) -> go.Figure:
        *filters, bucket, _ready = values
        try:
            f = window_filter(*filters)
            with engine().connect() as conn:
                series = reject_rate_series(conn, f, parse_bucket(bucket or "15m"))
        except FilterError as error:
            return _problem(error)
        return charts.reject_rate_lines(series[series["lp"] != "INTERNAL"], current_timezone())

    @app.callback(
        Output(ids.DECISIONS_GRID, "rowData"),
        Output(ids.DECISIONS_COUNT, "children"),
        Output(ids.DECISIONS_PAGES, "max_value"),
        Output(ids.DECISIONS_PAGES, "active_page"),
        *FILTER_INPUTS,
        Input(ids.DECISIONS_RULE, "value"),
        Input(ids.DECISIONS_PAGES, "active_page"),
        Input(ids.LATER, "data"),
    )
    @require_role("analyst")
    def list_decisions(*values: Any) -> tuple[list[dict[str, Any]], str, int, int]:
        *filters, rule, page, _ready = values
        if rule:
            filters[4] = [rule]
        # A new filter starts again at the first page; only the pager itself turns pages.
        page = int(page or 1) if ctx.triggered_id == ids.DECISIONS_PAGES else 1
        try:
            f = window_filter(*filters)
        except FilterError as error:
            return [], f"Cannot list orders: {error}", 1, 1
        with engine().connect() as conn:
            decisions, total = routing_decisions(conn, f, page, PAGE_SIZE)
        pages = max(1, math.ceil(total / PAGE_SIZE))
        if total == 0:
            return [], "No orders in this window.", 1, 1
        first = (page - 1) * PAGE_SIZE + 1
        shown = f"Orders {first:,}–{first + len(decisions) - 1:,} of {total:,}, newest first."
        return decision_rows(decisions, current_timezone()), shown, pages, page

    @app.callback(
        Output(ids.DECISION_DETAIL, "children"),
        Input(ids.DECISIONS_GRID, "selectedRows"),
        prevent_initial_call=True,
    )
    @require_role("analyst")
    def show_decision(selected: list[dict[str, Any]] | None) -> Any:
        if not selected:
            raise dash.exceptions.PreventUpdate
        return decision_detail(selected[0])
