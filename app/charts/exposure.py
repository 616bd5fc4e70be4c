"""Exposure figures: the symbol × time heatmap, limit utilisation, concentration and the total
exposure over time.

Inputs are what :mod:`app.queries.exposure` returns; nothing here reads a database.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from app.charts import theme
from app.charts.time_axis import label_time_axis, local_times

HEIGHT = 300
"""Height of the blank chart shown when there is nothing to draw."""
MARGIN = {"l": 64, "r": 16, "t": 16, "b": 40}
# Utilisation: green while comfortably inside the limit, amber near it, red at or past it.
UTILISATION_SCALE = [[0.0, "#16a34a"], [0.6, "#facc15"], [0.85, "#f97316"], [1.0, "#b91c1c"]]
# Net position: diverging around flat (blue = the broker is short, red = long).
NET_SCALE = [[0.0, "#1d4ed8"], [0.5, "#f8fafc"], [1.0, "#b91c1c"]]
WARN_AT, BREACH_AT = 0.8, 1.0
"""Utilisation thresholds of the bar colours."""


def _layout(fig: go.Figure, **overrides: Any) -> go.Figure:
    settings: dict[str, Any] = {"template": theme.TEMPLATE, "margin": MARGIN}
    fig.update_layout(**{**settings, **overrides})
    return fig


def heatmap_cells(matrix: pd.DataFrame) -> list[list[float | None]]:
    """The matrix's values row by row, with None for unknown cells (JSON has no NaN)."""
    return [
        [None if not math.isfinite(v) else float(v) for v in row]
        for row in matrix.to_numpy(dtype="float64")
    ]


def exposure_heatmap(
    matrix: pd.DataFrame, measure: str = "net", timezone: str = "UTC"
) -> go.Figure:
    """Symbols (rows) × bucket starts (columns) from :func:`app.queries.exposure.exposure_heatmap`:
    the net position on a diverging scale, or the utilisation from green (low) to red (at or
    over the limit). Bucket starts in ``timezone``."""
    if matrix.empty or not len(matrix.columns):
        return theme.empty_figure("No B-book positions in this window.", height=HEIGHT)
    z = heatmap_cells(matrix)
    x = [t.strftime("%Y-%m-%d %H:%M") for t in local_times(matrix.columns, timezone)]
    y = [str(symbol) for symbol in matrix.index]
    finite = [v for row in z for v in row if v is not None]
    if measure == "utilisation":
        if not finite:
            return theme.empty_figure(
                "No symbol with a position has a limit: utilisation is unknown.", height=HEIGHT
            )
        scale: dict[str, Any] = {
            "colorscale": UTILISATION_SCALE,
            "zmin": 0.0,
            "zmax": max(BREACH_AT, *finite),
            "colorbar": {"title": {"text": "of limit"}, "tickformat": ".0%"},
            "hovertemplate": "%{y} at %{x}<br>%{z:.1%} of limit<extra></extra>",
        }
    else:
        extent = max((abs(v) for v in finite), default=0.0) or 1.0
        scale = {
            "colorscale": NET_SCALE,
            "zmin": -extent,
            "zmax": extent,
            "colorbar": {"title": {"text": "net"}, "tickformat": "~s"},
            "hovertemplate": "%{y} at %{x}<br>net %{z:,.0f}<extra></extra>",
        }
    heat = go.Heatmap(z=z, x=x, y=y, xgap=1, ygap=1, hoverongaps=False, **scale)
    fig = go.Figure(heat)
    fig.update_xaxes(type="date", showgrid=False)
    fig.update_yaxes(autorange="reversed", showgrid=False)
    return label_time_axis(_layout(fig, height=max(260, 40 + 26 * len(y))), timezone)


def _bar_colour(utilisation: float | None) -> str:
    if utilisation is None or not math.isfinite(utilisation):
        return "#cbd5e1"
    if utilisation >= BREACH_AT:
        return "#b91c1c"
    return "#f59e0b" if utilisation >= WARN_AT else "#16a34a"


