"""The Rules page's figures, built from read-model-shaped frames by hand."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from app.charts.results import (
    LOSS,
    PROFIT,
    attribution_waterfall_figure,
    cumulative_pnl_figure,
    drawdown_figure,
    empty_figure,
    pnl_distribution_figure,
    version_comparison_figure,
)

pytestmark = pytest.mark.unit

T0 = dt.datetime(2026, 11, 24, 10, 0, tzinfo=dt.UTC)


def curve() -> pd.DataFrame:
    """pnl_curve of +100, −50, +30: peak 100, drawdown 50 after the second trade."""
    return pd.DataFrame(
        {
            "ts": [T0, T0 + dt.timedelta(days=1), T0 + dt.timedelta(days=2)],
            "cumulative_pnl": [100.0, 50.0, 80.0],
            "peak": [100.0, 100.0, 100.0],
            "drawdown": [0.0, 50.0, 20.0],
        }
    )


def message(figure: object) -> str:
    return str(figure.layout.annotations[0].text)  # type: ignore[attr-defined]


def test_cumulative_pnl_draws_one_line_per_rule_in_utc() -> None:
    figure = cumulative_pnl_figure({"R1 · Scalpers": curve(), "R2": curve().iloc[:1]})
    assert [trace.name for trace in figure.data] == ["R1 · Scalpers", "R2"]
    assert list(figure.data[0].y) == [100.0, 50.0, 80.0]
    assert pd.Timestamp(figure.data[0].x[0]) == pd.Timestamp("2026-11-24 10:00")


def test_drawdown_is_drawn_below_zero() -> None:
    figure = drawdown_figure({"R1": curve()})
    assert list(figure.data[0].y) == [0.0, -50.0, -20.0]
    assert figure.data[0].fill == "tozeroy"


@pytest.mark.parametrize("build", [cumulative_pnl_figure, drawdown_figure])
def test_curves_without_trades_say_so(build: object) -> None:
    figure = build({"R1": curve().iloc[:0]})  # type: ignore[operator]
    assert not figure.data
    assert message(figure) == "No closed trades in this window"


def test_distribution_bars_sit_on_their_bins_losses_red() -> None:
    histogram = pd.DataFrame(
        {"bin_low": [-50.0, 25.0], "bin_high": [25.0, 100.0], "trades": [1, 2]}
    )
    [bars] = pnl_distribution_figure(histogram).data
    assert list(bars.x) == [-12.5, 62.5]
    assert list(bars.width) == [75.0, 75.0]
    assert list(bars.y) == [1, 2]
    assert list(bars.marker.color) == [LOSS, PROFIT]


def test_waterfall_ends_with_the_total() -> None:
    attribution = pd.DataFrame(
        {"symbol": ["EURUSD", "XAUUSD"], "net_pnl": [110.0, -30.0], "trades": [2, 1],
         "unconverted": [0, 0]}
    )  # fmt: skip
    [waterfall] = attribution_waterfall_figure(attribution).data
    assert list(waterfall.x) == ["EURUSD", "XAUUSD", "Total"]
    assert list(waterfall.y) == [110.0, -30.0, 80.0]
    assert list(waterfall.measure) == ["relative", "relative", "total"]


def test_empty_distribution_and_waterfall() -> None:
    empty = pd.DataFrame({"bin_low": [], "bin_high": [], "trades": []})
    assert message(pnl_distribution_figure(empty)).startswith("No converted")
    assert not attribution_waterfall_figure(pd.DataFrame({"symbol": [], "net_pnl": []})).data


def test_version_comparison_shows_the_interval_around_the_difference() -> None:
    comparison = {
        "version_a": 1, "version_b": 2, "mean_a": -25.0, "mean_b": 40.0,
        "difference": 65.0, "ci_low": 10.0, "ci_high": 120.0,
    }  # fmt: skip
    [points] = version_comparison_figure(comparison).data
    assert list(points.y) == ["v1", "v2", "v2 − v1"]
    assert list(points.x) == [-25.0, 40.0, 65.0]
    assert list(points.error_x.array) == [0, 0, 55.0]
    assert list(points.error_x.arrayminus) == [0, 0, 55.0]


def test_version_comparison_without_data() -> None:
    figure = version_comparison_figure({"difference": None})
    assert "need converted trades" in message(figure)


def test_empty_figure_hides_the_axes() -> None:
    figure = empty_figure("nothing")
    assert figure.layout.xaxis.visible is False
    assert message(figure) == "nothing"
