"""Overview: every five seconds, the KPI cards (``app.queries.overview.desk_kpis``) with volume
by hour, and, in a second callback that runs beside the first, the LP status board with the
latest alerts. Each stays well under the interval on a demo-size database."""

from __future__ import annotations

import datetime as dt
from typing import Any

import dash
import pandas as pd
import plotly.graph_objects as go
from dash import Input, Output, html

from app.charts.execution import volume_by_hour as volume_chart
from app.charts.theme import STATUS_COLOURS
from app.queries.overview import DeskKpis, desk_kpis, lp_board, recent_alerts, volume_by_hour
from callbacks.filter_inputs import engine, filter_from_inputs
from pages.ids import overview as ids
from tradedash.auth import require_role


def clock() -> dt.datetime:
    """The present; tests replace it to look at a simulated stream from its own time."""
    return dt.datetime.now(dt.UTC)


def _percent(value: float | None, digits: int = 1) -> str:
    return "–" if value is None else f"{value:.{digits}%}"


def _money(value: float) -> str:
    sign = "−" if value < 0 else ""
    return f"{sign}${abs(value):,.0f}"


def kpi_texts(kpis: DeskKpis) -> dict[str, tuple[str, str]]:
    """KPI name → (value, note) as the cards show them."""
    a_share = kpis.a_book_share
    split = "–" if a_share is None else f"{a_share:.0%} / {1 - a_share:.0%}"
    p99 = "–" if kpis.latency_p99_ms is None else f"{kpis.latency_p99_ms:,.1f} ms"
    unconverted = (
        f"; {kpis.exposure_unconverted} symbol(s) without a rate left out"
        if kpis.exposure_unconverted
        else ""
    )
    return {
        "orders_rate": (f"{kpis.orders_per_second:,.2f}", "over the last minute"),
        "ab_split": (split, f"A-book / B-book of {kpis.orders:,} orders"),
        "fill_ratio": (_percent(kpis.fill_ratio), f"of {kpis.attempts:,} attempts"),
        "reject_rate": (_percent(kpis.reject_rate, 2), f"of {kpis.attempts:,} attempts"),
        "latency_p99": (p99, "all LPs, from histograms"),
        "exposure": (_money(kpis.exposure_usd), "B-book, Σ |net| × mid" + unconverted),
        "pnl_today": (_money(kpis.pnl_today_usd), f"{kpis.trades_today:,} trades since 00:00 UTC"),
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


def alert_lines(alerts: pd.DataFrame) -> list[Any]:
    """The latest alerts, or a muted line saying there are none."""
    if alerts.empty:
        return [html.P("No alerts.", className="text-muted mb-0")]
    return [
        html.Div(
            [
                html.Span(row.severity, className=f"alert-severity alert-{row.severity}"),
                html.Span(row.fired_at.strftime("%Y-%m-%d %H:%M:%S UTC"), className="alert-time"),
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
}


def desk(window: str | None) -> dict[str, Any]:
    """The KPI cards and volume by hour for ``window`` ending now."""
    f = filter_from_inputs(window, now=clock())
    with engine().connect() as conn:
        kpis = desk_kpis(conn, f)
        volume = volume_by_hour(conn, f)
    out: dict[str, Any] = {}
    for name, (value, note) in kpi_texts(kpis).items():
        out[f"{name}_value"], out[f"{name}_note"] = value, note
    figure: go.Figure = volume_chart(volume)
    out.update(volume=figure, updated=f"Updated {f.end:%H:%M:%S} UTC")
    return out


def register(app: dash.Dash) -> None:
    @app.callback(
        output=OUTPUTS,
        inputs={"_tick": Input(ids.TICK, "n_intervals"), "window": Input(ids.WINDOW, "value")},
    )
    @require_role("analyst")
    def refresh(_tick: int | None, window: str | None) -> dict[str, Any]:
        return desk(window)

    @app.callback(
        Output(ids.LP_BOARD, "children"),
        Output(ids.ALERTS, "children"),
        Input(ids.TICK, "n_intervals"),
    )
    @require_role("analyst")
    def refresh_lps(_tick: int | None) -> tuple[list[Any], list[Any]]:
        at = clock()
        with engine().connect() as conn:
            board = lp_board(conn, at)
            alerts = recent_alerts(conn, at)
        return lp_lights(board), alert_lines(alerts)
