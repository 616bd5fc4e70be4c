"""Every time axis in the viewer's timezone: the x data are the local wall-clock times (what
plotly.js draws) and the axis names the zone. Times computed by hand: Tokyo is UTC+9 all year,
New York UTC-5 in November, Kolkata UTC+5:30."""

from __future__ import annotations

import datetime as dt
from typing import Any

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import pytest

from app.charts.execution import volume_by_hour
from app.charts.exposure import exposure_heatmap, exposure_lines
from app.charts.market import cumulative_pnl_by_lp, local_hours, price_chart, volatility_heatmap
from app.charts.results import cumulative_pnl_figure, drawdown_figure
from app.charts.risk import book_drawdown_figure
from app.charts.routing import book_shares_area, reject_rate_lines
from app.charts.time_axis import local_times

pytestmark = pytest.mark.unit

UTC_TIMES = pd.to_datetime(["2026-11-24 10:00", "2026-11-24 11:00"], utc=True)
TOKYO = ["2026-11-24T19:00:00", "2026-11-24T20:00:00"]


def xs(trace: Any) -> list[str]:
    """A trace's x values as plotly.js receives them (ISO text)."""
    return [str(np.datetime64(value, "s")) for value in trace.x]


def axis_title(figure: go.Figure, axis: str = "xaxis") -> str:
    return str(figure.layout[axis].title.text)


def test_local_times_are_wall_clock_times_of_the_zone() -> None:
    assert [str(t) for t in local_times(UTC_TIMES, "Asia/Tokyo")] == [
        "2026-11-24 19:00:00",
        "2026-11-24 20:00:00",
    ]
    naive_utc = pd.Series([dt.datetime(2026, 11, 24, 10, 0)])
    assert str(local_times(naive_utc, "America/New_York")[0]) == "2026-11-24 05:00:00"
    assert str(local_times(naive_utc, "Not/AZone")[0]) == "2026-11-24 10:00:00"


def test_overview_volume_by_hour_in_tokyo() -> None:
    volume = pd.DataFrame(
        {"hour": UTC_TIMES, "book": ["A", "A"], "notional_usd": [1.0, 2.0], "fills": [1, 2]}
    )
    figure = volume_by_hour(volume, "Asia/Tokyo")
    assert xs(figure.data[0]) == TOKYO
    assert axis_title(figure) == "Time (Asia/Tokyo)"


def test_routing_time_series_in_tokyo() -> None:
    shares = pd.DataFrame(
        {
            "bucket": UTC_TIMES,
            **{f"{b}_share_count": [0.5, 0.25] for b in ("a", "b")},
            **{f"orders_{b}": [1, 2] for b in ("a", "b")},
        }
    )
    area = book_shares_area(shares, "count", "Asia/Tokyo")
    assert xs(area.data[0]) == TOKYO and axis_title(area) == "Time (Asia/Tokyo)"
    series = pd.DataFrame(
        {"bucket": UTC_TIMES, "lp": ["LP1", "LP1"], "reject_rate": [0.1, 0.2],
         "rejects": [1, 2], "attempts": [10, 10]}
    )  # fmt: skip
    lines = reject_rate_lines(series, "Asia/Tokyo")
    assert xs(lines.data[0]) == TOKYO and axis_title(lines) == "Time (Asia/Tokyo)"


def test_exposure_charts_in_tokyo() -> None:
    over_time = pd.DataFrame(
        {"bucket": UTC_TIMES, "notional_usd": [1.0, 2.0], "max_utilisation": [0.1, 0.2]}
    )
    lines = exposure_lines(over_time, "Asia/Tokyo")
    assert xs(lines.data[0]) == TOKYO and xs(lines.data[1]) == TOKYO
    assert axis_title(lines) == "Time (Asia/Tokyo)"
    matrix = pd.DataFrame([[1.0, -2.0]], index=["EURUSD"], columns=UTC_TIMES)
    heat = exposure_heatmap(matrix, "net", "Asia/Tokyo")
    assert list(heat.data[0].x) == ["2026-11-24 19:00", "2026-11-24 20:00"]
    assert axis_title(heat) == "Time (Asia/Tokyo)"


def test_market_charts_in_new_york() -> None:
    candles = pd.DataFrame(
        {"bucket": UTC_TIMES, "open": [1.0, 1.1], "high": [1.2, 1.2], "low": [0.9, 1.0],
         "close": [1.1, 1.15], "volume_usd": [5.0, 6.0]}
    )  # fmt: skip
    fills = pd.DataFrame(
        {"ts": [UTC_TIMES[0] + pd.Timedelta(minutes=30)], "side": ["buy"],
         "fill_price": [1.05], "lp": ["LP1"], "fill_qty": [1000.0]}
    )  # fmt: skip
    figure = price_chart(candles, fills, "EURUSD", timezone="America/New_York")
    assert xs(figure.data[0]) == ["2026-11-24T05:00:00", "2026-11-24T06:00:00"]
    [buys] = [trace for trace in figure.data if trace.name == "Client buys"]
    assert xs(buys) == ["2026-11-24T05:30:00"]
    assert axis_title(figure, "xaxis3") == "Time (America/New_York)"

    pnl = pd.DataFrame({"bucket": UTC_TIMES, "lp": ["LP1", "LP1"], "pnl_usd": [1.0, 2.0]})
    curve = cumulative_pnl_by_lp(pnl, "America/New_York")
    assert xs(curve.data[0]) == ["2026-11-24T05:00:00", "2026-11-24T06:00:00"]
    assert list(curve.data[0].y) == [1.0, 3.0]


def test_volatility_by_hour_of_day_is_read_on_the_local_clock() -> None:
    at = dt.datetime(2026, 11, 24, tzinfo=dt.UTC)
    order, labels = local_hours("Asia/Tokyo", at)
    assert order[:2] == [15, 16] and labels[:2] == ["00", "01"]  # 15:00 UTC = midnight Tokyo
    order, labels = local_hours("Asia/Kolkata", at)
    assert order[0] == 19 and labels[0] == "00:30"
    volatility = pd.DataFrame(
        {"symbol": ["EURUSD"], "hour": [15], "volatility": [0.0002], "returns": [10]}
    )
    figure = volatility_heatmap(volatility, "Asia/Tokyo", at)
    assert figure.data[0].x[0] == "00"
    assert figure.data[0].z[0][0] == pytest.approx(2.0)  # 2 bp at 00 Tokyo = 15 UTC
    assert axis_title(figure) == "hour (Asia/Tokyo)"


def test_pnl_and_drawdown_curves_in_tokyo() -> None:
    curve = pd.DataFrame({"ts": UTC_TIMES, "cumulative_pnl": [1.0, -1.0], "drawdown": [0.0, 2.0]})
    for figure in (
        cumulative_pnl_figure({"R1": curve}, "Asia/Tokyo"),
        drawdown_figure({"R1": curve}, "Asia/Tokyo"),
    ):
        assert xs(figure.data[0]) == TOKYO
        assert axis_title(figure) == "Close time (Asia/Tokyo)"
    book = book_drawdown_figure(curve, "Asia/Tokyo")
    assert xs(book.data[0]) == TOKYO and xs(book.data[1]) == TOKYO
    assert axis_title(book, "xaxis2") == "Close time (Asia/Tokyo)"
