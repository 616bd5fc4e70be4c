"""Risk page: VaR and ES (``app.queries.risk.var_report``), the book's drawdown
(``pnl_curve``), the margin watchlist (``app.queries.margin``) and Sharpe per LP
(``lp_sharpe``, the figures of ``results_by(by="lp")``) against its mean slippage
(``lp_scorecard``)."""

from __future__ import annotations

import dataclasses
import math
from typing import Any

import dash
import dash_bootstrap_components as dbc
import pandas as pd
import plotly.graph_objects as go
from dash import Input, Output, html

from app.charts.risk import (
    book_drawdown_figure,
    lp_risk_points,
    sharpe_slippage_figure,
    var_figure,
    var_table,
)
from app.formatting import Reporting
from app.queries.execution import lp_scorecard
from app.queries.filters import MAX_WINDOW, Filter
from app.queries.margin import margin_watchlist
from app.queries.results import pnl_curve
from app.queries.risk import lp_sharpe, var_report
from callbacks import local_text
from callbacks.filter_inputs import engine, filter_from_inputs
from callbacks.page_reads import after_main_figure, reads, reporting
from pages.ids import risk as ids
from tradedash.auth import require_role
from tradedash.preferences import current_timezone

FILTER_NAMES = ("window", "symbols", "lps", "books", "rules")
MAX_VAR_DAYS = 1000
MAX_THRESHOLD = 10_000.0


def filter_inputs() -> list[Input]:
    return [Input(f"{ids.FILTERS}-{name}", "value") for name in FILTER_NAMES]


def var_days_input(text: object) -> tuple[int | None, str]:
    """(days, "") or (None, the message under the field)."""
    raw = str(text if text is not None else "").replace(",", "").strip()
    if raw.isdigit() and 1 <= int(raw) <= MAX_VAR_DAYS:
        return int(raw), ""
    return None, f"Enter a whole number of days from 1 to {MAX_VAR_DAYS:,}."


def threshold_input(text: object) -> tuple[float | None, str]:
    """(percent, "") or (None, the message under the field)."""
    raw = str(text if text is not None else "").replace(",", "").replace("%", "").strip()
    try:
        value = float(raw)
    except ValueError:
        value = math.nan
    if math.isfinite(value) and 0 < value <= MAX_THRESHOLD:
        return value, ""
    return None, f"Enter a margin level above 0 and at most {MAX_THRESHOLD:,.0f} %."


def var_history(f: Filter) -> Filter:
    """The filter's dimensions over the longest window allowed: VaR needs up to 250+ days."""
    return dataclasses.replace(f, start=f.end - MAX_WINDOW)


def _money(value: float | None) -> str:
    return "—" if value is None or math.isnan(value) else f"{value:,.2f}"


def in_reporting(table: pd.DataFrame, shown: Reporting) -> pd.DataFrame:
    """:func:`var_table` with VaR and ES (USD) in the ``shown`` currency."""
    converted = table.copy()
    for column in ("var95", "es95"):
        converted[column] = [shown.amount(v) for v in table[column].astype("float64")]
        converted[column] = converted[column].astype("float64")
    return converted


def var_rows_table(table: pd.DataFrame, shown: Reporting | None = None) -> dbc.Table | html.P:
    """VaR and ES per scope (in the ``shown`` currency, named in the header) with the days
    each used (the book last, in bold)."""
    shown = shown or Reporting()
    if table.empty or table["trades"].sum() == 0:
        return html.P("No closed trades for this filter.", className="text-muted")
    header = html.Thead(
        html.Tr(
            [
                html.Th(h, className=c)
                for h, c in (
                    ("Scope", ""),
                    (shown.label("VaR 95 %"), "text-end"),
                    (shown.label("ES 95 %"), "text-end"),
                    ("Days used", "text-end"),
                    ("Trades", "text-end"),
                )
            ]
        )  # fmt: skip
    )
    body = html.Tbody(
        [
            html.Tr(
                [
                    html.Td(row.scope),
                    html.Td(_money(row.var95), className="text-end"),
                    html.Td(_money(row.es95), className="text-end"),
                    html.Td(f"{row.days_used:,}", className="text-end"),
                    html.Td(f"{row.trades:,}", className="text-end"),
                ],
                className="fw-semibold" if index == len(table) - 1 else "",
            )
            for index, row in enumerate(table.itertuples(index=False))
        ]
    )
    return dbc.Table([header, body], size="sm", striped=True, className="var-table")


