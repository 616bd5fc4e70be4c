"""Routing rules: their published versions and names, the backtest of a rule under another
book policy, and the comparison of two versions of a rule.

A rule's name is the ``name`` of its latest published version (highest ``rule_version``), so
a rename shows everywhere at once. The backtest converts what it needs to USD with the same
``usd_rate`` SQL function the ingest uses (latest composite mid at the close time; NULL when
unknown, then the trade is left out of the money like an unconverted live trade):

- ``client_pnl_usd`` = ``client_pnl × usd_rate(currency, ts)``;
- ``notional_usd`` = ``qty × (open_price + close_price) × usd_rate(quote currency, ts)``;
- ``spread_usd`` = the symbol's typical spread × ``qty`` × the quote currency's rate, where the
  typical spread is the time-weighted mean over all LPs in the window
  (``Σ spread_tw_sum / Σ spread_tw_seconds`` of ``lp_quote_stats_1m``); 0 without quotes.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import Connection, text

from app.metrics.backtest import (
    CostModel,
    PolicyName,
    compare_versions,
    flipped_books,
    run_backtest,
    toxicity_books,
)
from app.metrics.toxicity import DEFAULT_MIN_TRADES, toxicity_scores
from app.queries.filters import Filter, where
from app.queries.toxicity import markout_toxicity_scores


def latest_rule_names(conn: Connection, before: dt.datetime | None = None) -> dict[str, str]:
    """``rule_id`` → name of its latest version (only versions effective before ``before``)."""
    sql = """
        SELECT DISTINCT ON (rule_id) rule_id, name FROM rules
        WHERE CAST(:before AS timestamptz) IS NULL OR effective_from < :before
        ORDER BY rule_id, rule_version DESC, ts DESC
    """
    return {rule_id: name for rule_id, name in conn.execute(text(sql), {"before": before})}


def rule_version_names(conn: Connection) -> dict[tuple[str, int], str]:
    """``(rule_id, rule_version)`` → the name that version was published with."""
    sql = """
        SELECT DISTINCT ON (rule_id, rule_version) rule_id, rule_version, name FROM rules
        ORDER BY rule_id, rule_version, ts DESC
    """
    return {(r, v): name for r, v, name in conn.execute(text(sql))}


def rule_versions(conn: Connection, rule_id: str | None = None) -> pd.DataFrame:
    """Published rule versions: ``rule_id``, ``rule_version``, ``name``, ``book``,
    ``conditions``, ``effective_from``, newest version first within each rule."""
    sql = """
        SELECT DISTINCT ON (rule_id, rule_version)
               rule_id, rule_version, name, book, conditions, effective_from
        FROM rules WHERE CAST(:rule_id AS text) IS NULL OR rule_id = :rule_id
        ORDER BY rule_id, rule_version DESC, ts DESC
    """
    rows = conn.execute(text(sql), {"rule_id": rule_id}).all()
    columns = ["rule_id", "rule_version", "name", "book", "conditions", "effective_from"]
    return pd.DataFrame(rows, columns=columns)


def client_toxicity(
    conn: Connection, f: Filter, *, min_trades: int = DEFAULT_MIN_TRADES
) -> pd.DataFrame:
    """Per client (index ``client_ref``): ``trades``, ``edge_bps``, ``win_share`` and the
    edge score over the filter's closed positions (see :mod:`app.metrics.toxicity`); the
    backtest routes by the markout-based score of :mod:`app.queries.toxicity` instead."""
    sql = f"""
        SELECT client_ref, side, open_price, close_price,
               CAST(client_pnl AS double precision) AS client_pnl
        FROM positions WHERE {where(f, lp="coalesce(lp, 'INTERNAL')")}
    """
    columns = ["client_ref", "side", "open_price", "close_price", "client_pnl"]
    frame = pd.DataFrame(conn.execute(text(sql), f.sql_params()).all(), columns=columns)
    return toxicity_scores(frame, min_trades=min_trades)


_BACKTEST_SQL = """
WITH spreads AS (
    SELECT symbol, sum(spread_tw_sum) / nullif(sum(spread_tw_seconds), 0) AS typical_spread
    FROM lp_quote_stats_1m WHERE bucket >= :start AND bucket < :end
    GROUP BY symbol
), p AS (
    SELECT *, usd_rate(quote_currency(symbol), ts) AS quote_usd
    FROM positions WHERE {where}
)
SELECT p.ts, p.event_id, p.client_ref, p.book,
       CAST(p.broker_pnl AS double precision) AS broker_pnl,
       CAST(p.broker_pnl_usd AS double precision) AS broker_pnl_usd,
       CAST(p.client_pnl AS double precision) * usd_rate(p.currency, p.ts) AS client_pnl_usd,
       p.qty * (p.open_price + p.close_price) * p.quote_usd AS notional_usd,
       coalesce(s.typical_spread, 0) * p.qty * p.quote_usd AS spread_usd
