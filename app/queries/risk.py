"""Risk read models: historical VaR and expected shortfall of daily P/L, per symbol and for the
whole book of the filter.

Daily P/L is the same closed positions' ``broker_pnl_usd`` as the results read models
(:mod:`app.queries.results`): the sum per UTC day of the converted results, a day existing as
soon as it has one trade (converted or not). PostgreSQL adds each day up per symbol and for
the book in one pass (``GROUPING SETS``), exactly in ``numeric``, so only a row per symbol and
day leaves the database; VaR needs up to 400 days of history, far too many positions to send.
"The whole book" is every position the filter keeps: pass ``book=B`` for the risk the broker
carries itself (A-book results are hedged income). Only the last ``days`` days with trades
inside the window are used; each row says how many that was.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from sqlalchemy import Connection, text

from app.metrics.results import sharpe_ratio
from app.metrics.risk import DEFAULT_VAR_DAYS, value_at_risk
from app.queries.filters import Filter
from app.queries.results import DAY_OF_CLOSE, LP_OR_INTERNAL, MONEY_DECIMALS, positions_where

DAILY_SQL = f"""
SELECT symbol, {DAY_OF_CLOSE} AS day, count(*) AS trades,
       count(*) FILTER (WHERE broker_pnl_usd IS NULL) AS unconverted,
       CAST(coalesce(sum(broker_pnl_usd), 0) AS double precision) AS pnl
FROM positions WHERE {{where}}
GROUP BY GROUPING SETS ((symbol, {DAY_OF_CLOSE}), ({DAY_OF_CLOSE}))
ORDER BY 1 NULLS LAST, 2
"""
"""Daily P/L per symbol, then for the book (``symbol`` NULL), each in day order."""


def _var_row(daily: list[float], trades: int, unconverted: int, days: int) -> dict[str, Any]:
    result = value_at_risk(np.asarray(daily, dtype=np.float64), days=days)
    return {
        "var95": None if result.var is None else round(result.var, MONEY_DECIMALS),
        "es95": (
            None
            if result.expected_shortfall is None
            else round(result.expected_shortfall, MONEY_DECIMALS)
        ),
        "days_used": result.days_used,
        "trades": trades,
        "unconverted": unconverted,
    }


def var_report(conn: Connection, f: Filter, days: int = DEFAULT_VAR_DAYS) -> dict[str, Any]:
    """VaR 95 % and ES 95 % (1-day, historical, USD) per symbol (sorted) and for the book."""
    if days < 1:
        raise ValueError("days must be at least 1")
    daily: dict[str | None, list[float]] = {}
    counts: dict[str | None, list[int]] = {}  # [trades, unconverted]
    rows = conn.execute(text(DAILY_SQL.format(where=positions_where(f))), f.sql_params())
    for symbol, _day, trades, unconverted, pnl in rows:
        daily.setdefault(symbol, []).append(float(pnl))
        total = counts.setdefault(symbol, [0, 0])
        total[0] += int(trades)
        total[1] += int(unconverted)

    def row(scope: str | None) -> dict[str, Any]:
        trades, unconverted = counts.get(scope, [0, 0])
        return _var_row(daily.get(scope, []), trades, unconverted, days)

    named = sorted(symbol for symbol in daily if symbol is not None)
    symbols = [{"symbol": symbol, **row(symbol)} for symbol in named]
    return {"days": days, "symbols": symbols, "book": row(None)}


LP_DAILY_SQL = f"""
SELECT {LP_OR_INTERNAL} AS lp, count(*) AS trades,
       CAST(coalesce(sum(broker_pnl_usd), 0) AS double precision) AS pnl
FROM positions WHERE {{where}}
GROUP BY 1, {DAY_OF_CLOSE}
ORDER BY 1, {DAY_OF_CLOSE}
"""


def lp_sharpe(conn: Connection, f: Filter, risk_free_daily: float = 0.0) -> list[dict[str, Any]]:
    """Per LP (B-book as ``INTERNAL``) with trades, sorted: ``lp``, ``sharpe`` of its daily
    P/L, ``trades`` and ``net_pnl`` (USD): the Risk page's scatter needs no more of
    ``results_by(by="lp")``, whose figures these equal, and reads a row per LP and day."""
    daily: dict[str, list[float]] = {}
    trades: dict[str, int] = {}
    for lp, count, pnl in conn.execute(
        text(LP_DAILY_SQL.format(where=positions_where(f))), f.sql_params()
    ):
        daily.setdefault(str(lp), []).append(float(pnl))
        trades[str(lp)] = trades.get(str(lp), 0) + int(count)
    return [
        {
            "lp": lp,
            "sharpe": sharpe_ratio(np.asarray(values, dtype=np.float64), risk_free_daily),
            "trades": trades[lp],
            "net_pnl": round(sum(values), MONEY_DECIMALS),
        }
        for lp, values in sorted(daily.items())
    ]
