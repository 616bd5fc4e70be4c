"""Metric values for the alert evaluator and the preview, read from the rollups and raw tables.

Every metric of :data:`app.alerts.definitions.METRICS` is computed from a per-minute frame of
one *family* (rows: minute bucket × scope key; columns: summable components or point-in-time
levels), so the live evaluation (the window ending now) and the preview (windows ending at each
minute of the last 7 days) use the same numbers. A window of ``w`` seconds ending at ``t``
covers the minute buckets that overlap ``(t − w, t]``; at a minute boundary that is exactly
``w / 60`` buckets.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pandas as pd
from sqlalchemy import Connection, text

from app.queries.exposure import exposure_now, positions_at
from app.queries.filters import Filter

MINUTE = dt.timedelta(minutes=1)


@dataclass(frozen=True)
class Family:
    """One source table's per-minute frame: its SQL (``{key}`` = the scope column) and whether
    its columns are summed over a window (counts) or taken at the window's end (levels)."""

    sql: str
    scope_columns: Mapping[str, str]
    summed: bool = True


_EXEC = Family(
    """SELECT bucket, {key} AS key, sum(attempts) AS attempts, sum(fills) AS fills,
       sum(rejects) AS rejects, sum(fill_qty) AS fill_qty,
       sum(slippage_pips_qty_sum) AS slippage_sum, sum(latency_ms_sum) AS latency_sum,
       max(latency_ms_max) AS latency_max, sum(notional_usd) AS notional
    FROM exec_rollup_1m WHERE bucket > :start AND bucket <= :end GROUP BY 1, 2""",
    {"global": "''", "lp": "lp", "symbol": "symbol", "book": "book", "rule": "rule_id"},
)
_FAILED = Family(
    """SELECT date_trunc('minute', e.ts) AS bucket, {key} AS key, count(*) AS failed
    FROM executions e LEFT JOIN LATERAL (
        SELECT o.account_id FROM orders o WHERE o.order_id = e.order_id LIMIT 1) o ON true
    WHERE e.status = 'rejected' AND e.ts > :start AND e.ts <= :end_exact GROUP BY 1, 2""",
    {"global": "''", "lp": "e.lp", "account": "o.account_id"},
)
_ORDERS = Family(
    """SELECT date_trunc('minute', ts) AS bucket, {key} AS key, count(*) AS orders,
       count(*) FILTER (WHERE side = 'buy') AS buys, count(*) FILTER (WHERE side = 'sell') AS sells
    FROM orders WHERE ts > :start AND ts <= :end_exact GROUP BY 1, 2""",
    {"global": "''", "symbol": "symbol", "account": "account_id", "book": "book"},
)
_MARGIN = Family(
    """SELECT DISTINCT ON (2, 1) date_trunc('minute', ts) AS bucket, {key} AS key,
       margin_level FROM account_snapshots
    WHERE ts > :start - interval '1 day' AND ts <= :end_exact ORDER BY 2, 1, ts DESC""",
    {"account": "account_id"},
    summed=False,
)
_PNL = Family(
    """SELECT date_trunc('minute', ts) AS bucket, {key} AS key, sum(broker_pnl_usd)::float8 AS pnl
    FROM positions WHERE ts >= date_trunc('day', :start) AND ts <= :end_exact GROUP BY 1, 2""",
    {"global": "''", "symbol": "symbol", "book": "book"},
)
_LP_STATUS = Family(
    """SELECT DISTINCT ON (2, 1) date_trunc('minute', ts) AS bucket, {key} AS key,
       CASE WHEN status = 'up' THEN 1.0 ELSE 0.0 END AS up FROM lp_status
    WHERE ts > :start - interval '1 day' AND ts <= :end_exact ORDER BY 2, 1, ts DESC""",
    {"lp": "lp"},
    summed=False,
)
_EXPOSURE = Family(
    """SELECT bucket, {key} AS key, sum(net_qty_delta) AS delta FROM exposure_1m
    WHERE bucket <= :end GROUP BY 1, 2""",
    {"symbol": "symbol"},
)

FAMILY_OF: dict[str, Family] = {
    **dict.fromkeys(
        (
            "attempts",
            "rejects",
            "reject_rate",
            "fill_ratio",
            "slippage_pips",
            "latency_ms",
            "latency_max_ms",
            "volume_usd",
            "volume_share",
        ),
        _EXEC,
    ),
    "failed_orders": _FAILED,
    "orders": _ORDERS,
    "buy_sell_imbalance": _ORDERS,
    "margin_level": _MARGIN,
    "daily_pnl_usd": _PNL,
    "daily_loss_usd": _PNL,
    "drawdown_usd": _PNL,
    "lp_uptime": _LP_STATUS,
    "exposure": _EXPOSURE,
    "exposure_pct_of_limit": _EXPOSURE,
}


