"""Figures of the Risk page: VaR and expected shortfall per symbol and for the book, the book's
cumulative P/L with its drawdown, and Sharpe against mean slippage per LP. Pure: read-model
frames in, a plotly Figure out; money in USD, times in UTC.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from .downsample import for_screen
from .results import LOSS, MUTED, PROFIT, TOTAL, empty_figure, style
from .time_axis import local_times, time_title

BOOK_LABEL = "Book"
VAR_COLUMNS = ["scope", "var95", "es95", "days_used", "trades", "unconverted"]


def var_table(report: Mapping[str, Any]) -> pd.DataFrame:
    """The rows of :func:`var_report` as one frame: each symbol, then the whole book."""
    rows = [
        {"scope": row["symbol"], **{c: row[c] for c in VAR_COLUMNS[1:]}}
        for row in report["symbols"]
    ]
    rows.append({"scope": BOOK_LABEL, **{c: report["book"][c] for c in VAR_COLUMNS[1:]}})
    return pd.DataFrame(rows, columns=VAR_COLUMNS)


def var_figure(table: pd.DataFrame, y_title: str = "1-day loss (USD)") -> go.Figure:
    """Grouped bars of VaR 95 % and ES 95 % (1-day, in the table's currency, named by
    ``y_title``) per scope of :func:`var_table`."""
    known = table[table["var95"].notna()]
    if known.empty:
        return empty_figure("No daily P/L to estimate VaR from")
    figure = go.Figure()
    for column, name, colour in (("var95", "VaR 95 %", TOTAL), ("es95", "ES 95 %", LOSS)):
        figure.add_trace(
            go.Bar(
                x=known["scope"],
                y=known[column],
                name=name,
                marker={"color": colour},
                customdata=known["days_used"],
                hovertemplate="%{x}: %{y:,.2f}<br>%{customdata} days used"
                f"<extra>{name}</extra>",
            )
        )
    figure.update_layout(barmode="group")
    return style(figure, y_title=y_title)


def book_drawdown_figure(curve: pd.DataFrame, timezone: str = "UTC") -> go.Figure:
    """The book's cumulative P/L (top) and its drawdown below the running peak (bottom), from
    a :func:`pnl_curve` frame, against close times in ``timezone``."""
    if curve.empty:
        return empty_figure("No closed trades in this window")
    curve = for_screen(curve, ["cumulative_pnl", "drawdown"])
    times = local_times(curve["ts"], timezone)
    figure = make_subplots(
        rows=2, cols=1, shared_xaxes=True, vertical_spacing=0.06, row_heights=[0.6, 0.4]
    )
    figure.add_trace(
        go.Scatter(
            x=times,
            y=curve["cumulative_pnl"],
            name="Cumulative P/L",
            mode="lines",
            line={"shape": "hv", "color": TOTAL, "width": 2},
            hovertemplate="%{x|%Y-%m-%d %H:%M}<br>%{y:,.2f} USD<extra>P/L</extra>",
        ),
        row=1,
        col=1,
    )
    figure.add_trace(
        go.Scatter(
            x=times,
            y=-curve["drawdown"],
            name="Drawdown",
            mode="lines",
            line={"shape": "hv", "color": LOSS, "width": 1.5},
            fill="tozeroy",
            hovertemplate="%{x|%Y-%m-%d %H:%M}<br>%{y:,.2f} USD<extra>Drawdown</extra>",
        ),
        row=2,
        col=1,
    )
    figure = style(figure)
    figure.update_layout(height=420)
    figure.update_yaxes(title_text="P/L (USD)", row=1, col=1)
    figure.update_yaxes(title_text="Drawdown (USD)", row=2, col=1)
    figure.update_xaxes(title_text=time_title(timezone, "Close time"), row=2, col=1)
    return figure


def lp_risk_points(
    results: Iterable[Mapping[str, Any]], scorecard: Iterable[Mapping[str, Any]]
) -> pd.DataFrame:
    """Per LP with both: ``lp``, ``sharpe`` (from ``results_by(by="lp")``), ``slippage_pips``
    (mean, from ``lp_scorecard``), ``trades`` and ``net_pnl``, sorted by LP."""
    slippage = {row["lp"]: row.get("slippage_pips_mean") for row in scorecard}
    rows = [
        {
            "lp": row["lp"],
            "sharpe": row.get("sharpe"),
            "slippage_pips": slippage.get(row["lp"]),
            "trades": row.get("trades", 0),
            "net_pnl": row.get("net_pnl"),
        }
        for row in results
        if row["lp"] in slippage
    ]
    columns = ["lp", "sharpe", "slippage_pips", "trades", "net_pnl"]
    return pd.DataFrame(rows, columns=columns).sort_values("lp", ignore_index=True)


def padded_range(values: pd.Series, share: float = 0.2) -> list[float]:
    """[low, high] covering the values and 0, widened by ``share`` of the span each side."""
    low, high = min(float(values.min()), 0.0), max(float(values.max()), 0.0)
    pad = (high - low) * share or 1.0
    return [low - pad, high + pad]


def sharpe_slippage_figure(points: pd.DataFrame) -> go.Figure:
    """A point per LP: mean slippage (pips, positive = better for the client) against the
    Sharpe ratio of the positions it took; LPs missing either value are counted, not drawn."""
    drawn = points.dropna(subset=["sharpe", "slippage_pips"])
    if drawn.empty:
        return empty_figure("No LP has both a Sharpe ratio (2+ days of trades) and fills")
    figure = go.Figure(
        go.Scatter(
            x=drawn["slippage_pips"],
            y=drawn["sharpe"],
            text=drawn["lp"],
            mode="markers+text",
            textposition="top center",
            marker={
                "size": 14,
                "color": [PROFIT if (pnl or 0) >= 0 else LOSS for pnl in drawn["net_pnl"]],
                "line": {"width": 1, "color": "#fff"},
            },
            customdata=list(zip(drawn["trades"], drawn["net_pnl"], strict=True)),
            hovertemplate="%{text}<br>slippage %{x:.2f} pips<br>Sharpe %{y:.2f}<br>"
            "%{customdata[0]} trades, %{customdata[1]:,.2f} USD<extra></extra>",
            showlegend=False,
        )
    )
    figure.add_hline(y=0, line={"color": "#94a3b8", "dash": "dot"})
    figure.add_vline(x=0, line={"color": "#94a3b8", "dash": "dot"})
    # Room around the points (and 0) so that the LP names are never cut off at an edge.
    figure.update_xaxes(range=padded_range(drawn["slippage_pips"]))
    figure.update_yaxes(range=padded_range(drawn["sharpe"]))
    missing = len(points) - len(drawn)
    if missing:
        figure.add_annotation(
            text=f"{missing} LP(s) without both values not shown",
            xref="paper",
            yref="paper",
            x=1,
            y=0,
            xanchor="right",
            yanchor="bottom",
            showarrow=False,
            font={"color": MUTED, "size": 11},
        )
    return style(figure, x_title="Mean slippage (pips)", y_title="Sharpe ratio")