def utilisation_bars(now: pd.DataFrame) -> go.Figure:
    """Each symbol's notional exposure as a share of its limit (from
    :func:`app.queries.exposure.exposure_now`), with the limit at 100 %."""
    limited = now[now["limit_usd"].notna()].sort_values("symbol")
    if limited.empty:
        return theme.empty_figure("No exposure limits are set.", height=HEIGHT)
    used = [None if pd.isna(u) else float(u) for u in limited["utilisation"]]
    fig = go.Figure(
        go.Bar(
            x=[0.0 if u is None else u for u in used],
            y=limited["symbol"],
            orientation="h",
            marker={"color": [_bar_colour(u) for u in used]},
            customdata=np.column_stack(
                [limited["notional_usd"].astype("float64"), limited["limit_usd"]]
            ),
            text=["unknown" if u is None else f"{u:.0%}" for u in used],
            textposition="outside",
            cliponaxis=False,
            hovertemplate="%{y}: %{x:.1%} of limit<br>%{customdata[0]:,.0f} of "
            "%{customdata[1]:,.0f} USD<extra></extra>",
        )
    )
    fig.add_vline(x=BREACH_AT, line={"color": "#b91c1c", "dash": "dash", "width": 1})
    top = max([BREACH_AT, *(u for u in used if u is not None)]) * 1.15
    fig.update_xaxes(tickformat=".0%", range=[0, top], title="of limit")
    fig.update_yaxes(autorange="reversed")
    return _layout(fig, height=max(220, 40 + 28 * len(limited)), showlegend=False)


def concentration_pie(now: pd.DataFrame) -> go.Figure:
    """Each symbol's share of the total notional exposure (symbols with a known notional)."""
    held = now[now["notional_usd"].notna() & (now["notional_usd"].astype("float64") > 0)]
    if held.empty:
        return theme.empty_figure("The B-book is flat: no exposure to split.", height=HEIGHT)
    fig = go.Figure(
        go.Pie(
            labels=held["symbol"],
            values=held["notional_usd"].astype("float64"),
            hole=0.45,
            sort=True,
            textinfo="label+percent",
            textposition="inside",
            insidetextorientation="horizontal",
            hovertemplate="%{label}: %{value:,.0f} USD (%{percent})<extra></extra>",
        )
    )
    # Slices too thin for a readable label stay unlabelled (the hover still names them).
    return _layout(
        fig,
        showlegend=False,
        uniformtext={"minsize": 10, "mode": "hide"},
        margin={"l": 8, "r": 8, "t": 8, "b": 8},
    )


def exposure_lines(over_time: pd.DataFrame, timezone: str = "UTC") -> go.Figure:
    """Total notional exposure (USD) and the highest limit utilisation at each bucket end, from
    :func:`app.queries.exposure.exposure_over_time`, on a time axis in ``timezone``."""
    if over_time.empty:
        return theme.empty_figure("No exposure in this window.", height=HEIGHT)
    fig = go.Figure()
    fig.add_trace(
        go.Scatter(
            x=local_times(over_time["bucket"], timezone),
            y=over_time["notional_usd"],
            name="total notional (USD)",
            mode="lines",
            line={"color": "#2563eb", "width": 2},
            hovertemplate="%{y:,.0f} USD<extra>total notional</extra>",
        )
    )
    fig.add_trace(
        go.Scatter(
            x=local_times(over_time["bucket"], timezone),
            y=over_time["max_utilisation"],
            name="highest utilisation",
            mode="lines",
            yaxis="y2",
            line={"color": "#dc2626", "width": 1.5, "dash": "dot"},
            hovertemplate="%{y:.1%}<extra>highest utilisation</extra>",
        )
    )
    fig = _layout(
        fig,
        hovermode="x unified",
        legend={"orientation": "h", "y": -0.3},
        margin={"l": 64, "r": 64, "t": 16, "b": 72},
        yaxis={"title": {"text": "USD"}, "tickformat": "~s", "rangemode": "tozero"},
        yaxis2={
            "title": {"text": "of limit"},
            "tickformat": ".0%",
            "overlaying": "y",
            "side": "right",
            "rangemode": "tozero",
            "showgrid": False,
        },
    )
    return label_time_axis(fig, timezone)
