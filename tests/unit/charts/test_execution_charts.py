"""Execution-quality figure builders and the scorecard's rankings and z-scores."""

from __future__ import annotations

import datetime as dt
import math

import numpy as np
import pandas as pd
import pytest

from app.charts.execution import (
    latency_boxes,
    markout_curves,
    profit_factor_gauges,
    slippage_histograms,
    volume_by_hour,
)
from app.charts.scorecard import extremes, scorecard_frame, zscore_heatmap, zscores
from app.charts.theme import is_empty

pytestmark = pytest.mark.unit


def _row(lp: str, fill_ratio: float | None, p99: float | None, uptime: float | None) -> dict:
    return {
        "lp": lp,
        "attempts": 10,
        "fills": 9,
        "fill_ratio": fill_ratio,
        "reject_rate": None if fill_ratio is None else 1 - fill_ratio,
        "latency_ms": {"p50": 10.0, "p95": 20.0, "p99": p99, "max": 50.0, "mean": 12.0},
        "markout_pips": {"0": 0.1, "1": 0.2, "5": None, "30": 0.3, "60": 0.4},
        "uptime_pct": uptime,
        "volume_share": 0.5,
    }


ROWS = [
    _row("LP_A", 0.9, 30.0, 0.99),
    _row("LP_B", 0.8, 60.0, 0.95),
    _row("LP_C", 0.7, 45.0, None),
    _row("INTERNAL", 1.0, 1.0, None),
]


def test_the_scorecard_is_flattened_with_none_as_nan() -> None:
    frame = scorecard_frame(ROWS)
    assert frame.loc[0, "latency_p99_ms"] == 30.0
    assert frame.loc[0, "markout_30s_pips"] == 0.3
    assert math.isnan(frame.loc[0, "markout_5s_pips"])
    assert math.isnan(frame.loc[0, "slippage_pips_mean"])  # not in the row at all


def test_best_and_worst_follow_each_metrics_direction_and_skip_internal() -> None:
    marks = extremes(scorecard_frame(ROWS))
    assert marks["LP_A"]["fill_ratio"] == "best" and marks["LP_C"]["fill_ratio"] == "worst"
    assert marks["LP_A"]["latency_p99_ms"] == "best" and marks["LP_B"]["latency_p99_ms"] == "worst"
    assert marks["LP_A"]["uptime_pct"] == "best" and marks["LP_B"]["uptime_pct"] == "worst"
    assert marks["INTERNAL"] == {}
    assert "latency_p50_ms" not in marks["LP_A"]  # every LP equal: nothing to mark
    assert "volume_share" not in marks["LP_A"]  # not ranked


def test_zscores_are_signed_so_that_positive_is_better() -> None:
    z = zscores(scorecard_frame(ROWS))
    assert list(z.index) == ["LP_A", "LP_B", "LP_C"]
    # fill ratio 0.9, 0.8, 0.7: mean 0.8, population std sqrt(2/3)/10
    assert z.loc["LP_A", "fill_ratio"] == pytest.approx(0.1 / (math.sqrt(2 / 3) / 10))
    assert z.loc["LP_B", "latency_p99_ms"] < 0  # the slowest is the worst
    assert (z["latency_p50_ms"] == 0).all()
    assert np.isnan(z.loc["LP_C", "uptime_pct"])
    heatmap = zscore_heatmap(scorecard_frame(ROWS)).data[0]
    assert list(heatmap.y) == ["LP_A", "LP_B", "LP_C"]
    assert is_empty(zscore_heatmap(scorecard_frame([])))


def test_latency_boxes_from_percentiles() -> None:
    frame = pd.DataFrame(
        [["LP_A", 100, 1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 3.2]],
        columns=["lp", "attempts", "p5", "p25", "p50", "p75", "p95", "p99", "max", "mean"],
    )
    box, p99 = latency_boxes(frame).data
    assert (box.lowerfence, box.q1, box.median, box.q3, box.upperfence) == (
        (1.0,), (2.0,), (3.0,), (4.0,), (5.0,)
    )  # fmt: skip
    assert p99.y == (6.0,)
    assert is_empty(latency_boxes(frame.iloc[:0]))


def test_slippage_histograms_show_shares_per_lp() -> None:
    frame = pd.DataFrame(
        {"lp": ["LP_A", "LP_A", "LP_B"], "bin": [-0.1, 0.0, 0.0], "fills": [1, 3, 5],
         "fill_qty": [1.0, 3.0, 5.0]}
    )  # fmt: skip
    bars = {t.name: t for t in slippage_histograms(frame).data}
    assert list(bars["LP_A"].y) == [0.25, 0.75]
    assert list(bars["LP_B"].y) == [1.0]


def test_markout_curves_leave_out_lps_without_any_markout() -> None:
    fig = markout_curves({"LP_A": ROWS[0]["markout_pips"], "LP_X": dict.fromkeys("0 1 5".split())})
    [line] = fig.data
    assert line.name == "LP_A" and list(line.x) == [0, 1, 5, 30, 60]
    assert is_empty(markout_curves({}))


def test_profit_factor_gauges_label_infinity_and_use_the_contract_bands() -> None:
    fig = profit_factor_gauges(
        [{"lp": "LP_A", "profit_factor": math.inf}, {"lp": "LP_B", "profit_factor": 0.8},
         {"lp": "LP_C", "profit_factor": None}]
    )  # fmt: skip
    a, b = fig.data
    assert a.value == 3.0 and "∞" in a.title.text
    assert b.value == 0.8 and "0.80" in b.title.text
    assert [step.range for step in a.gauge.steps] == [(0, 1), (1, 1.5), (1.5, 2), (2, 3)]
    assert is_empty(profit_factor_gauges([]))


def test_volume_by_hour_stacks_the_books() -> None:
    hour = dt.datetime(2026, 11, 24, 13, tzinfo=dt.UTC)
    frame = pd.DataFrame(
        {"hour": [hour, hour], "book": ["A", "B"], "notional_usd": [2e6, 1e6], "fills": [3, 4]}
    )
    fig = volume_by_hour(frame)
    assert [t.name for t in fig.data] == ["A-book", "B-book"]
    assert fig.layout.barmode == "stack"
    assert is_empty(volume_by_hour(frame.iloc[:0]))
