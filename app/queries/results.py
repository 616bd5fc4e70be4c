"""Results read models: P/L metrics per rule, rule version, LP, symbol or book, and the series
behind the charts (cumulative curve, drawdown, distribution, attribution).

Everything here reads the closed positions themselves (``positions``), selected by their close
time in the filter's window, not the ``pnl_daily`` rollup: streaks, the curve and drawdowns
need each trade in close order; a window need not start at 00:00 UTC; and on plain PostgreSQL
``pnl_daily`` is only as fresh as its last refresh. For a window of whole UTC days the daily
sums are the ``net`` of ``pnl_daily`` once refreshed (both take ``broker_pnl_usd``, count
unconverted trades and leave their money out). B-book positions have no LP; they are shown and
filtered as ``INTERNAL``, as in ``pnl_daily``. Positions carry no client segment, so a
``segment`` filter is refused (FilterError).
"""

from __future__ import annotations

import math
from typing import Any, Literal

import numpy as np
import pandas as pd
from sqlalchemy import Connection, text

from app.metrics.results import (
    cumulative_pnl,
    daily_pnl,
    drawdown_series,
    pnl_attribution,
    pnl_histogram,
    running_peak,
    summarize_results,
)
from app.metrics.risk import DEFAULT_VAR_DAYS
from app.queries.filters import Filter, where
from app.queries.rules import latest_rule_names, rule_version_names

Dimension = Literal["rule", "rule_version", "lp", "symbol", "book"]
DIMENSION_KEYS: dict[str, tuple[str, ...]] = {
    "rule": ("rule_id",),
    "rule_version": ("rule_id", "rule_version"),
    "lp": ("lp",),
    "symbol": ("symbol",),
    "book": ("book",),
}
LP_OR_INTERNAL = "coalesce(lp, 'INTERNAL')"
MONEY_DECIMALS = 8
"""``broker_pnl`` is numeric(24, 8): money is rounded back to that after float arithmetic."""

_POSITIONS_SQL = """
SELECT ts, event_id, rule_id, rule_version, symbol, book, {lp} AS lp, client_ref,
       CAST(broker_pnl AS double precision) AS broker_pnl,
       CAST(broker_pnl_usd AS double precision) AS broker_pnl_usd
FROM positions WHERE {where}
ORDER BY ts, event_id
"""
POSITION_COLUMNS = (
    "ts",
    "event_id",
    "rule_id",
    "rule_version",
    "symbol",
    "book",
    "lp",
    "client_ref",
    "broker_pnl",
    "broker_pnl_usd",
)


def positions_where(f: Filter) -> str:
    """The WHERE body selecting the filter's closed positions (B-book LP as INTERNAL)."""
    return where(f, lp=LP_OR_INTERNAL)


def closed_positions(conn: Connection, f: Filter) -> pd.DataFrame:
    """The filter's closed positions in close order, USD result NaN when unconverted."""
    sql = _POSITIONS_SQL.format(lp=LP_OR_INTERNAL, where=positions_where(f))
    rows = conn.execute(text(sql), f.sql_params()).all()
    frame = pd.DataFrame(rows, columns=list(POSITION_COLUMNS))
    frame["ts"] = pd.to_datetime(frame["ts"], utc=True)
    for column in ("broker_pnl", "broker_pnl_usd"):
        frame[column] = frame[column].astype(np.float64)
    return frame


def _money(value: float) -> float:
    return round(value, MONEY_DECIMALS)


def summary_row(
    trades: pd.DataFrame,
    *,
    capital: float | None = None,
    risk_free_daily: float = 0.0,
    var_days: int = DEFAULT_VAR_DAYS,
) -> dict[str, Any]:
    """The API's results fields for one scope's trades (money rounded to the stored scale)."""
    summary = summarize_results(
        trades, capital=capital, risk_free_daily=risk_free_daily, var_days=var_days
    ).as_dict()
    for field in ("gross_profit", "gross_loss", "net_pnl", "max_drawdown", "var95", "es95"):
        if summary[field] is not None:
            summary[field] = _money(summary[field])
    return summary


def results_by(
    conn: Connection,
    f: Filter,
    by: Dimension,
    *,
    capital: float | None = None,
    risk_free_daily: float = 0.0,
    var_days: int = DEFAULT_VAR_DAYS,
) -> list[dict[str, Any]]:
    """One row of results metrics per value of ``by`` that has trades in the filter, sorted
    by key; rules and rule versions also carry their ``name``."""
    keys = list(DIMENSION_KEYS[by])
    trades = closed_positions(conn, f)
    rows: list[dict[str, Any]] = []
    for key, group in trades.groupby(keys, sort=True):
        values = key if isinstance(key, tuple) else (key,)
        row: dict[str, Any] = {k: _plain(v) for k, v in zip(keys, values, strict=True)}
        row.update(
            summary_row(group, capital=capital, risk_free_daily=risk_free_daily, var_days=var_days)
        )
        rows.append(row)
    if by == "rule":
        names = latest_rule_names(conn)
        for row in rows:
            row["name"] = names.get(row["rule_id"])
    elif by == "rule_version":
        version_names = rule_version_names(conn)
        for row in rows:
            row["name"] = version_names.get((row["rule_id"], row["rule_version"]))
    return rows


