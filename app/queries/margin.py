"""Margin watchlist: accounts whose latest snapshot shows a margin level below a threshold.

An account's margin level is the ``margin_level`` of its latest ``account_snapshots`` row
(METRICS.md, alert-facing ratios): equity / margin used × 100, NULL without margin in use, so
such accounts, having nothing that could be closed out, are never listed. Only the client's
pseudonym (``client_ref``) leaves this module, never the account number.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
from sqlalchemy import Connection, text

DEFAULT_MARGIN_THRESHOLD = 150.0
"""Percent: brokers usually call margin at 100 % and stop out at 50 %; 150 % gives warning."""
DEFAULT_LOOKBACK = dt.timedelta(days=7)
"""Snapshots come at least every few minutes for an open account; older ones are stale."""

_WATCHLIST_SQL = """
WITH latest AS (
    SELECT DISTINCT ON (account_id)
           account_id, client_ref, ts, margin_level,
           CAST(equity AS double precision) AS equity,
           CAST(balance AS double precision) AS balance,
           CAST(margin_used AS double precision) AS margin_used,
           currency
    FROM account_snapshots
    WHERE ts >= :since AND ts <= :as_of
    ORDER BY account_id, ts DESC, event_id DESC
)
SELECT client_ref, ts, margin_level, equity, balance, margin_used, currency
FROM latest
WHERE margin_level < :threshold
ORDER BY margin_level, client_ref, ts
LIMIT :limit
"""
WATCHLIST_COLUMNS = [
    "client_ref",
    "ts",
    "margin_level",
    "equity",
    "balance",
    "margin_used",
    "currency",
]


def margin_watchlist(
    conn: Connection,
    threshold: float = DEFAULT_MARGIN_THRESHOLD,
    *,
    as_of: dt.datetime | None = None,
    lookback: dt.timedelta = DEFAULT_LOOKBACK,
    limit: int = 500,
) -> pd.DataFrame:
    """Accounts whose latest snapshot (within ``lookback`` before ``as_of``) has a margin level
    below ``threshold`` percent, lowest first: ``client_ref``, ``ts``, ``margin_level``,
    ``equity``, ``balance``, ``margin_used`` (account currency) and ``currency``."""
    end = as_of or dt.datetime.now(dt.UTC)
    params = {"since": end - lookback, "as_of": end, "threshold": threshold, "limit": limit}
    frame = pd.DataFrame(
        conn.execute(text(_WATCHLIST_SQL), params).all(), columns=WATCHLIST_COLUMNS
    )
    frame["ts"] = pd.to_datetime(frame["ts"], utc=True)
    for column in ("margin_level", "equity", "balance", "margin_used"):
        frame[column] = frame[column].astype(np.float64)
    return frame
