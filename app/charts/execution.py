"""Execution-quality charts: latency boxes, slippage histograms, markout curves, profit-factor
gauges and traded volume by hour. Pure builders: frames in, plotly figures out."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from app.charts.theme import (
    BAD,
    BOOK_COLOURS,
    EXCELLENT,
    GOOD,
    MUTED,
    TEMPLATE,
    WARN,
    colour_map,
    empty_figure,
    figure,
    title,
)
from app.charts.time_axis import label_time_axis, local_times

LATENCY_TITLE = title(
    "Latency per LP (ms)", "box p25–p75 and median, whiskers p5–p95, ◆ p99; from histograms"
)


def latency_boxes(latency: pd.DataFrame) -> go.Figure:
    """One box per LP from ``latency_distribution`` rows (percentiles computed from the stored
    histograms, within 1 %, not from raw values)."""
    if latency.empty:
        return empty_figure(title=LATENCY_TITLE)
    colours = colour_map(list(latency["lp"]))
    fig = figure(title=LATENCY_TITLE, height=360, showlegend=False)
    for row in latency.itertuples(index=False):
        fig.add_trace(
            go.Box(
                name=row.lp,
                x=[row.lp],
                q1=[row.p25],
                median=[row.p50],
                q3=[row.p75],
                lowerfence=[row.p5],
                upperfence=[row.p95],
                mean=[row.mean],
                boxmean=True,
                marker_color=colours[row.lp],
                hovertemplate=None,
            )
        )
        fig.add_trace(
            go.Scatter(
                x=[row.lp],
                y=[row.p99],
                mode="markers",
                marker={"symbol": "diamond", "size": 9, "color": colours[row.lp]},
                name=f"{row.lp} p99",
                hovertemplate=f"{row.lp} p99 %{{y:.1f}} ms<extra></extra>",
            )
        )
    fig.update_yaxes(title_text="ms", type="log", dtick=1)
    return fig


def slippage_histograms(histogram: pd.DataFrame, *, columns: int = 4) -> go.Figure:
    """Small multiples, one per LP, of the share of its fills per slippage bin (pips; positive =
    better for the client), from ``slippage_histogram``."""
    heading = title("Slippage per LP", "share of fills per 0.1-pip bin; > 0 = price improvement")
    if histogram.empty:
        return empty_figure(title=heading)
    lps = sorted(histogram["lp"].unique())
    rows = math.ceil(len(lps) / columns)
    fig = make_subplots(
        rows=rows,
        cols=columns,
        subplot_titles=lps,
        shared_xaxes=True,
        horizontal_spacing=0.04,
        vertical_spacing=0.12 if rows > 1 else 0.0,
    )
    colours = colour_map(lps)
    for i, lp in enumerate(lps):
        part = histogram[histogram["lp"] == lp]
        share = part["fills"].astype(float) / float(part["fills"].sum())
        fig.add_trace(
            go.Bar(
                x=part["bin"].astype(float),
                y=share,
                name=lp,
                marker_color=colours[lp],
                customdata=part["fills"],
                hovertemplate="%{x:.1f} pips: %{y:.1%} (%{customdata} fills)<extra>"
                + lp
                + "</extra>",
            ),
            row=i // columns + 1,
            col=i % columns + 1,
        )
    fig.update_layout(
        template=TEMPLATE,
        title=heading,
        height=140 + 190 * rows,
        showlegend=False,
        bargap=0.05,
        margin={"t": 96},
    )
    fig.update_xaxes(matches="x", showticklabels=True)
    fig.update_yaxes(tickformat=".0%")
    return fig


def markout_curves(markouts: Mapping[str, Mapping[str, float | None]]) -> go.Figure:
    """Fill-qty-weighted mean markout (pips, client view) at 0–60 s, one line per LP, from
    ``markouts_by(..., "lp")``."""
    heading = title("Markouts per LP (pips)", "client view; > 0 = price moved the client's way")
    known = {lp: m for lp, m in markouts.items() if any(v is not None for v in m.values())}
    if not known:
        return empty_figure(title=heading)
    colours = colour_map(list(known))
    fig = figure(title=heading, height=380)
    for lp in sorted(known):
        horizons = sorted(known[lp], key=float)
        fig.add_trace(
            go.Scatter(
                x=[float(h) for h in horizons],
                y=[known[lp][h] for h in horizons],
                mode="lines+markers",
                name=lp,
                line={"color": colours[lp]},
                hovertemplate=lp + " %{x:g}s: %{y:.3f} pips<extra></extra>",
            )
        )
    fig.add_hline(y=0, line={"color": MUTED, "width": 1, "dash": "dot"})
    fig.update_xaxes(tickvals=[0, 1, 5, 30, 60], ticksuffix=" s")
    fig.update_yaxes(title_text="pips")
    return fig


PROFIT_FACTOR_BANDS = ((0.0, 1.0, BAD), (1.0, 1.5, WARN), (1.5, 2.0, GOOD), (2.0, 3.0, EXCELLENT))
"""METRICS.md's bands: < 1 unprofitable, 1–1.5, 1.5–2 good, > 2 excellent."""


