"""Markout-based toxicity: the per-fill bps conversion and the per-client/segment score."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from app.metrics.backtest import toxicity_books
from app.metrics.toxicity import markout_bps, markout_toxicity

pytestmark = pytest.mark.unit


def test_markout_bps_is_in_basis_points_of_the_fill_price() -> None:
    # 2 pips of EURUSD at 1.25 is 1.6 bps of the price; 50 pips (0.5) of USDJPY at 125 is 40.
    got = markout_bps(
        [2.0, 50.0, np.nan, 1.0], [0.0001, 0.01, 0.0001, 0.0001], [1.25, 125.0, 1.1, 0]
    )
    assert got[0] == pytest.approx(1.6)
    assert got[1] == pytest.approx(40.0)
    assert math.isnan(got[2]) and math.isnan(got[3])


def fills() -> pd.DataFrame:
    """c1: two fills, +2 bps on 3 units and −1 bps on 1 unit; c2: one −5 bps fill; c3: no
    known markout; c1 and c2 retail, c3 professional."""
    return pd.DataFrame(
        {
            "client_ref": ["c1", "c1", "c2", "c3"],
            "client_segment": ["retail", "retail", "retail", "professional"],
            "fill_qty": [3.0, 1.0, 2.0, 1.0],
            "fill_price": [1.0, 1.0, 1.0, 1.0],
            "pip_size": [0.0001, 0.0001, 0.0001, 0.0001],
            "markout_pips": [2.0, -1.0, -5.0, np.nan],
        }
    )


def test_client_score_is_the_quantity_weighted_mean_markout() -> None:
    scores = markout_toxicity(fills(), "client_ref", min_fills=1)
    assert list(scores.index) == ["c1", "c2"]  # c3 has no known markout
    assert scores.loc["c1", "fills"] == 2
    assert scores.loc["c1", "markout_bps"] == pytest.approx((3 * 2.0 + 1 * -1.0) / 4)  # 1.25
    assert scores.loc["c1", "win_share"] == pytest.approx(0.5)
    assert scores.loc["c2", "score"] == pytest.approx(-5.0)


def test_segment_score_and_the_minimum_number_of_fills() -> None:
    scores = markout_toxicity(fills(), "client_segment", min_fills=3)
    assert scores.loc["retail", "fills"] == 3
    assert scores.loc["retail", "score"] == pytest.approx((6.0 - 1.0 - 10.0) / 6)
    unscored = markout_toxicity(fills(), "client_ref", min_fills=2)
    assert unscored.loc["c1", "score"] == pytest.approx(1.25)
    assert math.isnan(unscored.loc["c2", "score"])  # one fill is not evidence


def test_no_known_markouts_give_an_empty_frame() -> None:
    frame = fills().iloc[3:]
    scores = markout_toxicity(frame, "client_ref")
    assert scores.empty and list(scores.columns) == ["fills", "markout_bps", "win_share", "score"]


def test_the_backtest_sends_clients_above_the_threshold_to_a() -> None:
    scores = markout_toxicity(fills(), "client_ref", min_fills=1)["score"].dropna()
    books = toxicity_books(["c1", "c2", "c3"], scores.to_dict(), threshold_bps=1.0)
    assert list(books) == ["A", "B", "B"]  # c1 1.25 > 1; c2 −5; c3 unscored
