"""Exposure page: the heatmap and its drill-down, utilisation, concentration and exposure over
time (``app.queries.exposure``), and the admins' limit form (``app.limits.set_limit``)."""

from __future__ import annotations

import datetime as dt
import math
from typing import Any

import dash
import pandas as pd
import plotly.graph_objects as go
from dash import Input, Output, State, ctx, html, no_update

from app.auth.permissions import Permission
from app.charts import exposure as charts
from app.charts.theme import empty_figure
from app.formatting import local_time, money, zone
from app.limits_admin import symbol_limits
from app.queries.exposure import (
    exposure_cell_orders,
    exposure_heatmap,
    exposure_now,
    exposure_over_time,
)
from app.queries.filters import BUCKET_WIDTHS, Bucket, Filter, FilterError, parse_bucket
from callbacks import transaction
from callbacks.admin_limits import save as save_limit
from callbacks.filter_inputs import engine, filter_from_inputs
from callbacks.live_updates import is_refresh, live_inputs, patched, register_live_badge
from callbacks.page_reads import after_main_figure, filter_choices
from pages.ids import exposure as ids
from pages.live import shape_id
from tradedash.auth import require_permission, require_role
from tradedash.preferences import current_timezone, current_viewer

PAGE_SIZE = 25
DEFAULT_BUCKET: Bucket = "15m"


def clock() -> dt.datetime:
    """The present; tests replace it to look at a simulated stream from its own time."""
    return dt.datetime.now(dt.UTC)


def window_filter(window: str | None, symbols: list[str] | None) -> Filter:
    """The filter bar's values as the read models' Filter, ending now (only symbols apply)."""
    return filter_from_inputs(window, symbols, now=clock())


def cell_of(click: dict[str, Any] | None, timezone: str = "UTC") -> tuple[str, dt.datetime] | None:
    """The (symbol, bucket start in UTC) of a clicked heatmap cell, whose time axis is in the
    user's ``timezone``; None for any other click."""
    points = (click or {}).get("points") or []
    if not points or "y" not in points[0] or "x" not in points[0]:
        return None
    start = pd.Timestamp(points[0]["x"])
    if start.tzinfo is None:
        start = start.tz_localize(zone(timezone))
    start = start.tz_convert("UTC")
    return str(points[0]["y"]), start.to_pydatetime()


def cell_rows(fills: pd.DataFrame, timezone: str = "UTC") -> list[dict[str, Any]]:
    """The drill-down grid's rows (fill times in ``timezone``)."""
    return [
        {
            "row_id": f"{fill.order_id}-{i}",
            "fill_time": local_time(
                pd.Timestamp(fill.fill_ts).to_pydatetime(), timezone, "%H:%M:%S"
            ),
            "order_id": fill.order_id,
            "account_id": fill.account_id,
            "segment": fill.client_segment or "unknown",
            "side": fill.side,
            "fill_qty": float(fill.fill_qty),
            "fill_price": float(fill.fill_price),
            "position_delta": float(fill.position_delta),
            "rule": f"{fill.rule_id} v{fill.rule_version}",
        }
        for i, fill in enumerate(fills.itertuples(index=False))
    ]


def total_line(
    now: pd.DataFrame, at: dt.datetime, timezone: str = "UTC", currency: str = "USD"
) -> html.Div:
    """One sentence with the total notional (in ``currency`` when every position converts to
    it, else USD) and the symbols over their limit."""
    in_usd = now["notional_usd"].astype("float64")
    converted = now["notional"].astype("float64")
    if currency != "USD" and converted.notna().sum() == in_usd.notna().sum():
        total = money(float(converted.sum(skipna=True)), currency)
    else:
        total = money(float(in_usd.sum(skipna=True)), "USD")
    # .loc: an empty mask must select no rows, not be taken for a list of columns.
    over = now.loc[now["utilisation"].astype("float64") >= 1.0, "symbol"].tolist()
    unknown = now.loc[now["unconverted"].astype(bool), "symbol"].tolist()
    parts: list[Any] = [
        html.Strong(total),
        f" of notional exposure at {local_time(at, timezone, '%Y-%m-%d %H:%M')}. ",
        f"Over the limit: {', '.join(over)}. " if over else "No symbol is over its limit. ",
    ]
    if unknown:
        parts.append(f"Without a price or USD rate (not counted): {', '.join(unknown)}.")
    return html.Div(parts, className="bg-white border rounded px-3 py-2")


