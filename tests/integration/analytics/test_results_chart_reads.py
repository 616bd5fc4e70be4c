"""The chart reads of the Rules and Risk pages (P/L curves, distribution, attribution, daily
results, VaR) read binary arrays or daily sums instead of every position as Python rows: each
is checked against the same figures computed here from ``closed_positions`` with pandas, on
generated positions with ties in close time, zero results and unconverted trades."""

from __future__ import annotations

import dataclasses
import datetime as dt

import numpy as np
import pandas as pd
import pytest
from sqlalchemy import Connection, insert
from test_results_read_model import (
    DAY0,
    DAYS,
    RULES,
    generated_positions,
)

from app.db.models.events import ClosedPosition
from app.metrics.risk import value_at_risk
from app.queries.filters import Filter
from app.queries.results import (
    closed_positions,
    daily_results,
    distribution_and_attribution,
    pnl_attribution_by_symbol,
    pnl_curve,
    pnl_curves_by_rule,
    pnl_distribution,
    results_by,
)
from app.queries.risk import lp_sharpe, var_report

pytestmark = pytest.mark.integration

WHOLE = Filter(start=DAY0, end=DAY0 + dt.timedelta(days=DAYS))
FILTERS = [
    WHOLE,
    Filter(start=DAY0 + dt.timedelta(hours=30), end=DAY0 + dt.timedelta(hours=70)),
    dataclasses.replace(WHOLE, books=("B",)),
    dataclasses.replace(WHOLE, symbols=("USDJPY",)),
    dataclasses.replace(WHOLE, lps=("LPX",)),
]


@pytest.fixture
def positions(db: Connection) -> Connection:
    db.execute(insert(ClosedPosition), generated_positions(2400, seed=11))
    return db


def expected_curve(trades: pd.DataFrame) -> pd.DataFrame:
    """Running P/L, peak and drawdown over the converted trades in close order."""
    converted = trades[trades["broker_pnl_usd"].notna()]
    cumulative = converted["broker_pnl_usd"].cumsum().to_numpy()
    peak = np.maximum.accumulate(np.maximum(cumulative, 0.0))
    return pd.DataFrame(
        {
            "ts": converted["ts"].to_numpy(),
            "cumulative_pnl": cumulative,
            "peak": peak,
            "drawdown": peak - cumulative,
        }
    )


@pytest.mark.parametrize("index", range(len(FILTERS)))
def test_curve_distribution_attribution_and_daily(positions: Connection, index: int) -> None:
    f = FILTERS[index]
    trades = closed_positions(positions, f)
    assert len(trades) > 50  # every filter keeps trades, ties and unconverted ones among them
    curve = pnl_curve(positions, f, capital=10_000.0)
    expected = expected_curve(trades)
    assert list(curve["ts"]) == list(expected["ts"])
    for column in ("cumulative_pnl", "peak", "drawdown"):
        np.testing.assert_allclose(curve[column], expected[column], rtol=0, atol=1e-9)
    np.testing.assert_allclose(
        curve["drawdown_pct"], expected["drawdown"] / (10_000.0 + expected["peak"]), atol=1e-12
    )

    histogram, attribution = distribution_and_attribution(positions, f)
    converted = trades["broker_pnl_usd"].dropna().to_numpy()
    counts, edges = np.histogram(converted, bins=30)
    assert histogram["trades"].tolist() == counts.tolist()
    np.testing.assert_allclose(histogram["bin_low"], edges[:-1], atol=1e-12)
    assert pnl_distribution(positions, f).equals(histogram)

    by_symbol = trades.groupby("symbol")["broker_pnl_usd"]
    expected_rows = sorted(
        (
            (symbol, round(float(group.sum()), 8), len(group), int(group.isna().sum()))
            for symbol, group in by_symbol
        ),
        key=lambda row: -row[1],
    )
    rows = list(attribution.itertuples(index=False, name=None))
    assert [(s, n, u) for s, _, n, u in rows] == [(s, n, u) for s, _, n, u in expected_rows]
    assert [p for _, p, _, _ in rows] == pytest.approx(
        [p for _, p, _, _ in expected_rows], abs=1e-8
    )
    assert pnl_attribution_by_symbol(positions, f).equals(attribution)

    daily = daily_results(positions, f)
    days = trades["ts"].dt.floor("D")
    expected_daily = trades.groupby(days)["broker_pnl_usd"].sum(min_count=0)
    assert list(daily["day"]) == list(expected_daily.index)
    np.testing.assert_allclose(daily["pnl"], expected_daily.to_numpy(), atol=1e-8)


def test_one_read_gives_each_rules_curve(positions: Connection) -> None:
    curves = pnl_curves_by_rule(positions, WHOLE, ["R-gamma", "R-alpha", "R-none"])
    assert sorted(curves) == ["R-alpha", "R-gamma"]  # a rule without trades has no curve
    for rule in ("R-alpha", "R-gamma"):
        alone = pnl_curve(positions, dataclasses.replace(WHOLE, rule_ids=(rule,)))
        pd.testing.assert_frame_equal(curves[rule], alone)
    assert set(RULES) > set(curves)
    assert pnl_curves_by_rule(positions, WHOLE, []) == {}


def test_empty_window(positions: Connection) -> None:
    empty = Filter(start=DAY0 - dt.timedelta(days=30), end=DAY0 - dt.timedelta(days=29))
    assert pnl_curve(positions, empty).empty
    histogram, attribution = distribution_and_attribution(positions, empty)
    assert histogram.empty and attribution.empty
    report = var_report(positions, empty)
    assert report["symbols"] == []
    assert report["book"] == {
        "var95": None, "es95": None, "days_used": 0, "trades": 0, "unconverted": 0
    }  # fmt: skip


@pytest.mark.parametrize("days", [2, 250])
def test_var_from_daily_sums_equals_var_from_every_trade(positions: Connection, days: int) -> None:
    report = var_report(positions, WHOLE, days)
    trades = closed_positions(positions, WHOLE)

    def expected(group: pd.DataFrame) -> dict[str, object]:
        daily = group.groupby(group["ts"].dt.floor("D"))["broker_pnl_usd"].sum(min_count=0)
        result = value_at_risk(daily.to_numpy(), days=days)
        return {
            "var95": pytest.approx(result.var, abs=1e-8),
            "es95": pytest.approx(result.expected_shortfall, abs=1e-8),
            "days_used": result.days_used,
            "trades": len(group),
            "unconverted": int(group["broker_pnl_usd"].isna().sum()),
        }

    assert report["book"] == expected(trades)
    assert [row["symbol"] for row in report["symbols"]] == ["EURUSD", "USDJPY"]
    for row in report["symbols"]:
        assert {k: v for k, v in row.items() if k != "symbol"} == expected(
            trades[trades["symbol"] == row["symbol"]]
        )
    assert report["book"]["unconverted"] > 0 and report["book"]["days_used"] == min(days, DAYS)


@pytest.mark.parametrize("index", [0, 1, 3])
def test_lp_sharpe_equals_the_results_per_lp(positions: Connection, index: int) -> None:
    f = FILTERS[index]
    expected = results_by(positions, f, "lp")
    points = lp_sharpe(positions, f)
    assert [(p["lp"], p["trades"]) for p in points] == [(r["lp"], r["trades"]) for r in expected]
    assert [p["lp"] for p in points] == ["INTERNAL", "LPX"]
    for point, row in zip(points, expected, strict=True):
        assert point["sharpe"] == pytest.approx(row["sharpe"], rel=1e-9)
        assert point["net_pnl"] == pytest.approx(row["net_pnl"], abs=1e-8)