FROM p LEFT JOIN spreads s ON s.symbol = p.symbol
ORDER BY p.ts, p.event_id
"""
BACKTEST_COLUMNS = [
    "ts",
    "event_id",
    "client_ref",
    "book",
    "broker_pnl",
    "broker_pnl_usd",
    "client_pnl_usd",
    "notional_usd",
    "spread_usd",
]


def backtest_trades(conn: Connection, f: Filter) -> pd.DataFrame:
    """The filter's closed positions with the USD amounts a backtest needs (NaN unknown)."""
    sql = _BACKTEST_SQL.format(where=where(f, lp="coalesce(lp, 'INTERNAL')"))
    frame = pd.DataFrame(conn.execute(text(sql), f.sql_params()).all(), columns=BACKTEST_COLUMNS)
    frame["ts"] = pd.to_datetime(frame["ts"], utc=True)
    for column in BACKTEST_COLUMNS[4:]:
        frame[column] = pd.to_numeric(frame[column], errors="coerce").astype(np.float64)
    return frame


def rule_backtest(
    conn: Connection,
    f: Filter,
    policy: PolicyName,
    *,
    threshold_bps: float = 0.0,
    min_trades: int = DEFAULT_MIN_TRADES,
    score_filter: Filter | None = None,
    costs: CostModel | None = None,
    capital: float | None = None,
) -> dict[str, Any]:
    """Live results of the filter's trades (usually one ``rule_id``) against the same trades
    re-scored under ``policy``: ``flip`` (A ↔ B) or ``toxicity`` (clients whose markout-based
    toxicity score is above ``threshold_bps`` to A, the rest to B). Scores come from the fills
    of ``score_filter`` (default: every fill in the same window); scoring the window being
    tested is in-sample, so pass an earlier window to avoid hindsight. All figures are
    estimates."""
    trades = backtest_trades(conn, f)
    if policy == "flip":
        books = flipped_books(trades["book"])
    elif policy == "toxicity":
        scoring = score_filter or Filter(start=f.start, end=f.end)
        scored = markout_toxicity_scores(conn, scoring, "client_ref", min_fills=min_trades)
        scores = scored["score"].dropna()
        books = toxicity_books(trades["client_ref"], scores.to_dict(), threshold_bps)
    else:
        raise ValueError(f"unknown policy {policy!r}; use flip or toxicity")
    result = run_backtest(trades, books, policy, costs=costs, capital=capital)
    return {
        "policy": result.policy,
        "estimate": result.estimate,
        "moved_to_a": result.moved_to_a,
        "moved_to_b": result.moved_to_b,
        "costs": asdict(costs or CostModel()),
        "live": result.live.as_dict(),
        "alternative": result.alternative.as_dict(),
    }


def compare_rule_versions(
    conn: Connection,
    f: Filter,
    rule_id: str,
    version_a: int,
    version_b: int,
    *,
    seed: int = 0,
) -> dict[str, Any]:
    """Mean USD result per trade of two versions of ``rule_id`` in the window, their difference
    (b − a) and a seeded bootstrap 95 % confidence interval."""
    sql = f"""
        SELECT rule_version, CAST(broker_pnl_usd AS double precision) FROM positions
        WHERE {where(f, lp="coalesce(lp, 'INTERNAL')")}
          AND rule_id = :rule_id AND rule_version IN (:version_a, :version_b)
    """
    params = f.sql_params() | {"rule_id": rule_id, "version_a": version_a, "version_b": version_b}
    frame = pd.DataFrame(conn.execute(text(sql), params).all(), columns=["version", "pnl"])
    pnl = pd.to_numeric(frame["pnl"], errors="coerce").astype(np.float64)
    comparison = compare_versions(
        pnl[frame["version"] == version_a], pnl[frame["version"] == version_b], seed=seed
    )
    return {"rule_id": rule_id, "version_a": version_a, "version_b": version_b} | asdict(comparison)