def profit_factor_gauges(results: Sequence[Mapping[str, Any]], *, columns: int = 4) -> go.Figure:
    """A gauge per LP of the broker's profit factor (``results_by(by="lp")`` rows), in the
    contract's bands; ∞ (no losses) is drawn at the top of the scale and labelled so."""
    heading = title("Profit factor per LP", "broker P/L of closed positions; bands < 1, 1.5, 2")
    scored = [r for r in results if r.get("profit_factor") is not None]
    if not scored:
        return empty_figure(title=heading, height=260)
    rows = math.ceil(len(scored) / columns)
    specs = [[{"type": "indicator"}] * columns for _ in range(rows)]
    fig = make_subplots(rows=rows, cols=columns, specs=specs, vertical_spacing=0.3)
    top = PROFIT_FACTOR_BANDS[-1][1]
    for i, row in enumerate(scored):
        value = float(row["profit_factor"])
        label = "∞" if math.isinf(value) else f"{value:.2f}"
        fig.add_trace(
            go.Indicator(
                mode="gauge",
                value=min(value, top),
                title={"text": f"{row['lp']}<br><b>{label}</b>", "font": {"size": 12}},
                gauge={
                    "axis": {"range": [0, top], "tickvals": [0, 1, 1.5, 2, 3]},
                    "bar": {"color": "#0f172a", "thickness": 0.3},
                    "steps": [
                        {"range": [lo, hi], "color": colour}
                        for lo, hi, colour in PROFIT_FACTOR_BANDS
                    ],
                },
            ),
            row=i // columns + 1,
            col=i % columns + 1,
        )
    fig.update_layout(template=TEMPLATE, title=heading, height=100 + 230 * rows)
    return fig


def volume_by_hour(volume: pd.DataFrame, timezone: str = "UTC") -> go.Figure:
    """Stacked bars of filled notional (USD) per hour and book (``overview.volume_by_hour``),
    hours in ``timezone``."""
    heading = title("Volume by hour", "filled notional in USD, per book")
    if volume.empty:
        return empty_figure(title=heading)
    fig = figure(title=heading, height=320, barmode="stack")
    for book in sorted(volume["book"].unique()):
        part = volume[volume["book"] == book]
        fig.add_trace(
            go.Bar(
                x=local_times(part["hour"], timezone),
                y=part["notional_usd"].astype(float),
                name=f"{book}-book",
                marker_color=BOOK_COLOURS.get(book),
                customdata=part["fills"],
                hovertemplate="%{x|%H:%M} %{y:$,.0f} (%{customdata} fills)<extra>"
                + f"{book}-book</extra>",
            )
        )
    fig.update_yaxes(tickprefix="$", tickformat="~s")
    return label_time_axis(fig, timezone)