def family_of(metric: str, scope: str) -> Family:
    """Where ``metric`` split by ``scope`` is read from: failed orders per LP or overall come
    from the minute rollups (cheap at any volume), per account from the raw executions."""
    if metric == "failed_orders" and scope != "account":
        return _EXEC
    return FAMILY_OF[metric]


def shares_frames(metric: str) -> bool:
    """Whether :func:`series` of ``metric`` can use a frame read for its family beforehand
    (not exposure: its frame is cumulative and its percentage needs the marks)."""
    return FAMILY_OF[metric] is not _EXPOSURE


def minute_frame(
    conn: Connection, family: Family, scope: str, start: dt.datetime, end: dt.datetime
) -> pd.DataFrame:
    """The family's rows for buckets in ``(start, end]`` (raw events up to ``end`` exactly)."""
    sql = family.sql.format(key=family.scope_columns[scope])
    params = {"start": start, "end": end, "end_exact": end}
    frame = pd.DataFrame(conn.execute(text(sql), params).mappings().all())
    if frame.empty:
        return frame
    frame["bucket"] = pd.to_datetime(frame["bucket"], utc=True)
    frame["key"] = frame["key"].fillna("").astype(str)
    return frame


def _ratio(numerator: pd.DataFrame, denominator: pd.DataFrame, scale: float = 1.0) -> pd.DataFrame:
    return (numerator * scale).div(denominator.where(denominator > 0))


def metric_grid(
    metric: str, frame: pd.DataFrame, times: pd.DatetimeIndex, window_s: int
) -> pd.DataFrame:
    """The metric over the window ending at each of ``times`` (rows) per scope key (columns)."""
    if frame.empty:
        return pd.DataFrame(index=times, dtype="float64")
    start = min(frame["bucket"].min(), times[0].floor("min"))
    minutes = pd.date_range(start, times[-1].floor("min"), freq="min", tz="UTC")
    columns = [c for c in frame.columns if c not in ("bucket", "key")]
    frame = frame.astype(dict.fromkeys(columns, "float64"))  # SQL sums may come as objects
    # one unstack for every column (pivot_table per column is ~50x slower)
    stacked = frame.groupby(["bucket", "key"])[columns].sum().unstack("key")
    wide = {c: stacked.xs(c, axis=1, level=0).reindex(minutes) for c in columns}
    family = FAMILY_OF[metric]
    if metric == "failed_orders" and "rejects" in frame.columns:
        family = _EXEC
    if metric in ("exposure", "exposure_pct_of_limit"):
        return _at(wide["delta"].fillna(0).cumsum(), times)
    if not family.summed:
        level = wide[columns[0]].ffill()
        if metric == "lp_uptime":
            return _at(_rolling(level, times, window_s, "mean") * 100, times)
        return _at(level, times)
    if family is _PNL:
        return _daily_pnl(metric, wide["pnl"].fillna(0), times)
    sums = {
        c: _rolling(w.fillna(0), times, window_s, "max" if c == "latency_max" else "sum")
        for c, w in wide.items()
    }
    return _at(_exec_metric(metric, sums), times)


def _rolling(wide: pd.DataFrame, times: pd.DatetimeIndex, window_s: int, how: str) -> pd.DataFrame:
    # a window ending at t covers the buckets overlapping (t - w, t]: one more when t is
    # inside a minute
    aligned = bool((times == times.floor("min")).all())
    buckets = max(1, math.ceil(window_s / 60)) + (0 if aligned else 1)
    rolled = wide.rolling(buckets, min_periods=1)
    return rolled.sum() if how == "sum" else rolled.max() if how == "max" else rolled.mean()


def _at(grid: pd.DataFrame, times: pd.DatetimeIndex) -> pd.DataFrame:
    # the value at t is the row of the last bucket that started before t
    positions = grid.index.searchsorted(times - pd.Timedelta(microseconds=1), side="right") - 1
    rows = grid.to_numpy(dtype="float64", na_value=np.nan)
    picked = np.full((len(times), grid.shape[1]), np.nan)
    valid = positions >= 0
    picked[valid] = rows[positions[valid]]
    return pd.DataFrame(picked, index=times, columns=grid.columns)


