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

:func:`results_by` (the rule report, the API's results) takes the same trades faster: per rule,
the window's whole UTC days come packed from ``rule_trades_1d`` (a row per rule and day, kept by
:func:`refresh_rule_trades_1d` for the days a trigger lists as changed), the rest as binary
arrays from ``positions``; the metrics are the same functions over the same arrays in the same
order (docs/metrics-results.md).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any, Literal

import numpy as np
import numpy.typing as npt
import pandas as pd
from sqlalchemy import Connection, text

from app.metrics.results import (
    NS_PER_DAY,
    ResultsSummary,
    cumulative_pnl,
    daily_pnl,
    drawdown_series,
    pnl_attribution,
    pnl_histogram,
    running_peak,
    summarize_results,
    summarize_trade_days,
    summarize_trades,
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
    return _rounded(
        summarize_results(
            trades, capital=capital, risk_free_daily=risk_free_daily, var_days=var_days
        )
    )


def _rounded(result: ResultsSummary) -> dict[str, Any]:
    summary = result.as_dict()
    for field in ("gross_profit", "gross_loss", "net_pnl", "max_drawdown", "var95", "es95"):
        if summary[field] is not None:
            summary[field] = _money(summary[field])
    return summary


# The report reads only what the metrics need, one row per key with each column as one array
# in PostgreSQL's binary array format (``array_send``), fetched in binary and read by numpy
# without a Python object per trade. Plain ``array_agg`` feeds every aggregate of a group the
# same rows in the same order, so the arrays line up; the close order (ts, event_id) is
# restored in numpy, which saves PostgreSQL a sort per aggregate.
_TRADE_ARRAYS_SQL = """
SELECT {keys}, count(*),
       array_send(array_agg(ts)),
       array_send(array_agg(event_id)),
       array_send(array_agg(CAST(broker_pnl AS double precision))),
       array_send(array_agg(coalesce(CAST(broker_pnl_usd AS double precision), 'NaN')))
FROM positions WHERE {where}
GROUP BY {groups}
"""
KEY_EXPRESSIONS = {"lp": f"{LP_OR_INTERNAL} AS lp"}
_ARRAY_HEADER = 20
"""``array_send`` of a 1-d array: ndim, has-nulls flag, element type, length, lower bound."""
_PG_EPOCH_US = 946_684_800_000_000
"""2000-01-01 (PostgreSQL's timestamp epoch) in microseconds since 1970."""
_FLOAT8S = np.dtype([("length", ">i4"), ("value", ">f8")])
EPOCH = dt.datetime(2000, 1, 1, tzinfo=dt.UTC)
UNIX_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
"""Day numbers count from here, as ``close_ns // NS_PER_DAY`` does."""
ONE_DAY = dt.timedelta(days=1)
DAY_OF_CLOSE = "date_bin(INTERVAL '1 day', ts, TIMESTAMPTZ '2000-01-01 00:00:00+00')"
REFRESH_DAYS_PER_STATEMENT = 7
_TIMESTAMPS = np.dtype([("length", ">i4"), ("value", ">i8")])
_UUIDS = np.dtype([("length", ">i4"), ("high", ">u8"), ("low", ">u8")])


@dataclass(frozen=True)
class TradeArrays:
    """One scope's closed positions in close order (ts, event_id): close times as int64 ns
    since 1970, ``broker_pnl`` and ``broker_pnl_usd`` (NaN when unconverted) as floats."""

    close_ns: npt.NDArray[np.int64]
    broker_pnl: npt.NDArray[np.float64]
    broker_pnl_usd: npt.NDArray[np.float64]


def trades_by(
    conn: Connection, f: Filter, keys: Sequence[str]
) -> list[tuple[tuple[Any, ...], TradeArrays]]:
    """The filter's closed positions grouped by the ``keys`` columns (``lp`` with B-book as
    INTERNAL), each group's trades in close order; groups in no particular order."""
    sql = _TRADE_ARRAYS_SQL.format(
        keys=", ".join(KEY_EXPRESSIONS.get(k, k) for k in keys),
        groups=", ".join(str(i) for i in range(1, len(keys) + 1)),
        where=positions_where(f),
    )
    groups = []
    for row in _binary_rows(conn, sql, f.sql_params()):
        *key, count, ts, event_ids, pnl, usd = row
        groups.append((tuple(key), _trade_arrays(int(count), ts, event_ids, pnl, usd)))
    return groups


def _binary_rows(conn: Connection, sql: str, params: dict[str, Any]) -> list[tuple[Any, ...]]:
    """The rows of ``sql`` (``:name`` parameters) fetched in PostgreSQL's binary format, so
    ``bytea`` arrives as bytes instead of hex text."""
    compiled = text(sql).compile(dialect=conn.dialect)
    driver = conn.connection.driver_connection
    assert driver is not None
    with driver.cursor(binary=True) as cursor:
        cursor.execute(str(compiled), {name: params[name] for name in compiled.params})
        return [tuple(row) for row in cursor.fetchall()]


REFRESH_RULE_TRADES_SQL = f"""
INSERT INTO rule_trades_1d (day, rule_id, trades, close_ts, broker_pnl, broker_pnl_usd)
SELECT {DAY_OF_CLOSE} AS day, rule_id, count(*),
       string_agg(timestamptz_send(ts), ''::bytea ORDER BY ts, event_id),
       string_agg(float8send(CAST(broker_pnl AS double precision)), ''::bytea
                  ORDER BY ts, event_id),
       string_agg(float8send(coalesce(CAST(broker_pnl_usd AS double precision), 'NaN')),
                  ''::bytea ORDER BY ts, event_id)
FROM positions
WHERE ts >= :start AND ts < :end AND {DAY_OF_CLOSE} = ANY(CAST(:days AS timestamptz[]))
GROUP BY 1, 2
"""


def refresh_rule_trades_1d(conn: Connection) -> int:
    """Recompute the days of ``rule_trades_1d`` listed as changed; returns how many days.

    Takes the listed rows visible now and recomputes their days from ``positions`` in the same
    transaction; a writer still in flight keeps its own row, so its day is redone by the next
    refresh (and read from ``positions`` until then). Idempotent.
    """
    taken = conn.execute(text("DELETE FROM rule_trades_1d_dirty RETURNING day")).scalars()
    days = sorted(set(taken))
    for i in range(0, len(days), REFRESH_DAYS_PER_STATEMENT):
        batch = days[i : i + REFRESH_DAYS_PER_STATEMENT]
        params = {"days": batch, "start": batch[0], "end": batch[-1] + ONE_DAY}
        conn.execute(
            text("DELETE FROM rule_trades_1d WHERE day = ANY(CAST(:days AS timestamptz[]))"),
            params,
        )
        conn.execute(text(REFRESH_RULE_TRADES_SQL), params)
    return len(days)


@dataclass(frozen=True)
class StoredDay:
    """One rule's trades of one UTC day as packed in ``rule_trades_1d`` (big-endian float8
    results); their close times stay in the database and are read by position when needed
    (:func:`close_ns_at`) from the same stored row version (:data:`ROW_VERSION`)."""

    day: dt.datetime
    count: int
    version: str
    broker_pnl: bytes
    broker_pnl_usd: bytes


@dataclass(frozen=True)
class ReadSpan:
    """One rule's trades of a span of time read from ``positions`` (starting at ``start``)."""

    start: dt.datetime
    trades: TradeArrays

    @property
    def count(self) -> int:
        return int(self.trades.close_ns.size)


@dataclass(frozen=True)
class RuleTrades:
    """One rule's trades of the window in close order, joined from disjoint parts in time
    order: ``broker_pnl`` (signs), ``broker_pnl_usd`` and each trade's UTC day number; the
    close times only on demand (``parts`` from ``offsets[i]`` on)."""

    broker_pnl: npt.NDArray[np.float64]
    broker_pnl_usd: npt.NDArray[np.float64]
    day_numbers: npt.NDArray[np.int64]
    parts: tuple[StoredDay | ReadSpan, ...]
    offsets: npt.NDArray[np.int64]


def rule_trades(conn: Connection, f: Filter) -> list[tuple[str, RuleTrades]]:
    """The filter's closed positions per rule, with the window's whole, unchanged UTC days
    read from ``rule_trades_1d`` (a row per rule and day; results only, no close times) and
    the rest (partial days at the ends, days changed since the last refresh) from
    ``positions``. Filters other than time and rule read everything from ``positions``."""
    first_day = _day_ceil(f.start)
    last_day = _day_floor(f.end)
    parts: dict[str, list[StoredDay | ReadSpan]] = {}
    if f.symbols or f.lps or f.books or f.segments or first_day >= last_day:
        spans = [(f.start, f.end)]
    else:
        params: dict[str, Any] = {"lo": first_day, "hi": last_day, "rule_ids": list(f.rule_ids)}
        dirty = set(conn.execute(text(_DIRTY_DAYS_SQL), params).scalars())
        params["dirty"] = sorted(dirty)
        rule_filter = "AND rule_id = ANY(:rule_ids)" if f.rule_ids else ""
        for rule_id, day, count, version, pnl, usd in _binary_rows(
            conn, _STORED_DAYS_SQL.format(rule_filter=rule_filter), params
        ):
            parts.setdefault(rule_id, []).append(StoredDay(day, count, version, pnl, usd))
        spans = _direct_spans(f.start, f.end, first_day, last_day, dirty)
    for lo, hi in spans:
        for (rule_id,), trades in trades_by(conn, replace(f, start=lo, end=hi), ("rule_id",)):
            parts.setdefault(rule_id, []).append(ReadSpan(lo, trades))
    return [(rule_id, _joined(rule_parts)) for rule_id, rule_parts in parts.items()]


_DIRTY_DAYS_SQL = "SELECT DISTINCT day FROM rule_trades_1d_dirty WHERE day >= :lo AND day < :hi"
ROW_VERSION = "CAST(xmin AS text) || '/' || CAST(ctid AS text)"
"""Which version of a stored row was read: a rewrite (delete and insert, even within one
transaction) gives the row another ``ctid``, a later transaction another ``xmin``."""
_STORED_DAYS_SQL = f"""
SELECT rule_id, day, trades, {ROW_VERSION}, broker_pnl, broker_pnl_usd FROM rule_trades_1d
WHERE day >= :lo AND day < :hi AND day <> ALL(CAST(:dirty AS timestamptz[])) {{rule_filter}}
"""
_STORED_CLOSE_TS_SQL = f"""
SELECT substring(close_ts FROM :at FOR 8) FROM rule_trades_1d
WHERE rule_id = :rule_id AND day = :day AND {ROW_VERSION} = :version
"""


def _direct_spans(
    start: dt.datetime,
    end: dt.datetime,
    first_day: dt.datetime,
    last_day: dt.datetime,
    dirty: set[dt.datetime],
) -> list[tuple[dt.datetime, dt.datetime]]:
    """The parts of ``[start, end)`` to read from ``positions``: the partial days at both ends
    and each run of consecutive changed days."""
    spans = [(start, first_day)] if start < first_day else []
    for day in sorted(dirty):
        if spans and spans[-1][1] == day:
            spans[-1] = (spans[-1][0], day + ONE_DAY)
        else:
            spans.append((day, day + ONE_DAY))
    if last_day < end:
        if spans and spans[-1][1] == last_day:
            spans[-1] = (spans[-1][0], end)
        else:
            spans.append((last_day, end))
    return spans


def _start(part: StoredDay | ReadSpan) -> dt.datetime:
    return part.day if isinstance(part, StoredDay) else part.start


def _joined(parts: list[StoredDay | ReadSpan]) -> RuleTrades:
    """Disjoint time spans of one rule's trades, each in close order, joined in time order:
    each value converted once, straight into its place in the joined arrays."""
    ordered = tuple(sorted(parts, key=_start))
    offsets = np.cumsum([0, *(part.count for part in ordered)], dtype=np.int64)
    total = int(offsets[-1])
    pnl = np.empty(total, dtype=np.float64)
    usd = np.empty(total, dtype=np.float64)
    days = np.empty(total, dtype=np.int64)
    for part, lo, hi in zip(ordered, offsets[:-1], offsets[1:], strict=True):
        if isinstance(part, StoredDay):
            pnl[lo:hi] = np.frombuffer(part.broker_pnl, ">f8", part.count)
            usd[lo:hi] = np.frombuffer(part.broker_pnl_usd, ">f8", part.count)
            days[lo:hi] = (part.day - UNIX_EPOCH) // ONE_DAY
        else:
            pnl[lo:hi] = part.trades.broker_pnl
            usd[lo:hi] = part.trades.broker_pnl_usd
            np.floor_divide(part.trades.close_ns, NS_PER_DAY, out=days[lo:hi])
    return RuleTrades(pnl, usd, days, ordered, offsets)


def close_ns_at(conn: Connection, rule_id: str, trades: RuleTrades, index: int) -> int | None:
    """The close time (ns since 1970) of the rule's trade at ``index``; None when its stored
    day has been rewritten since it was read (a refresh in between)."""
    k = int(np.searchsorted(trades.offsets, index, side="right")) - 1
    part, at = trades.parts[k], index - int(trades.offsets[k])
    if isinstance(part, ReadSpan):
        return int(part.trades.close_ns[at])
    params = {"rule_id": rule_id, "day": part.day, "at": 8 * at + 1, "version": part.version}
    packed = conn.execute(text(_STORED_CLOSE_TS_SQL), params).scalar_one_or_none()
    if packed is None:
        return None
    return (int.from_bytes(packed, "big", signed=True) + _PG_EPOCH_US) * 1000


def rule_summaries(
    conn: Connection,
    f: Filter,
    *,
    capital: float | None = None,
    risk_free_daily: float = 0.0,
    var_days: int = DEFAULT_VAR_DAYS,
) -> list[tuple[tuple[Any, ...], ResultsSummary]]:
    """The results of each rule with trades in the filter (rules in no particular order):
    :func:`summarize_trades` of its trades, with only the two close times the drawdown
    duration needs read. Should a stored day be rewritten between the reads (a refresh
    committing in between), the whole window is read from ``positions`` instead."""
    summaries: list[tuple[tuple[Any, ...], ResultsSummary]] = []
    for rule_id, trades in rule_trades(conn, f):
        summary, bounds = summarize_trade_days(
            trades.day_numbers,
            trades.broker_pnl,
            trades.broker_pnl_usd,
            capital=capital,
            risk_free_daily=risk_free_daily,
            var_days=var_days,
        )
        if bounds is not None:
            peak_ns = close_ns_at(conn, rule_id, trades, bounds.peak)
            recovery_ns = close_ns_at(conn, rule_id, trades, bounds.recovery)
            if peak_ns is None or recovery_ns is None:
                return _summaries(
                    trades_by(conn, f, ("rule_id",)), capital, risk_free_daily, var_days
                )
            summary = bounds.timed(summary, peak_ns, recovery_ns)
        summaries.append(((rule_id,), summary))
    return summaries


def _summaries(
    groups: list[tuple[tuple[Any, ...], TradeArrays]],
    capital: float | None,
    risk_free_daily: float,
    var_days: int,
) -> list[tuple[tuple[Any, ...], ResultsSummary]]:
    return [
        (
            key,
            summarize_trades(
                trades.close_ns,
                trades.broker_pnl,
                trades.broker_pnl_usd,
                capital=capital,
                risk_free_daily=risk_free_daily,
                var_days=var_days,
            ),
        )
        for key, trades in groups
    ]


def _day_floor(moment: dt.datetime) -> dt.datetime:
    return EPOCH + ((moment - EPOCH) // ONE_DAY) * ONE_DAY


def _day_ceil(moment: dt.datetime) -> dt.datetime:
    floor = _day_floor(moment)
    return floor if floor == moment else floor + ONE_DAY


def _trade_arrays(count: int, ts: bytes, event_ids: bytes, pnl: bytes, usd: bytes) -> TradeArrays:
    close_ns, order = _close_order(count, ts, event_ids)
    return TradeArrays(
        close_ns=close_ns,
        broker_pnl=_floats(pnl, count, order),
        broker_pnl_usd=_floats(usd, count, order),
    )


def _close_order(
    count: int, ts: bytes, event_ids: bytes
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.intp]]:
    """Close times (ns since 1970) in close order (ts, event_id) and the order that sorts the
    other arrays of the same rows the same way."""
    close_us = np.frombuffer(ts, _TIMESTAMPS, count, _ARRAY_HEADER)["value"].astype(np.int64)
    uuids = np.frombuffer(event_ids, _UUIDS, count, _ARRAY_HEADER)
    # uuids compare bytewise in PostgreSQL: as two big-endian unsigned halves here
    order = np.lexsort((uuids["low"], uuids["high"], close_us))
    return (close_us[order] + _PG_EPOCH_US) * 1000, order


def _floats(packed: bytes, count: int, order: npt.NDArray[np.intp]) -> npt.NDArray[np.float64]:
    return np.frombuffer(packed, _FLOAT8S, count, _ARRAY_HEADER)["value"][order].astype(np.float64)


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
    keys = DIMENSION_KEYS[by]
    if by == "rule":
        summaries = rule_summaries(
            conn, f, capital=capital, risk_free_daily=risk_free_daily, var_days=var_days
        )
    else:
        summaries = _summaries(trades_by(conn, f, keys), capital, risk_free_daily, var_days)
    rows: list[dict[str, Any]] = []
    for key, summary in sorted(summaries, key=lambda keyed: keyed[0]):
        row: dict[str, Any] = dict(zip(keys, key, strict=True))
        row.update(_rounded(summary))
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


_WINDOW_RESULTS_SQL = """
SELECT count(*),
       array_send(array_agg(ts)),
       array_send(array_agg(event_id)),
       array_send(array_agg(coalesce(CAST(broker_pnl_usd AS double precision), 'NaN')))
FROM positions WHERE {where}
"""


def window_results(
    conn: Connection, f: Filter
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.float64]]:
    """All the filter's closed positions in close order (ts, event_id): close times (ns since
    1970) and USD results (NaN when unconverted). The binary read of :func:`trades_by`,
    ungrouped and without ``broker_pnl``: a third less to send (a month of the book's trades is
    the Risk page's drawdown)."""
    sql = _WINDOW_RESULTS_SQL.format(where=positions_where(f))
    [(count, ts, event_ids, usd)] = _binary_rows(conn, sql, f.sql_params())
    if not count:
        return np.empty(0, dtype=np.int64), np.empty(0, dtype=np.float64)
    close_ns, order = _close_order(int(count), ts, event_ids)
    return close_ns, _floats(usd, int(count), order)


