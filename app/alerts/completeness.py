"""Data-completeness checks as an alert type: when each finding of
:mod:`app.compliance.completeness` is *active*, counted per check over a rule's look-back
window, for the live evaluation and the 7-day preview alike (pure: frames in, counts out).

A finding is active from the moment it becomes one until its cause goes away:

- missing field, clock skew: from the record's time on (a stored record does not change);
- order without execution: from routing + ``wait_s`` until its first execution's time;
- execution without order: from the report + ``wait_s`` until its order's time (the data as
  stored: an order stored with a time before its execution counts as present all along).

A rule counts, at ``t``, the active findings whose record time lies in ``(t − window_s, t]``.
With frames holding the records up to ``t``, that is exactly what
:func:`app.compliance.completeness.findings` lists at ``t``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pandas as pd

from app.alerts.definitions import CompletenessSpec
from app.compliance.completeness import (
    CLOCK_SKEW,
    EXECUTION_WITHOUT_ORDER,
    MISSING_FIELD,
    ORDER_WITHOUT_EXECUTION,
    findings,
)

EXAMPLES = 3
"""Order ids a notification names per check."""
PARTNER_MARGIN = dt.timedelta(minutes=10)
"""How far before the window the live evaluation reads orders and executions, to find the
partners of the window's records (an execution's order is routed moments before it)."""
_NEVER = dt.datetime(2200, 1, 1, tzinfo=dt.UTC)
SPAN_COLUMNS = ["kind", "order_id", "ts", "start", "end"]
"""One row per finding: check, order id, record time, active from, active until (epoch seconds;
``end`` is +inf while the cause remains)."""
_DTYPES = dict(
    zip(SPAN_COLUMNS, ("object", "object", "float64", "float64", "float64"), strict=True)
)


@dataclass(frozen=True)
class CheckCount:
    """The active findings of one check: how many, and the order ids of the oldest few."""

    count: int
    examples: tuple[str, ...] = ()


def _seconds(values: pd.Series) -> npt.NDArray[np.float64]:
    if values.empty:  # an empty frame's column may not even be datetime-like
        return np.empty(0, dtype=np.float64)
    stamps = pd.to_datetime(values, utc=True)
    epoch = pd.Timestamp(0, tz="UTC")
    seconds = (stamps - epoch) / pd.Timedelta(seconds=1)
    return np.asarray(seconds.to_numpy(dtype="float64", na_value=np.inf), dtype=np.float64)


def _orphans(
    records: pd.DataFrame, partners: pd.DataFrame, kind: str, wait_s: float
) -> pd.DataFrame:
    # active from the record's time + wait until the first partner of the same order, if later
    first_partner = partners.groupby("order_id")["ts"].min()
    ts = _seconds(records["ts"])
    start = ts + wait_s
    end = _seconds(first_partner.reindex(records["order_id"].to_numpy()))
    keep = end > start
    return pd.DataFrame(
        {
            "kind": kind,
            "order_id": records["order_id"].to_numpy()[keep],
            "ts": ts[keep],
            "start": start[keep],
            "end": end[keep],
        }
    )


def spans(
    orders: pd.DataFrame, executions: pd.DataFrame, *, wait_s: float, skew_s: float
) -> pd.DataFrame:
    """Every finding over the frames (as :func:`~app.compliance.completeness.findings` reads
    them) with the time it is active from and until: :data:`SPAN_COLUMNS`."""
    lasting = [
        f
        for f in findings(orders, executions, now=_NEVER, wait_s=wait_s, skew_s=skew_s)
        if f.kind in (MISSING_FIELD, CLOCK_SKEW)
    ]
    stamps = np.array([f.ts.timestamp() for f in lasting], dtype="float64")
    static = pd.DataFrame(
        {
            "kind": [f.kind for f in lasting],
            "order_id": [f.order_id for f in lasting],
            "ts": stamps,
            "start": stamps,
            "end": np.full(len(lasting), np.inf),
        }
    )
    parts = [
        static,
        _orphans(orders, executions, ORDER_WITHOUT_EXECUTION, wait_s),
        _orphans(executions, orders, EXECUTION_WITHOUT_ORDER, wait_s),
    ]
    filled = [part for part in parts if len(part)]
    if not filled:
        return pd.DataFrame({name: pd.Series(dtype=kind) for name, kind in _DTYPES.items()})
    found = pd.concat(filled, ignore_index=True)
    return found.sort_values(["ts", "kind", "order_id"], ignore_index=True)[SPAN_COLUMNS]


def counts_now(
    found: pd.DataFrame, checks: Iterable[str], now: dt.datetime, window_s: int
) -> dict[str, CheckCount]:
    """Per check, the findings active at ``now`` whose record lies in the window ending then,
    with the order ids of the oldest :data:`EXAMPLES`."""
    t = now.timestamp()
    live = found[
        (found["start"] <= t) & (t < found["end"]) & (found["ts"] > t - window_s)
        & (found["ts"] <= t)
    ]  # fmt: skip
    result = {}
    for check in checks:
        rows = live[live["kind"] == check]
        examples = tuple(dict.fromkeys(str(o) for o in rows["order_id"]))[:EXAMPLES]
        result[check] = CheckCount(len(rows), examples)
    return result


def counts_at(
    found: pd.DataFrame, checks: Iterable[str], times: pd.DatetimeIndex, window_s: int
) -> pd.DataFrame:
    """The count :func:`counts_now` gives at each of ``times`` (rows) per check (columns)."""
    epoch = pd.Timestamp(0, tz="UTC")
    seconds = ((times - epoch) / pd.Timedelta(seconds=1)).to_numpy(dtype="float64")
    columns = {}
    for check in checks:
        rows = found[found["kind"] == check]
        # active on [start, min(end, ts + window)): +1 at the first time in it, -1 after it
        stop = np.minimum(rows["end"].to_numpy(), rows["ts"].to_numpy() + window_s)
        begin = np.searchsorted(seconds, rows["start"].to_numpy(), side="left")
        finish = np.searchsorted(seconds, stop, side="left")
        steps = np.zeros(len(seconds) + 1, dtype=np.int64)
        valid = finish > begin
        np.add.at(steps, begin[valid], 1)
        np.add.at(steps, finish[valid], -1)
        columns[check] = np.cumsum(steps[:-1])
    return pd.DataFrame(columns, index=times, dtype="float64")


def window_needed(spec: CompletenessSpec) -> dt.timedelta:
    """How far before ``now`` the live evaluation reads records for ``spec``."""
    return dt.timedelta(seconds=spec.window_s + spec.wait_s) + PARTNER_MARGIN
