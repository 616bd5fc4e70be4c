"""The Exposure page's figures, built from read-model-shaped data by hand."""

from __future__ import annotations

import datetime as dt
import math

import pandas as pd
import pytest

from app.charts.exposure import (
    concentration_pie,
    exposure_heatmap,
    exposure_lines,
    heatmap_cells,
    utilisation_bars,
)
from app.charts.theme import is_empty
from app.queries.exposure import NOW_COLUMNS

pytestmark = pytest.mark.unit

T0 = dt.datetime(2026, 11, 24, 13, 0, tzinfo=dt.UTC)
BUCKETS = pd.DatetimeIndex([T0, T0 + dt.timedelta(minutes=15)], tz=dt.UTC)


def matrix(rows: dict[str, list[float]]) -> pd.DataFrame:
    return pd.DataFrame.from_dict(rows, orient="index", columns=BUCKETS)


def now_rows(*rows: tuple[str, float, float | None, float | None]) -> pd.DataFrame:
    """(symbol, notional_usd, limit_usd, utilisation) rows shaped like exposure_now's."""
    return pd.DataFrame(
        [
            {
                "symbol": symbol,
                "net_position": 1.0,
                "mid": 1.0,
                "quote_currency": "USD",
                "usd_rate": 1.0,
                "notional_usd": notional,
                "limit_usd": limit,
                "utilisation": used,
                "concentration": None,
                "unconverted": False,
                "notional": notional,
            }  # fmt: skip
            for symbol, notional, limit, used in rows
        ],
        columns=NOW_COLUMNS,
    )


def test_the_net_heatmap_shows_the_matrix_on_a_scale_centred_on_flat() -> None:
    net = matrix({"EURUSD": [-2_000.0, 500.0], "XAUUSD": [0.0, 1_000.0]})
    [heat] = exposure_heatmap(net, "net").data
    assert [list(row) for row in heat.z] == [[-2_000.0, 500.0], [0.0, 1_000.0]]
    assert list(heat.y) == ["EURUSD", "XAUUSD"]
    assert list(heat.x) == ["2026-11-24 13:00", "2026-11-24 13:15"]
    assert heat.zmin == -heat.zmax == -2_000.0


def test_the_utilisation_heatmap_runs_green_to_red_and_keeps_unknown_cells_blank() -> None:
    used = matrix({"EURUSD": [0.2, 1.4], "GBPUSD": [math.nan, math.nan]})
    assert heatmap_cells(used) == [[0.2, 1.4], [None, None]]
    [heat] = exposure_heatmap(used, "utilisation").data
    assert heat.zmin == 0.0 and heat.zmax == pytest.approx(1.4)
    low, high = heat.colorscale[0][1], heat.colorscale[-1][1]
    assert (low, high) == ("#16a34a", "#b91c1c")


def test_empty_inputs_give_a_message() -> None:
    empty = pd.DataFrame(index=pd.Index([], name="symbol"), columns=BUCKETS, dtype="float64")
    assert is_empty(exposure_heatmap(empty))
    no_limits = matrix({"EURUSD": [math.nan, math.nan]})
    assert is_empty(exposure_heatmap(no_limits, "utilisation"))
    assert is_empty(utilisation_bars(now_rows(("EURUSD", 10.0, None, None))))
    assert is_empty(concentration_pie(now_rows(("EURUSD", 0.0, None, None))))
    assert is_empty(exposure_lines(pd.DataFrame()))


def test_utilisation_bars_colour_by_how_close_to_the_limit() -> None:
    now = now_rows(
        ("EURUSD", 50.0, 100.0, 0.5),
        ("GBPUSD", 90.0, 100.0, 0.9),
        ("USDJPY", 150.0, 100.0, 1.5),
        ("XAUUSD", 10.0, None, None),
    )
    [bars] = utilisation_bars(now).data
    assert list(bars.y) == ["EURUSD", "GBPUSD", "USDJPY"]
    assert list(bars.x) == [0.5, 0.9, 1.5]
    assert list(bars.marker.color) == ["#16a34a", "#f59e0b", "#b91c1c"]


def test_concentration_splits_the_known_notionals() -> None:
    now = now_rows(("EURUSD", 300.0, None, None), ("GBPUSD", 100.0, None, None))
    now.loc[len(now)] = now.iloc[0].to_dict() | {"symbol": "GER40", "notional_usd": None}
    [pie] = concentration_pie(now).data
    assert list(pie.labels) == ["EURUSD", "GBPUSD"]
    assert list(pie.values) == [300.0, 100.0]


def test_exposure_over_time_has_notional_and_highest_utilisation() -> None:
    over_time = pd.DataFrame(
        {
            "bucket": BUCKETS,
            "notional_usd": [1e6, 2e6],
            "unconverted_symbols": [0, 0],
            "max_utilisation": [0.1, math.nan],
        }
    )
    notional, used = exposure_lines(over_time).data
    assert list(notional.y) == [1e6, 2e6]
    assert used.yaxis == "y2"
