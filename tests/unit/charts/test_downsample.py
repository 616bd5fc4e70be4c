"""Curves thinned for the screen keep their first and last point and every bucket's extremes."""

from __future__ import annotations

import numpy as np
import pandas as pd

from app.charts.downsample import for_screen


def walk(n: int) -> pd.DataFrame:
    rng = np.random.default_rng(5)
    cumulative = rng.normal(0, 1, n).cumsum()
    peak = np.maximum.accumulate(cumulative)
    return pd.DataFrame({"cumulative_pnl": cumulative, "drawdown": peak - cumulative})


def test_a_short_curve_is_left_alone() -> None:
    curve = walk(2000)
    assert for_screen(curve, ["cumulative_pnl"], buckets=1000) is curve


def test_a_long_curve_keeps_its_ends_and_extremes() -> None:
    curve = walk(150_000)
    curve.loc[77_777, "cumulative_pnl"] = 10_000.0  # a lone spike must survive
    thin = for_screen(curve, ["cumulative_pnl", "drawdown"], buckets=1000)
    assert len(thin) <= 4002
    assert thin.index.is_monotonic_increasing and thin.index.is_unique
    assert thin.index[0] == 0 and thin.index[-1] == len(curve) - 1
    assert 77_777 in thin.index
    assert thin["cumulative_pnl"].max() == curve["cumulative_pnl"].max()
    assert thin["cumulative_pnl"].min() == curve["cumulative_pnl"].min()
    assert thin["drawdown"].max() == curve["drawdown"].max()
    # every one of the 1,000 equal runs still shows its own lowest and highest value
    for run in np.array_split(np.arange(len(curve)), 1000)[::97]:
        part = curve["cumulative_pnl"].iloc[run]
        kept = thin["cumulative_pnl"].loc[thin.index.intersection(part.index)]
        assert kept.max() == part.max() and kept.min() == part.min()
