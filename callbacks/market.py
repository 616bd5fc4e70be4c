"""Market: candles with indicators and fills (``market.candles`` / ``market.fills``), the
volatility heatmap and the cumulative P/L per LP (``app.queries.market``)."""

from __future__ import annotations

import datetime as dt

import dash
import plotly.graph_objects as go
from dash import Input, Output, State

from app.charts import market as charts
from app.charts.theme import empty_figure
from app.queries.filters import Bucket, Filter, parse_bucket
from app.queries.market import candles, cumulative_pnl_by_lp, fills, volatility_by_hour
from callbacks.filter_inputs import engine, filter_from_inputs
from callbacks.page_reads import after_main_figure, filter_choices
from pages.ids import market as ids
from tradedash.auth import require_role
from tradedash.preferences import current_timezone

DEFAULT_SYMBOL = "EURUSD"
PNL_BUCKETS: dict[str, Bucket] = {"15m": "1m", "1h": "1m", "24h": "15m", "7d": "1h", "30d": "1d"}
"""The P/L curve's resolution for each window."""
PNL_SPANS: tuple[tuple[dt.timedelta, Bucket], ...] = (
    (dt.timedelta(hours=1), "1m"),
    (dt.timedelta(hours=24), "15m"),
    (dt.timedelta(days=7), "1h"),
)
"""A custom range's resolution: the first whose span is at least the range's, else 1 day."""


def pnl_bucket(window: str | None, f: Filter) -> Bucket:
    """The P/L curve's bucket for a preset window or a custom range of ``f``'s length."""
    if window in PNL_BUCKETS:
        return PNL_BUCKETS[window]
    span = f.end - f.start
    return next((bucket for longest, bucket in PNL_SPANS if span <= longest), "1d")


def clock() -> dt.datetime:
    """The present; tests replace it to look at a simulated stream from its own time."""
    return dt.datetime.now(dt.UTC)


def window_filter(window: str | None) -> Filter:
    """The window ending now; the Market page has no dimension filters."""
    return filter_from_inputs(window, now=clock())


def price_figure(symbol: str | None, timeframe: str | None, window: str | None) -> go.Figure:
    """The candle chart of ``symbol`` in ``window`` at ``timeframe``."""
    if not symbol:
        return empty_figure("Choose a symbol", height=640)
    bucket = parse_bucket(timeframe or "5m")
    f = window_filter(window)
    with engine().connect() as conn:
        bars = candles(conn, symbol, f, bucket, warmup=charts.WARMUP_BUCKETS)
        traded = fills(conn, symbol, f)
    return charts.price_chart(
        bars, traded, symbol, visible_from=f.start, timezone=current_timezone()
    )


def register(app: dash.Dash) -> None:
    # The charts under the price chart load once it is drawn.
    after_main_figure(app, ids.PRICE, ids.READY)

    @app.callback(
        Output(ids.SYMBOL, "options"),
        Output(ids.SYMBOL, "value"),
        Input(ids.WINDOW, "id"),
        State(ids.SYMBOL, "value"),
    )
    @require_role("analyst")
    def load_symbols(_id: str, current: str | None) -> tuple[list[str], str | None]:
        # The price chart waits for this one: the other pages' cached choices serve it.
        symbols = filter_choices()["symbols"]
        if current in symbols:
            return symbols, current
        return symbols, DEFAULT_SYMBOL if DEFAULT_SYMBOL in symbols else next(iter(symbols), None)

    @app.callback(
        Output(ids.PRICE, "figure"),
        Input(ids.SYMBOL, "value"),
        Input(ids.TIMEFRAME, "value"),
        Input(ids.WINDOW, "value"),
    )
    @require_role("analyst")
    def show_price(symbol: str | None, timeframe: str | None, window: str | None) -> go.Figure:
        return price_figure(symbol, timeframe, window)

    @app.callback(
        Output(ids.VOLATILITY, "figure"), Input(ids.WINDOW, "value"), Input(ids.READY, "data")
    )
    @require_role("analyst")
    def show_volatility(window: str | None, _ready: int | None = None) -> go.Figure:
        with engine().connect() as conn:
            volatility = volatility_by_hour(conn, window_filter(window))
        return charts.volatility_heatmap(volatility, current_timezone(), clock())

    @app.callback(Output(ids.PNL, "figure"), Input(ids.WINDOW, "value"), Input(ids.READY, "data"))
    @require_role("analyst")
    def show_pnl(window: str | None, _ready: int | None = None) -> go.Figure:
        with engine().connect() as conn:
            f = window_filter(window)
            pnl = cumulative_pnl_by_lp(conn, f, pnl_bucket(window, f))
        return charts.cumulative_pnl_by_lp(pnl, current_timezone())
