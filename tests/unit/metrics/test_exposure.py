"""Exposure metrics on small hand-computed cases: positions, notional, limits, the heatmap."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from app.metrics.exposure import (
    concentration,
    net_position,
    notional_matrix,
    notional_usd,
    position_delta,
    positions_at_bucket_ends,
    utilisation,
    utilisation_matrix,
)

pytestmark = pytest.mark.unit

BUCKETS = pd.date_range("2026-11-24 10:00", periods=4, freq="5min", tz="UTC")


def test_broker_holds_the_opposite_of_b_book_clients() -> None:
    assert position_delta("buy", 1_000) == -1_000
    assert position_delta("sell", 1_000) == 1_000
    # Clients buy 100k and 30k, sell 50k: the broker is short 80k.
    assert net_position([("buy", 100_000), ("sell", 50_000), ("buy", 30_000)]) == -80_000
    assert net_position([]) == 0


def test_notional_exposure() -> None:
    assert notional_usd(-80_000, 1.25, 1.0) == pytest.approx(100_000)
    # USDJPY: 100k USD long at 160 JPY per USD, JPY at 1/160 USD -> 100k USD.
    assert notional_usd(100_000, 160.0, 1 / 160.0) == pytest.approx(100_000)
    assert notional_usd(0.0, None, None) == 0.0
    assert notional_usd(5.0, 2.0, None) is None
    assert notional_usd(5.0, None, 1.0) is None


@pytest.mark.parametrize(
    ("notional", "limit", "expected"),
    [(50.0, 200.0, 0.25), (300.0, 200.0, 1.5), (None, 200.0, None), (50.0, None, None),
     (50.0, 0.0, None)],
)  # fmt: skip
def test_utilisation(notional: float | None, limit: float | None, expected: float | None) -> None:
    assert utilisation(notional, limit) == expected


def test_concentration_skips_unknown_notionals() -> None:
    shares = concentration({"EURUSD": 300.0, "XAUUSD": 100.0, "GER40": None, "US500": 0.0})
    assert shares == {"EURUSD": 0.75, "XAUUSD": 0.25, "GER40": None, "US500": 0.0}
    assert concentration({"EURUSD": 0.0}) == {"EURUSD": None}


def test_heatmap_carries_positions_forward_across_empty_buckets() -> None:
    deltas = pd.DataFrame(
        [("EURUSD", BUCKETS[0], -100.0), ("EURUSD", BUCKETS[2], 40.0), ("GBPUSD", BUCKETS[1], 7.0)],
        columns=["symbol", "bucket", "net_qty_delta"],
    )
    grid = positions_at_bucket_ends({"EURUSD": 10.0, "XAUUSD": 3.0}, deltas, BUCKETS)
    assert grid.loc["EURUSD"].tolist() == [-90.0, -90.0, -50.0, -50.0]
    assert grid.loc["GBPUSD"].tolist() == [0.0, 7.0, 7.0, 7.0]
    assert grid.loc["XAUUSD"].tolist() == [3.0, 3.0, 3.0, 3.0]  # no fills: baseline throughout


def test_heatmap_without_any_data_is_empty() -> None:
    empty = pd.DataFrame(columns=["symbol", "bucket", "net_qty_delta"])
    assert positions_at_bucket_ends({}, empty, BUCKETS).empty


def test_utilisation_matrix_from_positions_mids_and_rates() -> None:
    positions = pd.DataFrame([[-100.0, 0.0], [10.0, 20.0]], index=["EURUSD", "GER40"],
                             columns=BUCKETS[:2])  # fmt: skip
    mids = pd.DataFrame([[1.5, 2.0], [100.0, 100.0]], index=positions.index, columns=BUCKETS[:2])
    rates = pd.DataFrame([[1.0, 1.0], [math.nan, 1.1]], index=positions.index, columns=BUCKETS[:2])
    notional = notional_matrix(positions, mids, rates)
    assert notional.loc["EURUSD"].tolist() == [150.0, 0.0]
    assert math.isnan(notional.loc["GER40"].iloc[0])  # EUR rate unknown: flagged, not 1.0
    assert notional.loc["GER40"].iloc[1] == pytest.approx(2_200.0)
    used = utilisation_matrix(notional, {"EURUSD": 300.0})
    assert used.loc["EURUSD"].tolist() == [0.5, 0.0]
    assert used.loc["GER40"].isna().all()  # no limit
