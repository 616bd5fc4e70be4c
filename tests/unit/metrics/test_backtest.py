"""Backtest re-scoring, client toxicity scores and the bootstrap comparison of rule versions."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from app.metrics.backtest import (
    CostModel,
    compare_versions,
    counterfactual_pnl,
    flipped_books,
    run_backtest,
    toxicity_books,
)
from app.metrics.toxicity import client_edge_bps, is_toxic, toxicity_scores

pytestmark = pytest.mark.unit

T0 = dt.datetime(2026, 11, 24, 10, 0, tzinfo=dt.UTC)
NAN = float("nan")


def trades() -> pd.DataFrame:
    """Three trades: an A-book winner for the broker, a B-book loser, a B-book unknown rate."""
    return pd.DataFrame(
        {
            "ts": [T0, T0 + dt.timedelta(hours=1), T0 + dt.timedelta(hours=2)],
            "client_ref": ["c1", "c2", "c3"],
            "book": ["A", "B", "B"],
            "broker_pnl": [6.0, -50.0, 12.0],
            "broker_pnl_usd": [6.0, -50.0, NAN],
            "client_pnl_usd": [-20.0, 50.0, NAN],
            "notional_usd": [200_000.0, 1_000_000.0, NAN],
            "spread_usd": [10.0, 8.0, NAN],
        }
    )


def test_flipping_swaps_every_book() -> None:
    assert flipped_books(["A", "B", "B"]).tolist() == ["B", "A", "A"]


def test_counterfactual_pnl_per_book_move() -> None:
    costs = CostModel(
        markup_per_million=30.0,
        client_commission_per_million=5.0,
        lp_commission_per_million=10.0,
        spread_share=0.5,
    )
    result = counterfactual_pnl(trades(), ["B", "A", "B"], costs)
    assert result[0] == pytest.approx(20.0 + 0.5 * 10.0)  # to B: -client_pnl + half a spread
    assert result[1] == pytest.approx(25.0)  # to A: (30 + 5 - 10) per million × 1 million
    assert np.isnan(result[2])  # stayed in B with an unknown rate: still unknown


def test_trades_that_stay_keep_their_live_result() -> None:
    result = counterfactual_pnl(trades(), ["A", "B", "B"])
    assert result[:2].tolist() == [6.0, -50.0]


def test_default_costs_add_no_spread_to_b_book_moves() -> None:
    result = counterfactual_pnl(trades(), ["B", "A", "A"])
    assert result[0] == pytest.approx(20.0)
    assert result[1] == pytest.approx((30.0 - 8.0) * 1.0)  # default markup 30, LP 8 per million
    assert np.isnan(result[2])


def test_run_backtest_summarises_live_and_alternative() -> None:
    result = run_backtest(trades(), flipped_books(trades()["book"]), "flip")
    assert result.estimate is True
    assert (result.moved_to_a, result.moved_to_b) == (2, 1)
    assert result.live.net_pnl == pytest.approx(-44.0)
    assert result.live.trades == result.alternative.trades == 3
    assert result.alternative.net_pnl == pytest.approx(20.0 + 22.0)
    assert result.alternative.unconverted == 1
    assert result.alternative.profit_factor == float("inf")


def test_toxicity_policy_sends_scored_toxic_clients_to_a() -> None:
    books = toxicity_books(["c1", "c2", "c3"], {"c1": 2.0, "c2": 0.5}, threshold_bps=1.0)
    assert books.tolist() == ["A", "B", "B"]  # c3 has no score: B


def test_client_edge_in_basis_points() -> None:
    edge = client_edge_bps(["buy", "sell"], [1.1000, 100.0], [1.1011, 101.0])
    assert edge.tolist() == pytest.approx([10.0, -100.0])


def test_toxicity_scores_per_client() -> None:
    frame = pd.DataFrame(
        {
            "client_ref": ["a", "a", "a", "b"],
            "side": ["buy", "buy", "sell", "buy"],
            "open_price": [100.0, 100.0, 100.0, 50.0],
            "close_price": [101.0, 99.0, 97.0, 55.0],
            "client_pnl": [10.0, -10.0, 30.0, 5.0],
        }
    )
    scores = toxicity_scores(frame, min_trades=2)
    # a: 100, -100, 300 bps -> mean 100; b: one trade, not scored
    assert scores.loc["a", "trades"] == 3
    assert scores.loc["a", "edge_bps"] == pytest.approx(100.0)
    assert scores.loc["a", "win_share"] == pytest.approx(2 / 3)
    assert scores.loc["a", "score"] == pytest.approx(100.0)
    assert scores.loc["b", "edge_bps"] == pytest.approx(1000.0)
    assert np.isnan(scores.loc["b", "score"])
    assert is_toxic(scores["score"], 50.0).to_dict() == {"a": True, "b": False}


def test_toxicity_scores_of_no_trades() -> None:
    empty = pd.DataFrame(columns=["client_ref", "side", "open_price", "close_price", "client_pnl"])
    assert toxicity_scores(empty).empty


def test_version_comparison_is_seeded_and_brackets_the_difference() -> None:
    rng = np.random.default_rng(7)
    a = rng.normal(0.0, 1.0, 400)
    b = rng.normal(2.0, 1.0, 300)
    first = compare_versions(a, b, seed=1)
    assert first == compare_versions(a, b, seed=1)
    assert first.difference == pytest.approx(b.mean() - a.mean())
    assert first.ci_low is not None and first.ci_high is not None
    assert first.ci_low < first.difference < first.ci_high
    assert first.ci_low > 1.5 and first.ci_high < 2.5
    assert (first.trades_a, first.trades_b, first.confidence) == (400, 300, 0.95)


def test_version_comparison_of_identical_constant_results() -> None:
    result = compare_versions([1.0, 1.0], [1.0, NAN])
    assert (result.difference, result.ci_low, result.ci_high) == (0.0, 0.0, 0.0)
    assert result.trades_b == 1


def test_version_comparison_without_trades_on_one_side() -> None:
    result = compare_versions([], [1.0])
    assert result.difference is None and result.ci_low is None and result.mean_b is None
