"""The LP scorecard as a flat table, which way each metric is better, the best and worst LP per
metric and the LP × metric z-score heatmap.

Rankings and z-scores compare liquidity providers with each other: the B-book row
(``INTERNAL``) is listed but never ranked. Markouts, volumes and counts describe the flow, not
the LP's quality, so they carry no direction and are not ranked either.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from app.charts.theme import BAD, GOOD, empty_figure, figure, title
from app.db.models.events import INTERNAL_LP

HORIZONS = ("0", "1", "5", "30", "60")

METRICS: dict[str, tuple[str, int]] = {
    "attempts": ("Attempts", 0),
    "fills": ("Fills", 0),
    "fill_ratio": ("Fill ratio", +1),
    "fill_rate_volume": ("Fill rate (volume)", +1),
    "reject_rate": ("Reject rate", -1),
    "latency_p50_ms": ("Latency p50 (ms)", -1),
    "latency_p95_ms": ("Latency p95 (ms)", -1),
    "latency_p99_ms": ("Latency p99 (ms)", -1),
    "latency_mean_ms": ("Latency mean (ms)", -1),
    "latency_max_ms": ("Latency max (ms)", -1),
    "slippage_pips_mean": ("Slippage (pips)", +1),
    "price_improvement_pips_mean": ("Price improvement (pips)", +1),
    "best_execution_pct": ("Best execution", +1),
    **{f"markout_{h}s_pips": (f"Markout {h}s (pips)", 0) for h in HORIZONS},
    "notional_usd": ("Notional (USD)", 0),
    "volume_share": ("Volume share", 0),
    "commission_per_million": ("Commission / M (USD)", -1),
    "pfof_usd": ("PFOF (USD)", 0),
    "uptime_pct": ("Uptime", +1),
}
"""Column → (label, direction): +1 higher is better, −1 lower is better, 0 not ranked."""

COLUMNS = ["lp", *METRICS]
MONEY_COLUMNS = ("notional_usd", "commission_per_million", "pfof_usd")
"""Columns in USD (their labels end in ``(USD)``), shown in the user's reporting currency."""
PERCENT_COLUMNS = frozenset(
    {"fill_ratio", "fill_rate_volume", "reject_rate", "best_execution_pct", "volume_share",
     "uptime_pct"}
)  # fmt: skip


def scorecard_frame(rows: Iterable[Mapping[str, Any]]) -> pd.DataFrame:
    """``lp_scorecard`` rows as one flat row per LP with the columns of :data:`COLUMNS`
    (nested latency and markout values spread out; None as NaN)."""
    flat = []
    for row in rows:
        latency = row.get("latency_ms") or {}
        markouts = row.get("markout_pips") or {}
        item: dict[str, Any] = {k: row.get(k) for k in COLUMNS if k in row}
        item["lp"] = row["lp"]
        for stat in ("p50", "p95", "p99", "mean", "max"):
            item[f"latency_{stat}_ms"] = latency.get(stat)
        for h in HORIZONS:
            item[f"markout_{h}s_pips"] = markouts.get(h)
        flat.append(item)
    frame = pd.DataFrame(flat, columns=COLUMNS)
    for column in METRICS:
        frame[column] = pd.to_numeric(frame[column], errors="coerce").astype("float64")
    return frame


def _ranked(frame: pd.DataFrame) -> pd.DataFrame:
    return frame[frame["lp"] != INTERNAL_LP]


def extremes(frame: pd.DataFrame) -> dict[str, dict[str, str]]:
    """LP → {column: "best" | "worst"} for every ranked column where the LPs differ."""
    marks: dict[str, dict[str, str]] = {lp: {} for lp in frame["lp"]}
    ranked = _ranked(frame)
    for column, (_label, direction) in METRICS.items():
        values = ranked[column].dropna()
        if direction == 0 or values.nunique() < 2:
            continue
        best, worst = (
            (values.max(), values.min()) if direction > 0 else (values.min(), values.max())
        )
        for lp, value in zip(ranked.loc[values.index, "lp"], values, strict=True):
            if value == best:
                marks[lp][column] = "best"
            elif value == worst:
                marks[lp][column] = "worst"
    return marks


def zscores(frame: pd.DataFrame) -> pd.DataFrame:
    """LP (rows) × ranked metric (columns) z-scores, signed so that positive is better:
    direction × (value − mean) / std over the LPs (population std; 0 when all are equal,
    NaN where the value is unknown)."""
    ranked = _ranked(frame).set_index("lp")
    columns = [c for c, (_label, d) in METRICS.items() if d != 0]
    out = pd.DataFrame(index=ranked.index, columns=columns, dtype="float64")
    for column in columns:
        values = ranked[column]
        std = values.std(ddof=0)
        if values.count() == 0:
            continue
        if not std or np.isnan(std):
            out[column] = np.where(values.isna(), np.nan, 0.0)
        else:
            out[column] = METRICS[column][1] * (values - values.mean()) / std
    return out


def _cell_text(value: float, column: str) -> str:
    if np.isnan(value):
        return ""
    if column in PERCENT_COLUMNS:
        return f"{value:.1%}"
    return f"{value:,.2f}" if abs(value) < 1000 else f"{value:,.0f}"


HEATMAP_TITLE = title("LP × metric", "z-score across LPs, signed so that red = worse")


def zscore_heatmap(frame: pd.DataFrame) -> go.Figure:
    """LP × metric heatmap of :func:`zscores` (green better, red worse), the raw values as text."""
    z = zscores(frame)
    if z.empty:
        return empty_figure(title=HEATMAP_TITLE)
    raw = _ranked(frame).set_index("lp")[z.columns]
    text = [[_cell_text(raw.at[lp, c], c) for c in z.columns] for lp in z.index]
    fig = figure(title=HEATMAP_TITLE, height=150 + 34 * len(z))
    fig.add_trace(
        go.Heatmap(
            z=z.to_numpy().round(3),
            x=[METRICS[c][0] for c in z.columns],
            y=list(z.index),
            text=text,
            texttemplate="%{text}",
            textfont={"size": 10},
            colorscale=[[0.0, BAD], [0.5, "#f8fafc"], [1.0, GOOD]],
            zmid=0,
            zmin=-2.5,
            zmax=2.5,
            colorbar={"title": {"text": "z"}, "thickness": 12},
            hovertemplate="%{y} · %{x}<br>value %{text}<br>z %{z:.2f}<extra></extra>",
        )
    )
    fig.update_layout(margin={"l": 90, "b": 110}, yaxis={"autorange": "reversed"})
    fig.update_xaxes(tickangle=-35)
    return fig