def _exec_metric(metric: str, s: Mapping[str, pd.DataFrame]) -> pd.DataFrame:
    if metric == "attempts":
        return s["attempts"]
    if metric == "rejects":
        return s["rejects"]
    if metric == "reject_rate":
        return _ratio(s["rejects"], s["attempts"], 100.0)
    if metric == "fill_ratio":
        return _ratio(s["fills"], s["attempts"], 100.0)
    if metric == "slippage_pips":
        return _ratio(s["slippage_sum"], s["fill_qty"])
    if metric == "latency_ms":
        return _ratio(s["latency_sum"], s["attempts"])
    if metric == "latency_max_ms":
        return s["latency_max"].where(s["attempts"] > 0)
    if metric == "volume_usd":
        return s["notional"]
    if metric == "volume_share":
        total = s["notional"].sum(axis=1)
        return s["notional"].mul(100.0).div(total.where(total > 0), axis=0)
    if metric == "failed_orders":
        return s["failed"] if "failed" in s else s["rejects"]
    if metric == "orders":
        return s["orders"]
    # buy_sell_imbalance
    return _ratio(s["buys"] - s["sells"], s["orders"], 100.0)


def _daily_pnl(metric: str, pnl: pd.DataFrame, times: pd.DatetimeIndex) -> pd.DataFrame:
    # the minute grid is contiguous, so a day's cumulative sum starts at its first minute
    cumulative = pnl.groupby(pnl.index.floor("D")).cumsum()
    if metric == "daily_pnl_usd":
        grid = cumulative
    elif metric == "daily_loss_usd":
        grid = (-cumulative).clip(lower=0)
    else:
        peak = cumulative.groupby(cumulative.index.floor("D")).cummax().clip(lower=0)
        grid = peak - cumulative
    values = _at(grid, times)
    # just after midnight (no bucket of the new day yet) the day's P/L is zero
    last_bucket_day = (times - pd.Timedelta(minutes=1)).floor("D")
    values.loc[last_bucket_day != (times - pd.Timedelta(microseconds=1)).floor("D")] = 0.0
    return values


def values_now(
    conn: Connection, needs: Iterable[tuple[str, str, int]], now: dt.datetime
) -> dict[tuple[str, str, int], dict[str, float]]:
    """(metric, scope, window_s) → {scope key: value} for the windows ending at ``now``.

    One query per (family, scope) whatever the number of rules; keys without a value (no
    attempts in the window, no snapshot) are left out.
    """
    needs = set(needs)
    frames: dict[tuple[int, str, int], pd.DataFrame] = {}
    window_sums: dict[tuple[int, str, int, int], pd.DataFrame] = {}
    longest: dict[tuple[int, str], int] = {}
    for metric, scope, window_s in needs:
        ident = (id(family_of(metric, scope)), scope)
        longest[ident] = max(longest.get(ident, 0), window_s)
    result: dict[tuple[str, str, int], dict[str, float]] = {}
    times = pd.DatetimeIndex([pd.Timestamp(now)])
    for metric, scope, window_s in sorted(needs):
        family = family_of(metric, scope)
        if family is _EXPOSURE:
            result[(metric, scope, window_s)] = _exposure_now(conn, metric, now)
            continue
        ident = (id(family), scope)
        exact = family in (_FAILED, _ORDERS)
        frame_key = (id(family), scope, window_s if exact else 0)
        if frame_key not in frames:
            # raw events are counted over exactly (now - w, now]; minute rollups by overlap
            seconds = window_s if exact else longest[ident] + 60
            start = now - dt.timedelta(seconds=seconds)
            frames[frame_key] = minute_frame(conn, family, scope, start, now)
        frame = frames[frame_key]
        if family.summed and family is not _PNL:
            sums_key = (*frame_key, window_s)
            if sums_key not in window_sums:
                window_sums[sums_key] = _window_sums(frame, now, window_s, everything=exact)
            row = _metric_now(metric, window_sums[sums_key])
        else:
            grid = metric_grid(metric, frame, times, window_s)
            row = grid.iloc[0] if len(grid) else pd.Series(dtype="float64")
        result[(metric, scope, window_s)] = {
            str(key): float(value) for key, value in row.items() if not math.isnan(value)
        }
    return result


def _window_sums(
    frame: pd.DataFrame, now: dt.datetime, window_s: int, *, everything: bool
) -> pd.DataFrame:
    """Per key, the components summed over the minute buckets overlapping ``(now − w, now]``
    (or over all rows of a frame already cut to the window)."""
    if frame.empty:
        return pd.DataFrame()
    rows = frame
    if not everything:
        stamp = pd.Timestamp(now)
        start = stamp - pd.Timedelta(seconds=window_s + 60)
        rows = frame[(frame["bucket"] > start) & (frame["bucket"] <= stamp)]
    columns = [c for c in rows.columns if c not in ("bucket", "key")]
    numbers = rows[columns].astype("float64")
    grouped = numbers.groupby(rows["key"])
    sums = grouped.sum()
    if "latency_max" in sums.columns:
        sums["latency_max"] = grouped["latency_max"].max()
    return sums


