"""The Risk page's figures, built from read-model-shaped data by hand."""

from __future__ import annotations

import datetime as dt
import math

import pandas as pd
import pytest

from app.charts.risk import (
    BOOK_LABEL,
    book_drawdown_figure,
    lp_risk_points,
    padded_range,
    sharpe_slippage_figure,
    var_figure,
    var_table,
)

pytestmark = pytest.mark.unit

T0 = dt.datetime(2026, 11, 24, 10, 0, tzinfo=dt.UTC)


def var_row(var: float | None, es: float | None, days: int, trades: int) -> dict[str, object]:
    return {"var95": var, "es95": es, "days_used": days, "trades": trades, "unconverted": 0}


REPORT = {
    "days": 250,
    "symbols": [
        {"symbol": "EURUSD", **var_row(40.0, 50.0, 3, 5)},
        {"symbol": "XAUUSD", **var_row(None, None, 0, 1)},
    ],
    "book": var_row(45.0, 60.0, 3, 6),
}


def test_var_table_lists_symbols_then_the_book() -> None:
    table = var_table(REPORT)
    assert list(table["scope"]) == ["EURUSD", "XAUUSD", BOOK_LABEL]
    assert list(table["days_used"]) == [3, 0, 3]


def test_var_figure_groups_var_and_es_and_skips_scopes_without_a_value() -> None:
    figure = var_figure(var_table(REPORT))
    assert [trace.name for trace in figure.data] == ["VaR 95 %", "ES 95 %"]
    assert list(figure.data[0].x) == ["EURUSD", BOOK_LABEL]
    assert list(figure.data[0].y) == [40.0, 45.0]
    assert list(figure.data[1].y) == [50.0, 60.0]
    assert figure.layout.barmode == "group"


def test_var_figure_without_history() -> None:
    empty = var_table({"symbols": [], "book": var_row(None, None, 0, 0)})
    figure = var_figure(empty)
    assert not figure.data
    assert "No daily P/L" in figure.layout.annotations[0].text


def test_book_drawdown_has_the_curve_above_and_the_drawdown_below() -> None:
    curve = pd.DataFrame(
        {
            "ts": [T0, T0 + dt.timedelta(hours=1)],
            "cumulative_pnl": [100.0, 40.0],
            "peak": [100.0, 100.0],
            "drawdown": [0.0, 60.0],
        }
    )
    pnl, drawdown = book_drawdown_figure(curve).data
    assert list(pnl.y) == [100.0, 40.0]
    assert list(drawdown.y) == [0.0, -60.0]
    assert drawdown.yaxis == "y2"


def test_book_drawdown_without_trades() -> None:
    figure = book_drawdown_figure(pd.DataFrame({"ts": [], "cumulative_pnl": [], "drawdown": []}))
    assert not figure.data


def test_lp_points_join_results_with_slippage() -> None:
    results = [
        {"lp": "INTERNAL", "sharpe": 1.5, "trades": 10, "net_pnl": 120.0},
        {"lp": "LPA", "sharpe": -0.5, "trades": 4, "net_pnl": -20.0},
        {"lp": "LPZ", "sharpe": 2.0, "trades": 1, "net_pnl": 5.0},  # no fills in the scorecard
    ]
    scorecard = [
        {"lp": "LPA", "slippage_pips_mean": -0.2},
        {"lp": "INTERNAL", "slippage_pips_mean": 0.1},
        {"lp": "LPB", "slippage_pips_mean": 0.3},  # no positions
    ]
    points = lp_risk_points(results, scorecard)
    assert list(points["lp"]) == ["INTERNAL", "LPA"]
    assert list(points["slippage_pips"]) == [0.1, -0.2]
    assert list(points["sharpe"]) == [1.5, -0.5]


def test_scatter_counts_lps_it_cannot_place() -> None:
    points = pd.DataFrame(
        {
            "lp": ["LPA", "LPB"],
            "sharpe": [1.2, None],
            "slippage_pips": [0.4, 0.1],
            "trades": [5, 2],
            "net_pnl": [10.0, -3.0],
        }
    )
    figure = sharpe_slippage_figure(points)
    [scatter] = figure.data
    assert list(scatter.text) == ["LPA"]
    assert list(scatter.x) == [0.4]
    assert "1 LP(s) without both values" in figure.layout.annotations[0].text


def test_scatter_without_any_point() -> None:
    points = pd.DataFrame(
        {"lp": ["LPA"], "sharpe": [math.nan], "slippage_pips": [0.1], "trades": [1],
         "net_pnl": [1.0]}
    )  # fmt: skip
    assert not sharpe_slippage_figure(points).data


def test_the_scatter_leaves_room_around_the_points_and_zero() -> None:
    assert padded_range(pd.Series([-0.05])) == pytest.approx([-0.06, 0.01])
    assert padded_range(pd.Series([1.0, 3.0])) == pytest.approx([-0.6, 3.6])
    assert padded_range(pd.Series([0.0])) == [-1.0, 1.0]
