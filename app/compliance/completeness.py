"""Data-completeness checks over the stored orders and executions.

:func:`findings` is pure (frames in, findings out) so the alert engine can wire it as an alert
type; :func:`check` loads the frames for a window and calls it. Kinds of finding:

- ``missing_field``: a limit/stop order without a limit price, an A-book order without its
  first LP, a fill without a fill price or quantity, a reject without a reason;
- ``order_without_execution``: an order with no execution report ``wait_s`` after routing;
- ``execution_without_order``: a report whose order has not arrived ``wait_s`` after it;
- ``clock_skew``: ``sent_ts`` later than the report's ``ts``, or earlier than its order's
  routing time, by more than ``skew_s``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pandas as pd
from sqlalchemy import Connection, text

from app.queries.filters import Filter

MISSING_FIELD = "missing_field"
ORDER_WITHOUT_EXECUTION = "order_without_execution"
EXECUTION_WITHOUT_ORDER = "execution_without_order"
CLOCK_SKEW = "clock_skew"
KINDS = (MISSING_FIELD, ORDER_WITHOUT_EXECUTION, EXECUTION_WITHOUT_ORDER, CLOCK_SKEW)
MARGIN = dt.timedelta(days=1)
"""How far beyond the window orders and executions are read to find their partners."""


@dataclass(frozen=True)
class Finding:
    """One completeness problem: what, which record (order or execution id), when, why, and
    the order it concerns (the alert notifications name orders)."""

    kind: str
    reference: str
    ts: dt.datetime
    detail: str
    order_id: str = ""


def findings(
    orders: pd.DataFrame,
    executions: pd.DataFrame,
    *,
    now: dt.datetime,
    wait_s: float,
    skew_s: float,
) -> list[Finding]:
    """Every finding over ``orders`` (order_id, ts, order_type, limit_price, book, lp) and
    ``executions`` (exec_id, order_id, ts, sent_ts, status, fill_qty, fill_price,
    reject_reason), sorted by time then kind."""
    found = [*_missing_fields(orders, executions)]
    due = pd.Timestamp(now) - pd.Timedelta(seconds=wait_s)
    with_exec = set(executions["order_id"])
    for o in orders[(orders["ts"] <= due) & ~orders["order_id"].isin(with_exec)].itertuples():
        found.append(
            Finding(
                ORDER_WITHOUT_EXECUTION,
                o.order_id,
                o.ts,
                f"no execution after {wait_s:g} s",
                o.order_id,
            )
        )
    known = set(orders["order_id"])
    orphans = executions[(executions["ts"] <= due) & ~executions["order_id"].isin(known)]
    for e in orphans.itertuples():
        found.append(
            Finding(
                EXECUTION_WITHOUT_ORDER,
                e.exec_id,
                e.ts,
                f"order {e.order_id} not received",
                e.order_id,
            )
        )
    found.extend(_clock_skew(orders, executions, skew_s))
    return sorted(found, key=lambda f: (f.ts, f.kind, f.reference))


def _missing_fields(orders: pd.DataFrame, executions: pd.DataFrame) -> list[Finding]:
    o, e = orders, executions
    fills = e["status"].isin(["filled", "partially_filled"])
    checks = [
        (o, "order_id", o["order_type"].isin(["limit", "stop"]) & o["limit_price"].isna(),
         "limit_price missing for a limit/stop order"),
        (o, "order_id", (o["book"] == "A") & o["lp"].isna(), "lp missing for an A-book order"),
        (e, "exec_id", fills & (e["fill_price"].isna() | (e["fill_qty"] <= 0)),
         "fill_price or fill_qty missing for a fill"),
        (e, "exec_id", (e["status"] == "rejected") & e["reject_reason"].isna(),
         "reject_reason missing for a reject"),
    ]  # fmt: skip
    return [
        Finding(MISSING_FIELD, getattr(row, key), row.ts, detail, row.order_id)
        for frame, key, mask, detail in checks
        for row in frame[mask].itertuples()
    ]


def _clock_skew(orders: pd.DataFrame, executions: pd.DataFrame, skew_s: float) -> list[Finding]:
    tolerance = pd.Timedelta(seconds=skew_s)
    found = []
    late = executions[executions["sent_ts"] > executions["ts"] + tolerance]
    for e in late.itertuples():
        ahead = (e.sent_ts - e.ts).total_seconds()
        found.append(
            Finding(CLOCK_SKEW, e.exec_id, e.ts, f"sent_ts {ahead:.6f} s after ts", e.order_id)
        )
    first_order = orders.sort_values("ts").drop_duplicates("order_id")[["order_id", "ts"]]
    joined = executions.merge(first_order.rename(columns={"ts": "order_ts"}), on="order_id")
    early = joined[joined["sent_ts"] < joined["order_ts"] - tolerance]
    for e in early.itertuples():
        before = (e.order_ts - e.sent_ts).total_seconds()
        found.append(
            Finding(
                CLOCK_SKEW,
                e.exec_id,
                e.ts,
                f"sent_ts {before:.6f} s before the order",
                e.order_id,
            )
        )
    return found


ORDERS_SQL = """
SELECT order_id, ts, order_type, limit_price, book, lp FROM orders
WHERE ts >= :start AND ts < :end
"""
EXECUTIONS_SQL = """
SELECT exec_id, order_id, ts, sent_ts, status, fill_qty, fill_price, reject_reason
FROM executions WHERE ts >= :start AND ts < :end
"""
ORDER_COLUMNS = ["order_id", "ts", "order_type", "limit_price", "book", "lp"]
EXECUTION_COLUMNS = [
    "exec_id", "order_id", "ts", "sent_ts", "status", "fill_qty", "fill_price", "reject_reason",
]  # fmt: skip


def _frame(
    conn: Connection, sql: str, columns: list[str], start: dt.datetime, end: dt.datetime
) -> pd.DataFrame:
    rows = conn.execute(text(sql), {"start": start, "end": end}).all()
    frame = pd.DataFrame([tuple(r) for r in rows], columns=columns)
    for column in ("ts", "sent_ts"):
        if column in frame:
            frame[column] = pd.to_datetime(frame[column], utc=True)
    for column in ("limit_price", "fill_price", "fill_qty"):
        if column in frame:
            frame[column] = pd.to_numeric(frame[column], errors="coerce").astype(float)
    return frame


def load(
    conn: Connection, start: dt.datetime, end: dt.datetime
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The orders and executions with ``start <= ts < end``, in the frames :func:`findings`
    reads."""
    orders = _frame(conn, ORDERS_SQL, ORDER_COLUMNS, start, end)
    return orders, _frame(conn, EXECUTIONS_SQL, EXECUTION_COLUMNS, start, end)


def check(
    conn: Connection, flt: Filter, *, now: dt.datetime, wait_s: float, skew_s: float
) -> list[Finding]:
    """Findings about records whose time lies in ``flt``'s window (partners are looked for a
    day beyond it)."""
    orders, executions = load(conn, flt.start - MARGIN, flt.end + MARGIN)
    found = findings(orders, executions, now=now, wait_s=wait_s, skew_s=skew_s)
    return [f for f in found if flt.start <= f.ts < flt.end]