def curve_frame(
    close_ns: npt.NDArray[np.int64],
    pnl_usd: npt.NDArray[np.float64],
    capital: float | None = None,
) -> pd.DataFrame:
    """Per converted trade in close order: ``ts``, ``cumulative_pnl``, ``peak``, ``drawdown``
    (USD) and, with a capital, ``drawdown_pct`` (a fraction of capital + peak)."""
    converted = ~np.isnan(pnl_usd)
    curve = cumulative_pnl(pnl_usd[converted])
    frame = pd.DataFrame(
        {
            "ts": _close_times(close_ns[converted]),
            "cumulative_pnl": curve,
            "peak": running_peak(curve),
            "drawdown": drawdown_series(curve),
        }
    )
    if capital is not None:
        frame["drawdown_pct"] = frame["drawdown"] / (capital + frame["peak"])
    return frame


def _close_times(close_ns: npt.NDArray[np.int64]) -> pd.DatetimeIndex:
    """Close times as UTC timestamps at the database's resolution (microseconds)."""
    return pd.to_datetime(close_ns, utc=True).as_unit("us")


def pnl_curve(conn: Connection, f: Filter, capital: float | None = None) -> pd.DataFrame:
    """The filter's P/L curve over its converted trades (:func:`curve_frame`)."""
    return curve_frame(*window_results(conn, f), capital)