def watchlist_rows(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """The margin grid's rows, lowest margin level first."""
    return [
        {
            "key": f"{row.client_ref}/{index}",
            "client_ref": row.client_ref,
            "margin_level": round(float(row.margin_level), 2),
            "equity": float(row.equity),
            "margin_used": float(row.margin_used),
            "currency": row.currency,
            "snapshot": local_text(row.ts.to_pydatetime()),
        }
        for index, row in enumerate(frame.itertuples(index=False))
    ]


def register(app: dash.Dash) -> None:
    # The figures under the VaR chart load once it is drawn.
    after_main_figure(app, ids.VAR_GRAPH, ids.READY)
    # The LP scatter once the drawdown is drawn: one wave at a time under the main figure.
    after_main_figure(app, ids.DRAWDOWN, ids.LATER)

    @app.callback(
        Output(ids.VAR_DAYS, "invalid"),
        Output(ids.VAR_DAYS_FEEDBACK, "children"),
        Output(ids.VAR_GRAPH, "figure"),
        Output(ids.VAR_TABLE, "children"),
        *filter_inputs(),
        Input(ids.VAR_DAYS, "value"),
    )
    @require_role("analyst")
    def show_var(
        window: str | None,
        symbols: list[str] | None,
        lps: list[str] | None,
        books: list[str] | None,
        rules: list[str] | None,
        days_text: str | None,
    ) -> tuple[bool, str, Any, Any]:
        days, problem = var_days_input(days_text)
        if days is None:
            return True, problem, dash.no_update, dash.no_update
        f = var_history(filter_from_inputs(window, symbols, lps, books, rules))
        with engine().connect() as conn:
            table = var_table(var_report(conn, f, days))
            shown = reporting(conn, f.end)
        table = in_reporting(table, shown)
        figure = var_figure(table, shown.label("1-day loss"))
        return False, "", figure, var_rows_table(table, shown)

    @app.callback(Output(ids.DRAWDOWN, "figure"), *filter_inputs(), Input(ids.READY, "data"))
    @require_role("analyst")
    def show_drawdown(
        window: str | None,
        symbols: list[str] | None,
        lps: list[str] | None,
        books: list[str] | None,
        rules: list[str] | None,
        _ready: int | None = None,
    ) -> go.Figure:
        f = filter_from_inputs(window, symbols, lps, books, rules)
        with engine().connect() as conn:
            curve = pnl_curve(conn, f)
        return book_drawdown_figure(curve, current_timezone())

    @app.callback(
        Output(ids.MARGIN_THRESHOLD, "invalid"),
        Output(ids.MARGIN_THRESHOLD_FEEDBACK, "children"),
        Output(ids.MARGIN_GRID, "rowData"),
        Output(ids.MARGIN_SUMMARY, "children"),
        Input(ids.MARGIN_THRESHOLD, "value"),
        Input(ids.REFRESH, "n_intervals"),
        Input(ids.READY, "data"),
    )
    @require_role("analyst")
    def show_watchlist(
        threshold_text: str | None, _ticks: int | None, _ready: int | None = None
    ) -> tuple[bool, str, Any, Any]:
        threshold, problem = threshold_input(threshold_text)
        if threshold is None:
            return True, problem, dash.no_update, dash.no_update
        with engine().connect() as conn:
            rows = watchlist_rows(margin_watchlist(conn, threshold))
        if not rows:
            summary = html.P(
                f"No account is below {threshold:g} %.", className="text-success mt-md-4"
            )
        else:
            calls = sum(1 for row in rows if row["margin_level"] < 100)
            summary = html.P(
                [
                    html.Strong(f"{len(rows):,}"),
                    f" account(s) below {threshold:g} %, ",
                    html.Strong(f"{calls:,}", className="text-danger"),
                    " below 100 %.",
                ],
                className="mt-md-4",
            )
        return False, "", rows, summary

    @app.callback(Output(ids.LP_SCATTER, "figure"), *filter_inputs(), Input(ids.LATER, "data"))
    @require_role("analyst")
    def show_lp_scatter(
        window: str | None,
        symbols: list[str] | None,
        lps: list[str] | None,
        books: list[str] | None,
        rules: list[str] | None,
        _ready: int | None = None,
    ) -> go.Figure:
        # LPs are compared across books: the page starts on the B-book, which has one "LP".
        f = filter_from_inputs(window, symbols, lps, None, rules)
        cache = reads()
        with engine().connect() as conn:
            results = cache.read("lp_sharpe", f, lambda: lp_sharpe(conn, f))
            scorecard = cache.read("lp_scorecard", f, lambda: lp_scorecard(conn, f))
            points = lp_risk_points(results, scorecard)
        return sharpe_slippage_figure(points)
