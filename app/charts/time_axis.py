"""Time axes in the viewer's timezone: plotly.js has no time zones and draws a timestamp's wall
clock as it is given, so the charts hand it local wall-clock times and name the zone on the
axis."""

from __future__ import annotations

from typing import Any

import pandas as pd
import plotly.graph_objects as go

from app.formatting import zone


def local_times(values: Any, timezone: str) -> pd.Series:
    """Timestamps (aware, or naive UTC) as naive wall-clock times of ``timezone``."""
    times = pd.Series(pd.to_datetime(values, utc=True))
    return times.dt.tz_convert(zone(timezone)).dt.tz_localize(None).reset_index(drop=True)


def time_title(timezone: str, what: str = "Time") -> str:
    """The title of a time axis: ``Time (Asia/Tokyo)``."""
    return f"{what} ({zone(timezone).key})"


def label_time_axis(figure: go.Figure, timezone: str, axis: str = "xaxis") -> go.Figure:
    """``figure`` with its time axis ``axis`` (``xaxis``, or ``xaxis3`` for the bottom row of a
    subplot grid) titled with the zone."""
    figure.update_layout({axis: {"title": {"text": time_title(timezone)}}})
    return figure
