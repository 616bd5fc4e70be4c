"""Figures of the Results metrics (Rules page): cumulative P/L and drawdown per rule, the
distribution of trade results, the attribution waterfall by symbol and the A/B comparison of
two rule versions. Pure: read-model frames in, a plotly Figure out; money in USD, times in the
viewer's timezone (UTC unless given).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pandas as pd
import plotly.graph_objects as go

from app.charts import theme
from app.charts.downsample import for_screen
from app.charts.time_axis import local_times, time_title

PROFIT = "#16a34a"
LOSS = "#dc2626"
TOTAL = "#2563eb"
MUTED = "#64748b"
HEIGHT = 340


def style(figure: go.Figure, *, x_title: str = "", y_title: str = "") -> go.Figure:
    """The house look: white background, a legend on top, tight margins."""
    figure.update_layout(
        template=theme.TEMPLATE,
        height=HEIGHT,
        margin={"l": 60, "r": 20, "t": 30, "b": 50},
        legend={"orientation": "h", "yanchor": "bottom", "y": 1.02, "x": 0},
        font={"family": "system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif", "size": 12},
        hovermode="closest",
    )
    figure.update_xaxes(title_text=x_title)
    figure.update_yaxes(title_text=y_title)
    return figure


def empty_figure(message: str) -> go.Figure:
    """The theme's blank chart (:func:`app.charts.theme.empty_figure`) at this module's height."""
    return theme.empty_figure(message, height=HEIGHT)


def cumulative_pnl_figure(
    curves: Mapping[str, pd.DataFrame],
    timezone: str = "UTC",
    y_title: str = "Cumulative P/L (USD)",
) -> go.Figure:
    """One step line of running P/L per label (rule), from :func:`pnl_curve` frames."""
    figure = go.Figure()
    for label, full in curves.items():
        if full.empty:
            continue
        curve = for_screen(full, ["cumulative_pnl"])
        figure.add_trace(
            go.Scatter(
                x=local_times(curve["ts"], timezone),
                y=curve["cumulative_pnl"],
                name=label,
                mode="lines",
                line={"shape": "hv", "width": 2},
                hovertemplate="%{x|%Y-%m-%d %H:%M}<br>%{y:,.2f}<extra>%{fullData.name}</extra>",
            )
        )
    if not figure.data:
        return empty_figure("No closed trades in this window")
    x_title = time_title(timezone, "Close time")
    return style(figure, x_title=x_title, y_title=y_title)


def drawdown_figure(
    curves: Mapping[str, pd.DataFrame], timezone: str = "UTC", y_title: str = "Drawdown (USD)"
) -> go.Figure:
    """Drawdown below the running peak per label (rule), drawn downwards from 0."""
    figure = go.Figure()
    for label, full in curves.items():
        if full.empty:
            continue
        curve = for_screen(full, ["drawdown"])
        figure.add_trace(
            go.Scatter(
                x=local_times(curve["ts"], timezone),
                y=-curve["drawdown"],
                name=label,
                mode="lines",
                line={"shape": "hv", "width": 1.5},
                fill="tozeroy",
                hovertemplate="%{x|%Y-%m-%d %H:%M}<br>%{y:,.2f}<extra>%{fullData.name}</extra>",
            )
        )
    if not figure.data:
        return empty_figure("No closed trades in this window")
    x_title = time_title(timezone, "Close time")
    return style(figure, x_title=x_title, y_title=y_title)


def pnl_distribution_figure(histogram: pd.DataFrame) -> go.Figure:
    """Bars of :func:`pnl_distribution` (``bin_low``, ``bin_high``, ``trades``), losses red."""
    if histogram.empty:
        return empty_figure("No converted trade results in this window")
    low = histogram["bin_low"].astype(float)
    high = histogram["bin_high"].astype(float)
    centre = (low + high) / 2
    figure = go.Figure(
        go.Bar(
            x=centre,
            y=histogram["trades"],
            width=high - low,
            marker={"color": [LOSS if c < 0 else PROFIT for c in centre], "line": {"width": 0}},
            customdata=list(zip(low, high, strict=True)),
            hovertemplate="%{customdata[0]:,.2f} to %{customdata[1]:,.2f} USD<br>"
            "%{y} trades<extra></extra>",
            showlegend=False,
        )
    )
    figure.update_layout(bargap=0.05)
    return style(figure, x_title="Result per trade (USD)", y_title="Trades")


def attribution_waterfall_figure(attribution: pd.DataFrame) -> go.Figure:
    """A waterfall of net P/L by symbol (from :func:`pnl_attribution_by_symbol`) to the total."""
    if attribution.empty:
        return empty_figure("No closed trades in this window")
    symbols = [str(s) for s in attribution["symbol"]]
    values = [float(v) for v in attribution["net_pnl"]]
    figure = go.Figure(
        go.Waterfall(
            x=[*symbols, "Total"],
            y=[*values, sum(values)],
            measure=["relative"] * len(values) + ["total"],
            increasing={"marker": {"color": PROFIT}},
            decreasing={"marker": {"color": LOSS}},
            totals={"marker": {"color": TOTAL}},
            connector={"line": {"color": "#cbd5e1"}},
            hovertemplate="%{x}: %{y:,.2f} USD<extra></extra>",
            showlegend=False,
        )
    )
    return style(figure, y_title="Net P/L (USD)")


def version_comparison_figure(comparison: Mapping[str, Any]) -> go.Figure:
    """Mean P/L per trade of versions a and b and their difference with its confidence
    interval, from :func:`compare_rule_versions`."""
    if comparison.get("difference") is None:
        return empty_figure("Both versions need converted trades in this window")
    a, b = comparison["version_a"], comparison["version_b"]
    difference = float(comparison["difference"])
    low, high = float(comparison["ci_low"]), float(comparison["ci_high"])
    labels = [f"v{a}", f"v{b}", f"v{b} − v{a}"]
    values = [float(comparison["mean_a"]), float(comparison["mean_b"]), difference]
    figure = go.Figure(
        go.Scatter(
            x=values,
            y=labels,
            mode="markers",
            marker={"size": 12, "color": [MUTED, MUTED, TOTAL]},
            error_x={
                "type": "data",
                "symmetric": False,
                "array": [0, 0, high - difference],
                "arrayminus": [0, 0, difference - low],
                "color": TOTAL,
                "thickness": 2,
            },
            hovertemplate="%{y}: %{x:,.2f} USD per trade<extra></extra>",
            showlegend=False,
        )
    )
    figure.add_vline(x=0, line={"color": "#94a3b8", "dash": "dot"})
    figure = style(figure, x_title="Mean P/L per trade (USD)")
    figure.update_layout(height=220)
    return figure
