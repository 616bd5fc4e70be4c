"""Metric windows over per-minute frames (the numbers both live evaluation and preview use)."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from app.alerts.sources import metric_grid

pytestmark = pytest.mark.unit


def frame(rows: list[tuple[str, str, int, int, float]]) -> pd.DataFrame:
    """(bucket, key, attempts, rejects, latency_sum) rows of the exec family."""
    out = pd.DataFrame(rows, columns=["bucket", "key", "attempts", "rejects", "latency_sum"])
    out["bucket"] = pd.to_datetime(out["bucket"], utc=True)
    for column in ("fills", "fill_qty", "slippage_sum", "latency_max", "notional"):
        out[column] = 0.0
    out["fills"] = out["attempts"] - out["rejects"]
    out["notional"] = out["attempts"] * 100.0
    return out


ROWS = frame(
    [
        ("2026-11-24 12:00", "LP1", 10, 1, 100.0),
        ("2026-11-24 12:01", "LP1", 10, 5, 300.0),
        ("2026-11-24 12:01", "LP2", 30, 0, 30.0),
        ("2026-11-24 12:03", "LP1", 20, 2, 200.0),
    ]
)


def at(*times: str) -> pd.DatetimeIndex:
    return pd.DatetimeIndex(pd.to_datetime(list(times), utc=True))


def test_windows_at_minute_boundaries_cover_whole_buckets() -> None:
    grid = metric_grid(
        "reject_rate",
        ROWS,
        at("2026-11-24 12:01", "2026-11-24 12:02", "2026-11-24 12:03", "2026-11-24 12:04"),
        60,
    )
    assert grid["LP1"].tolist() == [10.0, 50.0, pytest.approx(float("nan"), nan_ok=True), 10.0]
    two_minutes = metric_grid("reject_rate", ROWS, at("2026-11-24 12:02"), 120)
    assert two_minutes.loc[:, "LP1"].iloc[0] == pytest.approx(100 * 6 / 20)
    latency = metric_grid("latency_ms", ROWS, at("2026-11-24 12:02"), 120)
    assert latency.iloc[0].to_dict() == {"LP1": 20.0, "LP2": 1.0}


def test_a_window_ending_inside_a_minute_covers_the_overlapping_buckets() -> None:
    # (12:01:30 - 60 s, 12:01:30] overlaps the buckets 12:00 and 12:01
    grid = metric_grid("attempts", ROWS, at("2026-11-24 12:01:30"), 60)
    assert grid.iloc[0].to_dict() == {"LP1": 20.0, "LP2": 30.0}


def test_volume_share_of_the_window() -> None:
    grid = metric_grid("volume_share", ROWS, at("2026-11-24 12:02"), 60)
    assert grid.iloc[0].to_dict() == {"LP1": 25.0, "LP2": 75.0}


def test_the_live_window_agrees_with_the_grid() -> None:
    import datetime as dt

    from app.alerts.sources import _window_now

    now = dt.datetime(2026, 11, 24, 12, 1, 30, tzinfo=dt.UTC)
    for metric in ("reject_rate", "latency_ms", "attempts", "volume_share"):
        live = _window_now(metric, ROWS, now, 60, everything=False).to_dict()
        grid = metric_grid(metric, ROWS, at("2026-11-24 12:01:30"), 60).iloc[0].to_dict()
        assert live == pytest.approx(grid), metric


def test_the_preview_lookback_cut_matches_recent_points() -> None:
    import datetime as dt

    import numpy as np

    from app.alerts.preview import _Column, _lookback, recent_points

    index = pd.date_range("2026-11-24 11:00", periods=61, freq="min", tz="UTC")
    history = pd.Series(np.arange(61, dtype="float64"), index=index)
    history.iloc[50] = np.nan
    column = _Column(history.to_numpy(), history)
    at = dt.datetime(2026, 11, 24, 12, 0, tzinfo=dt.UTC)
    assert _lookback(column, at, 900) == recent_points(history, at, 900)
    assert [x for x, _ in _lookback(column, at, 180)] == [-120.0, -60.0, 0.0]


def test_the_seasonal_baseline_takes_the_same_hour_of_the_previous_weeks() -> None:
    import datetime as dt

    import numpy as np

    from app.alerts.definitions import AnomalySpec
    from app.alerts.preview import baseline_values

    index = pd.date_range("2026-10-20", "2026-11-24 12:00", freq="min", tz="UTC")
    history = pd.Series(np.arange(len(index), dtype="float64"), index=index)
    at = dt.datetime(2026, 11, 24, 12, 30, tzinfo=dt.UTC)  # a Tuesday, 12:00-13:00
    values = baseline_values(history, at, AnomalySpec("reject_rate", baseline_days=28))
    assert len(values) == 4 * 60  # Tuesdays 12:xx of the 4 previous weeks
    first = index.get_loc(pd.Timestamp("2026-10-27 12:00", tz="UTC"))
    assert values[0] == float(first)
    flat = baseline_values(history, at, AnomalySpec("reject_rate", baseline_days=1, seasonal=False))
    assert len(flat) == 24 * 60


@pytest.mark.parametrize(
    "metric",
    ["attempts", "rejects", "reject_rate", "fill_ratio", "slippage_pips", "latency_ms",
     "latency_max_ms", "volume_usd", "failed_orders"],
)  # fmt: skip
def test_the_live_metric_is_the_grid_formula_on_the_window_sums(metric: str) -> None:
    # the evaluator's numpy path against the grid's pandas formula, zero attempts included
    from app.alerts.sources import _exec_metric, _metric_now

    sums = pd.DataFrame(
        {
            "attempts": [10.0, 0.0, 4.0],
            "fills": [8.0, 0.0, 1.0],
            "rejects": [2.0, 0.0, 3.0],
            "fill_qty": [8000.0, 0.0, 0.0],
            "slippage_sum": [-1600.0, 0.0, 0.0],
            "latency_sum": [250.0, 0.0, 90.0],
            "latency_max": [80.0, 5.0, 40.0],
            "notional": [8800.0, 0.0, 1100.0],
        },
        index=pd.Index(["LP1", "LP2", "LP3"], name="key"),
    )
    wide = {c: pd.DataFrame([sums[c].to_numpy()], columns=sums.index) for c in sums.columns}
    expected = _exec_metric(metric, wide).iloc[0]
    pd.testing.assert_series_equal(
        _metric_now(metric, sums), expected, check_names=False, check_exact=True
    )


def test_reject_rate_now_by_hand() -> None:
    from app.alerts.sources import _metric_now

    sums = pd.DataFrame({"attempts": [10.0, 0.0], "rejects": [2.0, 0.0]}, index=["LP1", "LP2"])
    rate = _metric_now("reject_rate", sums).to_dict()
    assert rate["LP1"] == 20.0 and math.isnan(rate["LP2"])