def rule_report(
    conn: Connection, f: Filter, capital: float | None = None, *, risk_free_daily: float = 0.0
) -> list[dict[str, Any]]:
    """``GET /api/v1/metrics/rules`` rows: results per rule, named by its latest version; rules
    published before the window's end but without trades in it are listed with 0 trades."""
    rows = {
        row["rule_id"]: row
        for row in results_by(conn, f, "rule", capital=capital, risk_free_daily=risk_free_daily)
    }
    names = latest_rule_names(conn, before=f.end)
    idle = summary_row(_no_trades(), capital=capital)
    for rule_id, name in names.items():
        if rule_id not in rows and (not f.rule_ids or rule_id in f.rule_ids):
            rows[rule_id] = {"rule_id": rule_id, "name": name, **idle}
    return [_rule_fields_first(rows[rule_id]) for rule_id in sorted(rows)]


def rule_version_report(
    conn: Connection, f: Filter, capital: float | None = None
) -> list[dict[str, Any]]:
    """Results per rule version (the same fields as :func:`rule_report`, plus the version)."""
    return [_rule_fields_first(row) for row in results_by(conn, f, "rule_version", capital=capital)]


def pnl_curve(conn: Connection, f: Filter, capital: float | None = None) -> pd.DataFrame:
    """Per converted trade in close order: ``ts``, ``cumulative_pnl``, ``peak``, ``drawdown``
    (USD) and, with a capital, ``drawdown_pct`` (a fraction of capital + peak)."""
    trades = closed_positions(conn, f)
    converted = trades[trades["broker_pnl_usd"].notna()]
    curve = cumulative_pnl(converted["broker_pnl_usd"])
    frame = pd.DataFrame(
        {
            "ts": converted["ts"].to_numpy(),
            "cumulative_pnl": curve,
            "peak": running_peak(curve),
            "drawdown": drawdown_series(curve),
        }
    )
    if capital is not None:
        frame["drawdown_pct"] = frame["drawdown"] / (capital + frame["peak"])
    return frame


def daily_results(conn: Connection, f: Filter) -> pd.DataFrame:
    """Daily P/L (USD) per UTC day with trades: columns ``day``, ``pnl``."""
    trades = closed_positions(conn, f)
    daily = daily_pnl(trades["ts"], trades["broker_pnl_usd"])
    return pd.DataFrame({"day": daily.index, "pnl": daily.to_numpy()})


def pnl_distribution(conn: Connection, f: Filter, bins: int = 30) -> pd.DataFrame:
    """Histogram of the converted trade results: ``bin_low``, ``bin_high``, ``trades``."""
    return pnl_histogram(closed_positions(conn, f)["broker_pnl_usd"], bins)


def pnl_attribution_by_symbol(conn: Connection, f: Filter) -> pd.DataFrame:
    """Net P/L per symbol for a waterfall, largest first: ``symbol``, ``net_pnl``, ``trades``,
    ``unconverted``."""
    trades = closed_positions(conn, f)
    frame = pnl_attribution(trades["symbol"], trades["broker_pnl_usd"])
    return frame.rename(columns={"key": "symbol"})


RULE_ROW_FIELDS = (
    "rule_id",
    "name",
    "trades",
    "gross_profit",
    "gross_loss",
    "profit_factor",
    "win_rate",
    "sharpe",
    "sortino",
    "max_drawdown",
    "max_drawdown_pct",
    "drawdown_duration_s",
    "drawdown_recovered",
    "var95",
    "es95",
    "longest_win_streak",
    "longest_loss_streak",
    "net_pnl",
)
"""The fields of a ``/metrics/rules`` row in API.md's order; extras follow."""


def _rule_fields_first(row: dict[str, Any]) -> dict[str, Any]:
    ordered = {field: row.get(field) for field in RULE_ROW_FIELDS}
    ordered.update({k: v for k, v in row.items() if k not in ordered})
    return ordered


def _no_trades() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "ts": pd.to_datetime(pd.Series([], dtype="datetime64[ns, UTC]"), utc=True),
            "broker_pnl": pd.Series([], dtype=np.float64),
            "broker_pnl_usd": pd.Series([], dtype=np.float64),
        }
    )


def _plain(value: Any) -> Any:
    """numpy scalars from a groupby key as plain Python values."""
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, np.floating):
        return None if math.isnan(value) else float(value)
    return value
