"""The one plotly template every chart uses (pages and PDF reports), its colours, and the figure
shown when a window holds no data."""

from __future__ import annotations

from typing import Any

import plotly.graph_objects as go
import plotly.io as pio

TEMPLATE = "tradedash"
FONT = 'system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif'
INK = "#0f172a"
MUTED = "#64748b"
GRID = "#e2e8f0"
GOOD = "#16a34a"
WARN = "#f59e0b"
BAD = "#dc2626"
EXCELLENT = "#2563eb"
UP, DOWN = "#16a34a", "#dc2626"
"""Candle and fill-marker colours: rising / client buy, falling / client sell."""
BOOK_COLOURS = {"A": "#2563eb", "B": "#f59e0b"}
STATUS_COLOURS = {"up": GOOD, "degraded": WARN, "down": BAD}
SERIES = (
    "#2563eb", "#f59e0b", "#10b981", "#ef4444", "#8b5cf6",
    "#06b6d4", "#ec4899", "#84cc16", "#64748b", "#f97316",
)  # fmt: skip
NO_DATA = "No data in this window"
GRAPH_CONFIG: Any = {  # Any: dash types it as its own TypedDict
    "displaylogo": False,
    "responsive": True,
    "modeBarButtonsToRemove": [
        "select2d", "lasso2d", "zoomIn2d", "zoomOut2d", "autoScale2d", "toggleSpikelines",
        "hoverClosestCartesian", "hoverCompareCartesian", "sendDataToCloud",
    ],
}  # fmt: skip
"""``dcc.Graph`` config: a short mode bar (zoom, pan, reset, PNG) that stays clear of titles."""


def _template() -> go.layout.Template:
    return go.layout.Template(
        layout=go.Layout(
            font={"family": FONT, "size": 12, "color": INK},
            colorway=list(SERIES),
            paper_bgcolor="#ffffff",
            plot_bgcolor="#ffffff",
            margin={"l": 56, "r": 20, "t": 64, "b": 48},
            title={
                "font": {"size": 14},
                "x": 0.0,
                "xanchor": "left",
                "subtitle": {"font": {"size": 11, "color": MUTED}},
            },
            xaxis={"gridcolor": GRID, "linecolor": GRID, "zerolinecolor": GRID},
            yaxis={"gridcolor": GRID, "linecolor": GRID, "zerolinecolor": GRID},
            legend={
                "orientation": "h",
                "yanchor": "top",
                "y": -0.16,
                "x": 0,
                "font": {"size": 11},
                "traceorder": "normal",
            },
            hoverlabel={"font": {"family": FONT}},
            hovermode="closest",
        )
    )


pio.templates[TEMPLATE] = _template()


def series_colour(index: int) -> str:
    """The colour of the ``index``-th series (LPs keep theirs across charts when sorted)."""
    return SERIES[index % len(SERIES)]


def colour_map(names: list[str]) -> dict[str, str]:
    """A stable colour per name, by its rank among ``names`` sorted."""
    return {name: series_colour(i) for i, name in enumerate(sorted(set(names)))}


def figure(**layout: object) -> go.Figure:
    """An empty figure in the house template with ``layout`` applied."""
    fig = go.Figure()
    fig.update_layout(template=TEMPLATE, **layout)
    return fig


def empty_figure(
    message: str = NO_DATA, *, title: str | dict[str, object] | None = None, height: int = 320
) -> go.Figure:
    """A blank chart saying why it is blank (never an error)."""
    fig = figure(height=height, title=title)
    fig.update_xaxes(visible=False)
    fig.update_yaxes(visible=False)
    fig.add_annotation(
        text=message,
        x=0.5,
        y=0.5,
        xref="paper",
        yref="paper",
        showarrow=False,
        font={"size": 14, "color": MUTED},
    )
    return fig


def title(text: str, subtitle: str | None = None) -> dict[str, object]:
    """A layout ``title``: a short name and, underneath in grey, what exactly is shown."""
    return {"text": text, "subtitle": {"text": subtitle or ""}}


def is_empty(fig: go.Figure) -> bool:
    """True for a figure made by :func:`empty_figure`."""
    return not fig.data and any(a.text for a in fig.layout.annotations)
