"""The plotly templates every chart uses (pages and PDF reports) — light, and dark for users who
chose the dark theme — their colours (from :mod:`app.charts.palette`), and the figure shown when
a window holds no data."""

from __future__ import annotations

from typing import Any

import plotly.graph_objects as go
import plotly.io as pio

from app.charts import palette

TEMPLATE = "tradedash"
DARK_TEMPLATE = "tradedash-dark"
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
BOOK_COLOURS = palette.BOOK
STATUS_COLOURS = palette.STATUS
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


DARK_INK = "#e2e8f0"
DARK_MUTED = "#94a3b8"
DARK_GRID = "#334155"
DARK_PAPER = "#212529"
"""Bootstrap 5.3's dark body background, so a chart sits flush in its card."""


def _template(*, dark: bool = False) -> go.layout.Template:
    ink, muted, grid = (DARK_INK, DARK_MUTED, DARK_GRID) if dark else (INK, MUTED, GRID)
    paper = DARK_PAPER if dark else "#ffffff"
    return go.layout.Template(
        layout=go.Layout(
            font={"family": FONT, "size": 12, "color": ink},
            colorway=list(SERIES),
            paper_bgcolor=paper,
            plot_bgcolor=paper,
            margin={"l": 56, "r": 20, "t": 64, "b": 48},
            title={
                "font": {"size": 14},
                "x": 0.0,
                "xanchor": "left",
                "subtitle": {"font": {"size": 11, "color": muted}},
            },
            xaxis={"gridcolor": grid, "linecolor": grid, "zerolinecolor": grid},
            yaxis={"gridcolor": grid, "linecolor": grid, "zerolinecolor": grid},
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
pio.templates[DARK_TEMPLATE] = _template(dark=True)
THEMES = {"light": TEMPLATE, "dark": DARK_TEMPLATE}
"""The user's theme (Settings) → the plotly template of their charts."""


def series_colour(index: int) -> str:
    """The colour of the ``index``-th series of a chart whose series are not LPs or books."""
    return SERIES[index % len(SERIES)]


def colour_map(names: list[str]) -> dict[str, str]:
    """LP name → its colour from :mod:`app.charts.palette` (the same on every chart)."""
    return palette.lp_colours(list(names))


def restyle(payload: Any, theme: str) -> Any:
    """``payload`` (a decoded Dash callback answer) with every figure's template replaced by
    the one of ``theme``; the figures' data are untouched."""
    if theme == "light":
        return payload
    template = pio.templates[THEMES.get(theme, TEMPLATE)].to_plotly_json()

    def visit(node: Any) -> None:
        if isinstance(node, dict):
            layout = node.get("layout")
            if "data" in node and isinstance(layout, dict) and "template" in layout:
                layout["template"] = template
            for value in node.values():
                visit(value)
        elif isinstance(node, list):
            for value in node:
                visit(value)

    visit(payload)
    return payload


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
