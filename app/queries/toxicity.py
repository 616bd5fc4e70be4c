"""Markout-based client toxicity per client and per client segment (see
:mod:`app.metrics.toxicity` for the score).

``fill_markouts`` holds one row per fill without the client: each is joined to its execution
(same ``(event_id, ts)``) and that to its order (``order_id`` from a day before to an hour after
the fill, the ingest's own matching window), which carries the client's pseudonym
(``client_ref``) and ``client_segment``. The filter applies to the fill's time, LP, symbol, book
and rule, and to the order's client segment.
"""

from __future__ import annotations

from typing import Literal

import pandas as pd
from sqlalchemy import Connection, text

from app.metrics.execution import MARKOUT_HORIZONS_S
from app.metrics.toxicity import DEFAULT_HORIZON_S, DEFAULT_MIN_TRADES, markout_toxicity
from app.queries.filters import Filter, FilterError, where

ToxicityBy = Literal["client_ref", "client_segment"]

_FILLS_SQL = """
SELECT o.client_ref, o.client_segment, m.fill_qty, m.fill_price, m.pip_size,
       m.markout_{horizon} AS markout_pips
FROM fill_markouts m
JOIN executions e ON e.event_id = m.event_id AND e.ts = m.ts
CROSS JOIN LATERAL (
    SELECT o.client_ref, o.client_segment FROM orders o
    WHERE o.order_id = e.order_id
      AND o.ts BETWEEN e.ts - INTERVAL '1 day' AND e.ts + INTERVAL '1 hour'
    ORDER BY o.ts LIMIT 1) o
WHERE {where}
"""
_COLUMNS = ["client_ref", "client_segment", "fill_qty", "fill_price", "pip_size", "markout_pips"]


def markout_fills(conn: Connection, f: Filter, horizon_s: int = DEFAULT_HORIZON_S) -> pd.DataFrame:
    """The filter's fills with their client, segment and markout (pips) at ``horizon_s``."""
    if horizon_s not in MARKOUT_HORIZONS_S:
        raise FilterError("horizon_s", f"must be one of {MARKOUT_HORIZONS_S}")
    scope = where(
        f,
        time="m.ts",
        symbol="m.symbol",
        lp="m.lp",
        book="m.book",
        rule_id="m.rule_id",
        segment="o.client_segment",
    )
    sql = _FILLS_SQL.format(horizon=horizon_s, where=scope)
    return pd.DataFrame(conn.execute(text(sql), f.sql_params()).all(), columns=_COLUMNS)


def markout_toxicity_scores(
    conn: Connection,
    f: Filter,
    by: ToxicityBy = "client_ref",
    *,
    horizon_s: int = DEFAULT_HORIZON_S,
    min_fills: int = DEFAULT_MIN_TRADES,
) -> pd.DataFrame:
    """Per client (``by="client_ref"``) or segment: ``fills``, ``markout_bps``, ``win_share``
    and the toxicity ``score`` (NaN below ``min_fills`` fills)."""
    return markout_toxicity(markout_fills(conn, f, horizon_s), by, min_fills=min_fills)
