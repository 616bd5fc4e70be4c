"""Overview: every five seconds, the KPI cards (``app.queries.overview.desk_kpis``) with volume
by hour, and, in a second callback that runs beside the first, the LP status board with the
latest alerts. Each stays well under the interval on a demo-size database.

Each answer is also kept in Redis (``app.stale_cache``): while the database cannot be reached
the page shows the last one under a "stale since …" banner instead of an error."""

from __future__ import annotations

import datetime as dt
from typing import Any

import dash
import pandas as pd
import plotly.graph_objects as go
import redis
from dash import Input, Output, Patch, State, ctx, html
from flask import current_app
from sqlalchemy.exc import SQLAlchemyError

from app.charts.execution import volume_by_hour as volume_chart
from app.charts.theme import STATUS_COLOURS, empty_figure
from app.formatting import Reporting, latency_ms, local_time, percent
from app.queries.overview import DeskKpis, desk_kpis, lp_board, recent_alerts, volume_by_hour
from app.stale_cache import last_good, remember
from callbacks.filter_inputs import engine, filter_from_inputs
from callbacks.page_reads import reporting
from pages.ids import overview as ids
from tradedash.auth import require_role
from tradedash.preferences import current_timezone, current_viewer


def clock() -> dt.datetime:
    """The present; tests replace it to look at a simulated stream from its own time."""
    return dt.datetime.now(dt.UTC)


def kpi_texts(kpis: DeskKpis, reporting: Reporting | None = None) -> dict[str, tuple[str, str]]:
    """KPI name → (value, note) as the cards show them, money in the ``reporting`` currency."""
    shown = reporting or Reporting()
    flag = f"; {shown.flag}" if shown.flag else ""
    a_share = kpis.a_book_share
    split = "–" if a_share is None else f"{a_share:.0%} / {1 - a_share:.0%}"
    p99 = latency_ms(kpis.latency_p99_ms)
    unconverted = (
        f"; {kpis.exposure_unconverted} symbol(s) without a rate left out"
        if kpis.exposure_unconverted
        else ""
    )
    return {
        "orders_rate": (f"{kpis.orders_per_second:,.2f}", "over the last minute"),
        "ab_split": (split, f"A-book / B-book of {kpis.orders:,} orders"),
        "fill_ratio": (percent(kpis.fill_ratio), f"of {kpis.attempts:,} attempts"),
        "reject_rate": (percent(kpis.reject_rate, 2), f"of {kpis.attempts:,} attempts"),
        "latency_p99": (p99, "all LPs, from histograms"),
        "exposure": (shown.text(kpis.exposure_usd), "B-book, Σ |net| × mid" + unconverted + flag),
        "pnl_today": (
            shown.text(kpis.pnl_today_usd),
            f"{kpis.trades_today:,} trades since 00:00 UTC" + flag,
        ),
    }


def _age(seconds: float) -> str:
    if seconds < 120:
        return f"{seconds:.0f} s ago"
    if seconds < 7200:
        return f"{seconds / 60:.0f} min ago"
    return f"{seconds / 3600:.0f} h ago"


def lp_lights(board: pd.DataFrame) -> list[Any]:
    """One line per LP: a coloured light, its name, status, 24 h uptime and update age."""
    if board.empty:
        return [html.P("No LP has reported a status yet.", className="text-muted mb-0")]
    lines = []
    for row in board.itertuples(index=False):
        uptime = "uptime unknown" if row.uptime_pct is None else f"{row.uptime_pct:.1%} up (24 h)"
        lines.append(
            html.Div(
                [
                    html.Span(
                        className="lp-light",
                        style={"background": STATUS_COLOURS.get(row.status, "#94a3b8")},
                        title=row.status,
                    ),
                    html.Span(row.lp, className="lp-name"),
                    html.Span(row.status, className=f"lp-status lp-status-{row.status}"),
                    html.Span(uptime, className="lp-uptime"),
                    html.Span(f"last update {_age(row.age_seconds)}", className="lp-age"),
                ],
                className="lp-line",
                title=row.detail or "",
            )
        )
    return lines


def alert_lines(alerts: pd.DataFrame, timezone: str = "UTC") -> list[Any]:
    """The latest alerts, or a muted line saying there are none."""
    if alerts.empty:
        return [html.P("No alerts.", className="text-muted mb-0")]
    return [
        html.Div(
            [
                html.Span(row.severity, className=f"alert-severity alert-{row.severity}"),
                html.Span(local_time(row.fired_at, timezone), className="alert-time"),
                html.Span(row.rule, className="alert-rule"),
                html.Span(row.message, className="alert-message"),
                html.Span(row.state, className="alert-state"),
            ],
            className="alert-line",
        )
        for row in alerts.itertuples(index=False)
    ]


OUTPUTS: dict[str, Output] = {
    **{f"{name}_value": Output(ids.KPI_VALUE[name], "children") for name in ids.KPI_NAMES},
    **{f"{name}_note": Output(ids.KPI_NOTE[name], "children") for name in ids.KPI_NAMES},
    "volume": Output(ids.VOLUME, "figure"),
    "updated": Output(ids.UPDATED, "children"),
    "stale": Output(ids.STALE, "children"),
    "stale_open": Output(ids.STALE, "is_open"),
    "shape": Output(ids.VOLUME_SHAPE, "data"),
}
UNREACHABLE = "The database cannot be reached"


