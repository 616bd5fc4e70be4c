"""Order routing disclosure (SEC Rule 606(a)(1)-shaped; voluntary for CFDs), per quarter.

One section per calendar month of the quarter; per venue: the orders routed to it (distinct
orders with at least one attempt there) as % of the month's non-directed orders, the split of
those orders into market / marketable limit / non-marketable limit / other (see
:mod:`app.compliance.order_types`), and the net payment received from the venue in USD:
``PFOF received - commission paid`` over its attempts, in total and per hundred units routed
(``net / requested quantity × 100``). A re-routed order counts at every venue it was sent to,
so the venue shares of a month can add up to more than 100 %.
"""

from __future__ import annotations

import datetime as dt
import re

import pandas as pd
from sqlalchemy import Connection

from app.compliance.data import load_attempts
from app.compliance.order_types import CATEGORIES, categories, is_directed
from app.compliance.render import Report, Section
from app.queries.filters import Filter, FilterError

COLUMNS = [
    "month", "venue", "orders", "non_directed_pct", "market_pct", "marketable_limit_pct",
    "non_marketable_limit_pct", "other_pct", "net_payment_usd", "routed_units",
    "net_payment_per_hundred_units",
]  # fmt: skip
_QUARTER = re.compile(r"^(\d{4})-?Q([1-4])$", re.IGNORECASE)


def quarter_filter(quarter: str) -> Filter:
    """The UTC window of a quarter written ``2026Q4`` or ``2026-Q4``."""
    match = _QUARTER.match(quarter.strip())
    if not match:
        raise FilterError("quarter", "must look like 2026Q4")
    year, q = int(match.group(1)), int(match.group(2))
    start = dt.datetime(year, 3 * q - 2, 1, tzinfo=dt.UTC)
    end = dt.datetime(year + (q == 4), 1 if q == 4 else 3 * q + 1, 1, tzinfo=dt.UTC)
    return Filter(start=start, end=end)


def months_of(flt: Filter) -> list[str]:
    """``YYYY-MM`` of every month the window touches, in order."""
    months, cursor = [], flt.start.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    while cursor < flt.end:
        months.append(f"{cursor:%Y-%m}")
        cursor = cursor.replace(year=cursor.year + cursor.month // 12, month=cursor.month % 12 + 1)
    return months


def venue_table(attempts: pd.DataFrame) -> pd.DataFrame:
    """The per-month, per-venue rows of the disclosure (months as ``YYYY-MM`` in UTC)."""
    if attempts.empty:
        return pd.DataFrame(columns=COLUMNS)
    frame = attempts.copy()
    frame["month"] = frame["exec_ts"].dt.tz_convert("UTC").dt.strftime("%Y-%m")
    frame["category"] = categories(frame)
    frame["directed"] = is_directed(frame)
    frame["net_usd"] = (frame["pfof"] - frame["commission"]) * frame["fee_rate"]
    rows = []
    for month, in_month in frame.groupby("month", sort=True):
        non_directed = in_month.loc[~in_month["directed"], "order_id"].nunique()
        for venue, group in in_month.groupby("lp", sort=True):
            orders = group.drop_duplicates("order_id")
            count = len(orders)
            shares = orders["category"].value_counts()
            units = float(group["requested_qty"].sum())
            net = float(group["net_usd"].sum())
            rows.append(
                {
                    "month": month,
                    "venue": venue,
                    "orders": count,
                    "non_directed_pct": _pct((~orders["directed"]).sum(), non_directed),
                    **{f"{c}_pct": _pct(shares.get(c, 0), count) for c in CATEGORIES},
                    "net_payment_usd": net,
                    "routed_units": units,
                    "net_payment_per_hundred_units": net / units * 100 if units else float("nan"),
                }
            )
    return pd.DataFrame(rows, columns=COLUMNS)


def _pct(part: float, whole: float) -> float:
    return float(part) / float(whole) * 100.0 if whole else float("nan")


def build(conn: Connection, flt: Filter) -> pd.DataFrame:
    """The disclosure rows for the window of ``flt`` (usually :func:`quarter_filter`)."""
    return venue_table(load_attempts(conn, flt))


def report(table: pd.DataFrame, flt: Filter) -> Report:
    """The disclosure as one section per month (empty months say so)."""
    sections = [
        Section(f"Month {month}", table[table["month"] == month].drop(columns=["month"]))
        for month in months_of(flt)
    ]
    notes = (
        "Shaped on SEC Rule 606(a)(1); published voluntarily for CFDs. No order is directed "
        "by the client. Net payment = PFOF received minus commission paid, in USD.",
    )
    period = f"{flt.start:%Y-%m-%d} to {flt.end:%Y-%m-%d} (exclusive) UTC"
    return Report(f"Order routing disclosure, {period}", sections, notes)


def recent_quarters(today: dt.date, count: int = 8) -> list[str]:
    """The current quarter and the ``count - 1`` before it, newest first (``2026Q4``)."""
    year, quarter = today.year, (today.month - 1) // 3 + 1
    found = []
    for _ in range(count):
        found.append(f"{year}Q{quarter}")
        year, quarter = (year - 1, 4) if quarter == 1 else (year, quarter - 1)
    return found