def pnl_curves_by_rule(
    conn: Connection, f: Filter, rule_ids: Sequence[str], capital: float | None = None
) -> dict[str, pd.DataFrame]:
    """The P/L curve (:func:`curve_frame`) of each of ``rule_ids`` that has trades in the
    filter, read in one query."""
    if not rule_ids:
        return {}
    groups = trades_by(conn, replace(f, rule_ids=tuple(rule_ids)), ("rule_id",))
    return {
        str(key[0]): curve_frame(trades.close_ns, trades.broker_pnl_usd, capital)
        for key, trades in groups
    }


def daily_results(conn: Connection, f: Filter) -> pd.DataFrame:
    """Daily P/L (USD) per UTC day with trades: columns ``day``, ``pnl``."""
    close_ns, pnl_usd = window_results(conn, f)
    daily = daily_pnl(_close_times(close_ns), pnl_usd)
    return pd.DataFrame({"day": daily.index, "pnl": daily.to_numpy()})


def pnl_distribution(conn: Connection, f: Filter, bins: int = 30) -> pd.DataFrame:
    """Histogram of the converted trade results: ``bin_low``, ``bin_high``, ``trades``."""
    return pnl_histogram(window_results(conn, f)[1], bins)


def pnl_attribution_by_symbol(conn: Connection, f: Filter) -> pd.DataFrame:
    """Net P/L per symbol for a waterfall, largest first: ``symbol``, ``net_pnl``, ``trades``,
    ``unconverted``."""
    return distribution_and_attribution(conn, f)[1]


def distribution_and_attribution(
    conn: Connection, f: Filter, bins: int = 30
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """:func:`pnl_distribution` and :func:`pnl_attribution_by_symbol` from one read of the
    trades grouped by symbol (each symbol's trades in close order, as in the whole window)."""
    groups = trades_by(conn, f, ("symbol",))
    results = [trades.broker_pnl_usd for _, trades in groups]
    every = np.concatenate(results) if results else np.empty(0, dtype=np.float64)
    symbols = np.array([str(key[0]) for key, _ in groups], dtype=object)
    keys = np.repeat(symbols, [r.size for r in results])
    attribution = pnl_attribution(keys, every).rename(columns={"key": "symbol"})
    # Sums of floats differ in the last bits with the order they are added in: rounded to the
    # stored scale (numeric(24, 8)), the answer no longer depends on how the rows were grouped.
    attribution["net_pnl"] = attribution["net_pnl"].round(MONEY_DECIMALS)
    return pnl_histogram(every, bins), attribution


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
