"""Long P/L curves thinned for the screen without losing their extremes.

A month of closed positions is ~150,000 points per curve: far more than a chart's width in
pixels, megabytes of JSON per figure and seconds of drawing in the browser. The figures keep,
per column, the lowest and highest point of each of ``buckets`` equal runs of the curve
(tsdownsample's MinMax, as plotly-resampler does), plus the first and last point, so every
peak, trough and the deepest drawdown stay on screen exactly where they were. The read
models and the API keep every trade; only what is drawn is thinned.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from tsdownsample import MinMaxDownsampler

BUCKETS = 1_000
"""Runs per column: at most 2 points each, about one per pixel of a 1366-px-wide screen."""


def for_screen(curve: pd.DataFrame, columns: Sequence[str], buckets: int = BUCKETS) -> pd.DataFrame:
    """``curve`` with only the rows a chart needs to draw ``columns`` faithfully; unchanged
    when it is short already."""
    if len(curve) <= 2 * buckets:
        return curve
    keep = [np.array([0, len(curve) - 1])]
    for column in columns:
        values = np.ascontiguousarray(curve[column].to_numpy(dtype=np.float64))
        keep.append(MinMaxDownsampler().downsample(values, n_out=2 * buckets))  # type: ignore[no-untyped-call]
    rows = np.unique(np.concatenate(keep))
    return curve.iloc[rows]
