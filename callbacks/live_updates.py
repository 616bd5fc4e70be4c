"""Pages that update themselves (``pages/live.py``): the badge and polling switch, and figures
sent as a ``Patch`` of their traces when only the numbers changed, so that the user's zoom,
selection and legend clicks stay (the Overview's mechanism, shared)."""

from __future__ import annotations

from typing import Any

import dash
import plotly.graph_objects as go
from dash import Input, Output, Patch, ctx

from pages.live import LIVE_REFRESH_MS, REFRESH_MS, badge_id, live_id, status_id, tick_id


def register_live_badge(app: dash.Dash, prefix: str) -> None:
    """Poll every :data:`REFRESH_MS` while the push channel is down, else every
    :data:`LIVE_REFRESH_MS`, and say which on the badge."""
    app.clientside_callback(
        f"""function(status) {{
            var up = status === "up";
            return [up ? {LIVE_REFRESH_MS} : {REFRESH_MS},
                    up ? "live" : "polling every {REFRESH_MS // 1000} s",
                    "live-badge " + (up ? "live-up" : "live-down")];
        }}""",
        Output(tick_id(prefix), "interval"),
        Output(badge_id(prefix), "children"),
        Output(badge_id(prefix), "className"),
        Input(status_id(prefix), "data"),
    )


def live_inputs(prefix: str) -> list[Input]:
    """The inputs that refresh a live page: its polling tick and the pushed deltas."""
    return [Input(tick_id(prefix), "n_intervals"), Input(live_id(prefix), "data")]


def is_refresh(prefix: str) -> bool:
    """Whether this callback runs for new data (a tick or a pushed delta), not for the user."""
    return ctx.triggered_id in (tick_id(prefix), live_id(prefix))


def figure_shape(figure: go.Figure) -> list[Any]:
    """What a figure shows apart from its numbers: its view (``uirevision``), trace names
    and whether it is a placeholder."""
    names = [trace.name for trace in figure.data]
    return [str(figure.layout.uirevision), names, len(figure.data) == 0]


def patched(
    figure: go.Figure, shape_on_screen: list[Any] | None, refresh: bool
) -> tuple[go.Figure | Patch, list[Any]]:
    """``figure`` as a Patch of its traces when new data refreshes a chart that shows the same
    view and traces, else whole; and its shape for the page's store."""
    shape = figure_shape(figure)
    if not refresh or shape != shape_on_screen:
        return figure, shape
    patch = Patch()
    patch["data"] = figure.to_plotly_json()["data"]
    return patch, shape
