"""Risk read models: historical VaR and expected shortfall of daily P/L, per symbol and for the
whole book of the filter.

Daily P/L is built from the same closed positions as the results read models
(:func:`app.queries.results.closed_positions`), so a rule report and this report agree for the
same filter. "The whole book" is every position the filter keeps: pass ``book=B`` for the risk
the broker carries itself (A-book results are hedged income). Only the last ``days`` days with
trades inside the window are used; each row says how many that was.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import Connection

from app.metrics.results import daily_pnl
from app.metrics.risk import DEFAULT_VAR_DAYS, value_at_risk
from app.queries.filters import Filter
from app.queries.results import MONEY_DECIMALS, closed_positions


def _var_row(trades: pd.DataFrame, days: int) -> dict[str, Any]:
    daily = daily_pnl(trades["ts"], trades["broker_pnl_usd"])
    result = value_at_risk(daily.to_numpy(), days=days)
    return {
        "var95": None if result.var is None else round(result.var, MONEY_DECIMALS),
        "es95": (
            None
            if result.expected_shortfall is None
            else round(result.expected_shortfall, MONEY_DECIMALS)
        ),
        "days_used": result.days_used,
        "trades": int(len(trades)),
        "unconverted": int(np.count_nonzero(trades["broker_pnl_usd"].isna())),
    }


def var_report(conn: Connection, f: Filter, days: int = DEFAULT_VAR_DAYS) -> dict[str, Any]:
    """VaR 95 % and ES 95 % (1-day, historical, USD) per symbol (sorted) and for the book."""
    if days < 1:
        raise ValueError("days must be at least 1")
    trades = closed_positions(conn, f)
    symbols = [
        {"symbol": symbol, **_var_row(group, days)}
        for symbol, group in trades.groupby("symbol", sort=True)
    ]
    return {"days": days, "symbols": symbols, "book": _var_row(trades, days)}
