"""Markouts: the as-of mid with its 5-second limit, the client-view sign, weighted means."""

from __future__ import annotations

import numpy as np
import pytest

from app.metrics.markouts import fill_markouts, markout_means, mid_as_of

pytestmark = pytest.mark.unit

MID_TIMES = [100.0, 101.0, 102.0, 110.0]
MIDS = [1.1000, 1.1002, 1.1004, 1.1010]


@pytest.mark.parametrize(
    ("at", "expected"),
    [
        (99.9, np.nan),  # before any mid
        (100.0, 1.1000),  # at a mid's second
        (101.5, 1.1002),  # the latest at or before, never a later one
        (107.0, 1.1004),  # 5 s old: still counts
        (107.01, np.nan),  # older than 5 s: unknown
        (200.0, np.nan),
    ],
)
def test_mid_as_of(at: float, expected: float) -> None:
    got = mid_as_of(MID_TIMES, MIDS, [at])[0]
    assert got == pytest.approx(expected, nan_ok=True)


def test_no_mids_at_all_gives_unknown() -> None:
    assert np.isnan(mid_as_of([], [], [1.0, 2.0])).all()


def test_markouts_are_signed_for_the_client() -> None:
    # A buy and a sell at 1.1000, both at t = 100; the mid rises 2 pips after 1 s, 4 after 2 s.
    markouts = fill_markouts(
        side=[1, -1],
        fill_ts_s=[100.0, 100.0],
        fill_price=[1.1000, 1.1000],
        pip_size=[1e-4, 1e-4],
        mid_times_s=MID_TIMES,
        mids=MIDS,
        horizons_s=(0, 1, 5, 30),
    )
    assert markouts[0].tolist() == pytest.approx([0.0, 0.0])
    assert markouts[1].tolist() == pytest.approx([2.0, -2.0])
    assert markouts[5].tolist() == pytest.approx([4.0, -4.0])  # mid of 102, 3 s old
    assert np.isnan(markouts[30]).all()  # 130: the last mid (110) is too old


def test_means_weight_by_fill_qty_and_skip_unknown_markouts() -> None:
    markouts = {0: np.array([1.0, -1.0]), 60: np.array([2.0, np.nan])}
    assert markout_means(markouts, [300_000, 100_000]) == {"0": 0.5, "60": 2.0}
    assert markout_means({1: np.array([np.nan])}, [1.0]) == {"1": None}
