"""Execution attempts as :func:`app.compliance.data.load_attempts` returns them."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pandas as pd

from app.compliance.data import ATTEMPT_COLUMNS

T0 = dt.datetime(2026, 10, 5, 12, 0, tzinfo=dt.UTC)


def attempt(**fields: Any) -> dict[str, Any]:
    """One attempt: a filled market buy of 1,000 EURUSD at 1.0 unless overridden."""
    base: dict[str, Any] = {
        "exec_id": "x1", "order_id": "o1", "exec_ts": T0 + dt.timedelta(milliseconds=20),
        "sent_ts": T0, "lp": "LP1", "status": "filled", "requested_qty": 1000.0,
        "fill_qty": 1000.0, "requested_price": 1.0, "fill_price": 1.0, "market_bid": 0.9999,
        "market_ask": 1.0001, "reject_reason": None, "commission": 0.0, "pfof": 0.0,
        "currency": "USD", "order_ts": T0, "client_ref": "p" * 32, "account_id": "A1",
        "symbol": "EURUSD", "asset_class": "fx", "pip_size": 0.0001, "side": "buy",
        "qty": 1000.0, "order_type": "market", "limit_price": None, "arrival_bid": 0.9999,
        "arrival_ask": 1.0001, "book": "A", "client_segment": "retail",
        "quote_currency": "USD", "minute": T0, "price_rate": 1.0, "fee_rate": 1.0,
    }  # fmt: skip
    base.update(fields)
    return base


def frame(*rows: dict[str, Any]) -> pd.DataFrame:
    """Attempts as a frame with the loader's columns and dtypes."""
    result = pd.DataFrame(list(rows), columns=list(ATTEMPT_COLUMNS))
    for column in ("exec_ts", "sent_ts", "order_ts", "minute"):
        result[column] = pd.to_datetime(result[column], utc=True)
    for column in ("limit_price", "fill_price", "price_rate", "fee_rate"):
        result[column] = pd.to_numeric(result[column]).astype(float)
    return result