def cache() -> redis.Redis:
    """The web process's Redis client (for the last good answers)."""
    client: redis.Redis = current_app.extensions["tradedash"].redis
    return client


def stale_banner(saved_at: dt.datetime, timezone: str) -> str:
    """The banner over answers served from the cache."""
    since = local_time(saved_at, timezone)
    return f"Stale since {since}: {UNREACHABLE.lower()}, these are the last values read."


def desk(window: str | None) -> dict[str, Any]:
    """The KPI cards and volume by hour for ``window`` ending now (the last good ones, marked
    stale, while the database cannot be reached)."""
    f = filter_from_inputs(window, now=clock())
    timezone = current_timezone()
    currency = current_viewer().currency
    # Per zone and currency: the cached texts are written in them.
    key = f"overview:desk:{window or '24h'}:{timezone}:{currency}"
    try:
        with engine().connect() as conn:
            kpis = desk_kpis(conn, f)
            volume = volume_by_hour(conn, f)
            money_in = reporting(conn, f.end)
    except SQLAlchemyError:
        return _stale_desk(key, timezone)
    out: dict[str, Any] = {}
    for name, (value, note) in kpi_texts(kpis, money_in).items():
        out[f"{name}_value"], out[f"{name}_note"] = value, note
    figure: go.Figure = volume_chart(volume, timezone)
    figure.update_layout(uirevision=window or "24h")  # keep the user's zoom across updates
    out.update(volume=figure, updated=f"Updated {local_time(f.end, timezone, '%H:%M:%S')}")
    remember(cache(), key, out, now=clock())
    return {**out, "stale": "", "stale_open": False, "shape": volume_shape(window, figure)}


def volume_shape(window: str | None, figure: go.Figure) -> list[Any]:
    """What the volume chart shows apart from its numbers: window, traces, emptiness."""
    return [window or "24h", [trace.name for trace in figure.data], len(figure.data) == 0]


def patched(out: dict[str, Any], shape_on_screen: list[Any] | None) -> dict[str, Any]:
    """``out`` with the volume figure sent as a Patch of its traces when the chart on screen
    already shows the same window and traces (so zoom, selection and legend clicks stay)."""
    figure = out["volume"]
    if not isinstance(figure, go.Figure) or out.get("shape") != shape_on_screen:
        return out
    patch = Patch()
    patch["data"] = figure.to_plotly_json()["data"]
    patch["layout"]["title"] = figure.to_plotly_json()["layout"].get("title")
    return {**out, "volume": patch}


def _stale_desk(key: str, timezone: str) -> dict[str, Any]:
    cached = last_good(cache(), key)
    if cached is None:
        out: dict[str, Any] = {name: "–" for name in OUTPUTS}
        for name in ids.KPI_NAMES:
            out[f"{name}_note"] = ""
        message = f"{UNREACHABLE} and no earlier values are cached."
        return {
            **out,
            "volume": empty_figure(message),
            "updated": "",
            "stale": message + " Retrying every few seconds.",
            "stale_open": True,
            "shape": None,
        }
    banner = stale_banner(cached.saved_at, timezone)
    return {**cached.value, "stale": banner, "stale_open": True, "shape": None}


def register(app: dash.Dash) -> None:
    @app.callback(
        output=OUTPUTS,
        inputs={
            "_tick": Input(ids.TICK, "n_intervals"),
            "window": Input(ids.WINDOW, "value"),
            "_live": Input(ids.LIVE, "data"),
            "shape": State(ids.VOLUME_SHAPE, "data"),
        },
    )
    @require_role("analyst")
    def refresh(
        _tick: int | None, window: str | None, _live: Any = None, shape: list[Any] | None = None
    ) -> dict[str, Any]:
        out = desk(window)
        return out if ctx.triggered_id == ids.WINDOW else patched(out, shape)

    app.clientside_callback(
        f"""function(status) {{
            var up = status === "up";
            return [up ? {ids.LIVE_REFRESH_MS} : {ids.REFRESH_MS},
                    up ? "live" : "polling every {ids.REFRESH_MS // 1000} s",
                    "live-badge " + (up ? "live-up" : "live-down")];
        }}""",
        Output(ids.TICK, "interval"),
        Output(ids.LIVE_BADGE, "children"),
        Output(ids.LIVE_BADGE, "className"),
        Input(ids.LIVE_STATUS, "data"),
    )

    @app.callback(
        Output(ids.LP_BOARD, "children"),
        Output(ids.ALERTS, "children"),
        Input(ids.TICK, "n_intervals"),
        Input(ids.LIVE, "data"),
    )
    @require_role("analyst")
    def refresh_lps(_tick: int | None, _live: Any = None) -> tuple[Any, Any]:
        at = clock()
        try:
            with engine().connect() as conn:
                board = lp_board(conn, at)
                alerts = recent_alerts(conn, at)
        except SQLAlchemyError:
            cached = last_good(cache(), "overview:lps")
            if cached is None:
                unreachable = [html.P(f"{UNREACHABLE}.", className="text-muted mb-0")]
                return unreachable, unreachable
            board_lines, alerts_lines = cached.value
            return board_lines, alerts_lines
        answer = (lp_lights(board), alert_lines(alerts, current_timezone()))
        remember(cache(), "overview:lps", answer, now=at)
        return answer