def _problem(error: FilterError) -> go.Figure:
    return empty_figure(f"Cannot show this: {error}", height=charts.HEIGHT)


def register(app: dash.Dash) -> None:
    register_live_badge(app, ids.LIVE)
    _register_charts(app)
    _register_drill_down(app)
    _register_limit_form(app)


def _register_charts(app: dash.Dash) -> None:
    # The charts under the heatmap load once it is drawn.
    after_main_figure(app, ids.HEATMAP, ids.READY)
    # Utilisation and concentration once the exposure over time is drawn: one wave at a time.
    after_main_figure(app, ids.OVER_TIME, ids.LATER)

    @app.callback(Output(ids.SYMBOLS, "options"), Input(ids.READY, "data"))
    @require_role("analyst")
    def load_options(_ready: int | None) -> list[str]:
        # After the heatmap (not needed to draw it); again after each redraw, from the cache.
        return filter_choices()["symbols"]

    @app.callback(
        Output(ids.HEATMAP, "figure"),
        Output(shape_id(ids.HEATMAP), "data"),
        Input(ids.WINDOW, "value"),
        Input(ids.SYMBOLS, "value"),
        Input(ids.BUCKET, "value"),
        Input(ids.MEASURE, "value"),
        Input(ids.LIMITS_CHANGED, "data"),
        *live_inputs(ids.LIVE),
        State(shape_id(ids.HEATMAP), "data"),
    )
    @require_role("analyst")
    def show_heatmap(
        window: str | None,
        symbols: list[str] | None,
        bucket: str | None,
        measure: str | None,
        _c: int,
        _tick: int | None = None,
        _live: Any = None,
        shape: list[Any] | None = None,
    ) -> tuple[Any, list[Any] | None]:
        measure = "utilisation" if measure == "utilisation" else "net"
        try:
            f = window_filter(window, symbols)
            with engine().connect() as conn:
                matrix = exposure_heatmap(conn, f, parse_bucket(bucket or DEFAULT_BUCKET), measure)
        except FilterError as error:
            return _problem(error), None
        figure = charts.exposure_heatmap(matrix, measure, current_timezone())
        figure.update_layout(uirevision=f"{window}|{symbols}|{bucket}|{measure}")
        return patched(figure, shape, is_refresh(ids.LIVE))

    @app.callback(
        Output(ids.UTILISATION, "figure"),
        Output(ids.CONCENTRATION, "figure"),
        Output(ids.TOTAL, "children"),
        Input(ids.WINDOW, "value"),
        Input(ids.SYMBOLS, "value"),
        Input(ids.LIMITS_CHANGED, "data"),
        Input(ids.LATER, "data"),
        *live_inputs(ids.LIVE),
    )
    @require_role("analyst")
    def show_now(
        window: str | None,
        symbols: list[str] | None,
        _c: int,
        _ready: int | None = None,
        _tick: int | None = None,
        _live: Any = None,
    ) -> tuple[go.Figure, go.Figure, Any]:
        f = window_filter(window, symbols)
        viewer = current_viewer()
        with engine().connect() as conn:
            now = exposure_now(conn, f, currency=viewer.currency)
        total = total_line(now, f.end, viewer.timezone, viewer.currency)
        bars, pie = charts.utilisation_bars(now), charts.concentration_pie(now)
        for figure in (bars, pie):  # a legend click or zoom stays across refreshes
            figure.update_layout(uirevision=f"{window}|{symbols}")
        return bars, pie, total

    @app.callback(
        Output(ids.OVER_TIME, "figure"),
        Output(shape_id(ids.OVER_TIME), "data"),
        Input(ids.WINDOW, "value"),
        Input(ids.SYMBOLS, "value"),
        Input(ids.BUCKET, "value"),
        Input(ids.LIMITS_CHANGED, "data"),
        Input(ids.READY, "data"),
        *live_inputs(ids.LIVE),
        State(shape_id(ids.OVER_TIME), "data"),
    )
    @require_role("analyst")
    def show_over_time(
        window: str | None,
        symbols: list[str] | None,
        bucket: str | None,
        _c: int,
        _ready: int | None = None,
        _tick: int | None = None,
        _live: Any = None,
        shape: list[Any] | None = None,
    ) -> tuple[Any, list[Any] | None]:
        try:
            f = window_filter(window, symbols)
            with engine().connect() as conn:
                over_time = exposure_over_time(conn, f, parse_bucket(bucket or DEFAULT_BUCKET))
        except FilterError as error:
            return _problem(error), None
        figure = charts.exposure_lines(over_time, current_timezone())
        figure.update_layout(uirevision=f"{window}|{symbols}|{bucket}")
        return patched(figure, shape, is_refresh(ids.LIVE))