def _metric_now(metric: str, sums: pd.DataFrame) -> pd.Series:
    """One metric per key from :func:`_window_sums` (numpy on the summed components: the
    evaluator calls this for every metric of every pass)."""
    if sums.empty:
        return pd.Series(dtype="float64")
    if metric == "volume_share":
        total = float(sums["notional"].sum())
        return (sums["notional"] * 100.0 / total) if total > 0 else sums["notional"] * math.nan
    array = sums.to_numpy(dtype="float64", na_value=np.nan)
    components = {str(c): array[:, i] for i, c in enumerate(sums.columns)}
    return pd.Series(_exec_metric_now(metric, components), index=sums.index, dtype="float64")


def _ratio_now(
    numerator: npt.NDArray[np.float64], denominator: npt.NDArray[np.float64], scale: float = 1.0
) -> npt.NDArray[np.float64]:
    # the same arithmetic as _ratio: (numerator × scale) / denominator where it is positive
    positive = denominator > 0
    safe = np.where(positive, denominator, 1.0)
    return np.where(positive, (numerator * scale) / safe, np.nan)


def _exec_metric_now(
    metric: str, s: Mapping[str, npt.NDArray[np.float64]]
) -> npt.NDArray[np.float64]:
    """:func:`_exec_metric` on one row of components per key (all but ``volume_share``)."""
    if metric in ("attempts", "rejects", "orders"):
        return s[metric]
    if metric == "reject_rate":
        return _ratio_now(s["rejects"], s["attempts"], 100.0)
    if metric == "fill_ratio":
        return _ratio_now(s["fills"], s["attempts"], 100.0)
    if metric == "slippage_pips":
        return _ratio_now(s["slippage_sum"], s["fill_qty"])
    if metric == "latency_ms":
        return _ratio_now(s["latency_sum"], s["attempts"])
    if metric == "latency_max_ms":
        return np.where(s["attempts"] > 0, s["latency_max"], np.nan)
    if metric == "volume_usd":
        return s["notional"]
    if metric == "failed_orders":
        return s["failed"] if "failed" in s else s["rejects"]
    # buy_sell_imbalance
    return _ratio_now(s["buys"] - s["sells"], s["orders"], 100.0)


def _window_now(
    metric: str, frame: pd.DataFrame, now: dt.datetime, window_s: int, *, everything: bool
) -> pd.Series:
    """The metric per key over the window ending at ``now``, without a minute grid."""
    return _metric_now(metric, _window_sums(frame, now, window_s, everything=everything))


def _exposure_now(conn: Connection, metric: str, now: dt.datetime) -> dict[str, float]:
    if metric == "exposure_pct_of_limit":
        return _exposure_pct(conn, now)
    window = Filter(start=now - dt.timedelta(days=1), end=now)
    return positions_at(conn, window, now + MINUTE)


def _exposure_pct(conn: Connection, now: dt.datetime) -> dict[str, float]:
    frame = exposure_now(conn, Filter(start=now - dt.timedelta(days=1), end=now), now)
    return {
        str(row.symbol): abs(float(row.utilisation)) * 100.0
        for row in frame.itertuples()
        if row.utilisation is not None and not math.isnan(float(row.utilisation))
    }


def series(
    conn: Connection,
    metric: str,
    scope: str,
    window_s: int,
    start: dt.datetime,
    end: dt.datetime,
    step: dt.timedelta = MINUTE,
    frame: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """The metric at every ``step`` from ``start`` to ``end`` (rows) per scope key (columns).

    ``frame``: the :func:`minute_frame` of the metric's family and scope up to ``end``, already
    read by the caller for several metrics (it may start earlier than this one needs: the
    values at ``start`` … ``end`` are the same).

    ``exposure_pct_of_limit`` values positions at each step with the marks at ``end`` (an
    approximation for history; the live value uses the marks of the moment).
    """
    times = pd.date_range(start, end, freq=step, tz="UTC")
    if len(times) == 0:
        return pd.DataFrame(dtype="float64")
    if frame is None:
        lead = start - dt.timedelta(seconds=window_s + 60)
        frame = minute_frame(conn, family_of(metric, scope), scope, lead, end)
    grid = metric_grid(metric, frame, times, window_s)
    if metric == "exposure_pct_of_limit" and not grid.empty:
        now_pct = _exposure_pct(conn, end)
        positions_now = grid.iloc[-1]
        scale = {
            key: now_pct[key] / abs(positions_now[key])
            for key in grid.columns
            if key in now_pct and positions_now.get(key)
        }
        grid = grid[list(scale)].abs().mul(pd.Series(scale))
    return grid
