"""Routing figures: the order flow as a Sankey, A/B-book shares over time and LP reject rates.

Inputs are what :mod:`app.queries.routing` and :func:`app.queries.execution.reject_rate_series`
return; nothing here reads a database.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Literal

import pandas as pd
import plotly.graph_objects as go

from app.charts import palette, theme
from app.charts.time_axis import label_time_axis, local_times

HEIGHT = 300
"""Height of the blank chart shown when there is nothing to draw."""
MARGIN = {"l": 48, "r": 16, "t": 16, "b": 40}
BOOK_COLOURS = palette.BOOK
STAGE_COLOURS = {
    "segment": "#64748b",
    "rule": "#8b5cf6",
    "book": "#0ea5e9",
    "lp": "#14b8a6",
    "outcome": "#94a3b8",
}
OUTCOME_COLOURS = {
    "filled": "#16a34a",
    "partially_filled": "#84cc16",
    "rejected": "#dc2626",
    "cancelled": "#9ca3af",
    "pending": "#cbd5e1",
}
ShareMeasure = Literal["count", "notional"]


def _layout(fig: go.Figure, **overrides: Any) -> go.Figure:
    settings: dict[str, Any] = {"template": theme.TEMPLATE, "margin": MARGIN}
    fig.update_layout(**{**settings, **overrides})
    return fig


def _node_colour(node: Mapping[str, Any]) -> str:
    if node["stage"] == "book":
        return BOOK_COLOURS.get(str(node["label"]), STAGE_COLOURS["book"])
    if node["stage"] == "outcome":
        return OUTCOME_COLOURS.get(str(node["label"]), STAGE_COLOURS["outcome"])
    if node["stage"] == "lp":
        return palette.lp_colour(str(node["label"]))
    return STAGE_COLOURS.get(str(node["stage"]), "#94a3b8")


def flow_sankey(flow: Mapping[str, Sequence[Mapping[str, Any]]]) -> go.Figure:
    """Segment → rule → book → LP → outcome from ``RoutingSummary.flow.as_dict()``; link values
    are order counts."""
    nodes, links = list(flow.get("nodes", ())), list(flow.get("links", ()))
    if not links:
        return theme.empty_figure("No orders were routed in this window.", height=HEIGHT)
    labels = [
        f"{node['label']}-book" if node["stage"] == "book" else str(node["label"]) for node in nodes
    ]
    link_colours = [
        "rgba(245, 158, 11, 0.35)"
        if nodes[link["source"]]["stage"] == "book" and nodes[link["source"]]["label"] == "B"
        else "rgba(100, 116, 139, 0.25)"
        for link in links
    ]
    sankey = go.Sankey(
        arrangement="snap",
        node={
            "label": labels,
            "color": [_node_colour(node) for node in nodes],
            "customdata": [str(node["stage"]) for node in nodes],
            "hovertemplate": "%{customdata}: %{label}<br>%{value:,} orders<extra></extra>",
            "pad": 14,
            "thickness": 16,
        },
        link={
            "source": [int(link["source"]) for link in links],
            "target": [int(link["target"]) for link in links],
            "value": [int(link["value"]) for link in links],
            "color": link_colours,
            "hovertemplate": "%{source.label} → %{target.label}<br>%{value:,} orders"
            "<extra></extra>",
        },
    )
    return _layout(go.Figure(sankey), margin={"l": 8, "r": 8, "t": 8, "b": 8})


def book_shares_area(
    over_time: pd.DataFrame, measure: ShareMeasure = "count", timezone: str = "UTC"
) -> go.Figure:
    """A-book and B-book shares per bucket, stacked to 100 %, by order count or notional, from
    :func:`app.queries.routing.routing_shares_over_time`, buckets in ``timezone``."""
    if over_time.empty:
        return theme.empty_figure("No orders in this window.", height=HEIGHT)
    fig = go.Figure()
    amounts = "orders" if measure == "count" else "notional_usd"
    amount_format = "%{customdata:,}" if measure == "count" else "%{customdata:,.0f} USD"
    for book in ("A", "B"):
        fig.add_trace(
            go.Scatter(
                x=local_times(over_time["bucket"], timezone),
                y=over_time[f"{book.lower()}_share_{measure}"],
                customdata=over_time[f"{amounts}_{book.lower()}"],
                name=f"{book}-book",
                mode="lines",
                stackgroup="shares",
                line={"width": 0.5, "color": BOOK_COLOURS[book]},
                hovertemplate=f"{book}-book %{{y:.1%}} ({amount_format})<extra></extra>",
            )
        )
    fig.update_yaxes(tickformat=".0%", range=[0, 1], title=f"share by {measure}")
    return label_time_axis(_layout(fig, hovermode="x unified"), timezone)


def reject_rate_lines(series: pd.DataFrame, timezone: str = "UTC") -> go.Figure:
    """Reject rate per LP and bucket from :func:`app.queries.execution.reject_rate_series`,
    buckets in ``timezone``."""
    if series.empty:
        return theme.empty_figure("No execution attempts in this window.", height=HEIGHT)
    fig = go.Figure()
    colours = theme.colour_map([str(lp) for lp in series["lp"]])
    for lp, rows in series.groupby("lp", sort=True):
        fig.add_trace(
            go.Scatter(
                x=local_times(rows["bucket"], timezone),
                y=rows["reject_rate"],
                customdata=rows[["rejects", "attempts"]].to_numpy(),
                name=str(lp),
                mode="lines+markers",
                marker={"size": 4},
                line={"width": 1.5, "color": colours[str(lp)]},
                hovertemplate=f"{lp}: %{{y:.1%}} (%{{customdata[0]}} of %{{customdata[1]}})"
                "<extra></extra>",
            )
        )
    fig.update_yaxes(tickformat=".0%", rangemode="tozero", title="reject rate")
    return label_time_axis(_layout(fig, hovermode="x unified"), timezone)