def _register_drill_down(app: dash.Dash) -> None:
    @app.callback(
        Output(ids.CELL_TITLE, "children"),
        Output(ids.CELL_GRID, "rowData"),
        Output(ids.CELL_PAGES, "max_value"),
        Output(ids.CELL_PAGES, "active_page"),
        Input(ids.HEATMAP, "clickData"),
        Input(ids.CELL_PAGES, "active_page"),
        State(ids.WINDOW, "value"),
        State(ids.BUCKET, "value"),
        prevent_initial_call=True,
    )
    @require_role("analyst")
    def show_cell(
        click: dict[str, Any] | None, page: int | None, window: str | None, bucket: str | None
    ) -> tuple[Any, list[dict[str, Any]], int, int]:
        cell = cell_of(click, current_timezone())
        if cell is None:
            raise dash.exceptions.PreventUpdate
        symbol, start = cell
        page = int(page or 1) if ctx.triggered_id == ids.CELL_PAGES else 1
        # The last bucket ends at the window's end, not a whole width later.
        width = BUCKET_WIDTHS[parse_bucket(bucket or DEFAULT_BUCKET)]
        end = min(start + width, window_filter(window, None).end)
        if end <= start:
            return "That bucket has not started yet.", [], 1, 1
        with engine().connect() as conn:
            fills, total = exposure_cell_orders(conn, symbol, start, end - start, page, PAGE_SIZE)
        timezone = current_timezone()
        span = f"{symbol}, {local_time(start, timezone, '%Y-%m-%d %H:%M')}–"
        span += local_time(end, timezone, "%H:%M")
        if total == 0:
            return f"{span}: no B-book fills; the position was carried over.", [], 1, 1
        change = float(fills["position_delta"].sum()) if total <= PAGE_SIZE else None
        summary = f"{span}: {total:,} B-book fill{'s' if total != 1 else ''}"
        if change is not None:
            summary += f", net position change {change:+,.2f}"
        pages = max(1, math.ceil(total / PAGE_SIZE))
        return summary + ".", cell_rows(fills, timezone), pages, page


def _register_limit_form(app: dash.Dash) -> None:
    @app.callback(Output(ids.LIMIT_SYMBOL_OPTIONS, "children"), Input(ids.LIMITS_CHANGED, "data"))
    @require_permission(Permission.MANAGE_LIMITS)
    def list_symbols(_changes: int) -> list[html.Option]:
        with transaction() as db:
            return [html.Option(value=limit.symbol) for limit in symbol_limits(db)]

    @app.callback(
        output={
            "symbol_invalid": Output(ids.LIMIT_SYMBOL, "invalid"),
            "symbol_feedback": Output(ids.LIMIT_SYMBOL_FEEDBACK, "children"),
            "limit_invalid": Output(ids.LIMIT_USD, "invalid"),
            "limit_feedback": Output(ids.LIMIT_USD_FEEDBACK, "children"),
            "status": Output(ids.LIMIT_STATUS, "children"),
            "status_color": Output(ids.LIMIT_STATUS, "color"),
            "status_open": Output(ids.LIMIT_STATUS, "is_open"),
            "changes": Output(ids.LIMITS_CHANGED, "data"),
        },
        inputs={
            "_clicks": Input(ids.LIMIT_SAVE, "n_clicks"),
            "symbol": State(ids.LIMIT_SYMBOL, "value"),
            "limit": State(ids.LIMIT_USD, "value"),
            "changes": State(ids.LIMITS_CHANGED, "data"),
        },
        prevent_initial_call=True,
    )
    @require_permission(Permission.MANAGE_LIMITS)
    def on_save(
        _clicks: int, symbol: str | None, limit: object, changes: int | None
    ) -> dict[str, Any]:
        out = save_limit(symbol or "", limit)
        out["changes"] = no_update if out["changes"] is no_update else (changes or 0) + 1
        return out
