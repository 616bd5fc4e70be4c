"""Per-minute and per-day rollups, and the latency histogram's bucket mapping.

- ``exec_rollup_1m``: execution quality per minute, LP, symbol, book and rule version. It is
  maintained by the execution consumer (an execution report lacks the order's symbol, book, rule
  and pip size, which arrive on another topic, possibly later), so it is a plain time-partitioned
  table or hypertable on both storage paths, never a continuous aggregate.
- ``exposure_1m``: the broker's B-book position per symbol and minute, also consumer-maintained.
- ``pnl_daily``: closed-position results per UTC day, derived from ``positions``.

Latency histogram: a sparse histogram in two parallel arrays sorted by bucket,
``latency_buckets[k]`` (a bucket index) and ``latency_counts[k]`` (attempts in it), over a
DDSketch-style logarithmic mapping with relative accuracy 1 %: with
``γ = (1 + α) / (1 − α)``, α = 0.01, a latency ``x`` ms goes to ``ceil(log_γ x) − OFFSET``, and
bucket ``i`` is represented by ``2 γ^(i + OFFSET) / (γ + 1)``, which is within α of every value
in the bucket. The array covers 0.01 ms to 60 s; latencies outside are clamped to the first or
last bucket. Sparse, because one minute of one LP, symbol and rule holds few attempts; merge
rows by adding counts of equal buckets (``unnest`` the arrays and ``GROUP BY`` the bucket).
"""

from __future__ import annotations

import datetime as dt
import math
from decimal import Decimal
from typing import cast

from sqlalchemy import BigInteger, Column, DateTime, Double, Integer, LargeBinary, Table, Text
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Mapped, mapped_column

from app.db.base import Base

LATENCY_RELATIVE_ACCURACY = 0.01
LATENCY_GAMMA = (1 + LATENCY_RELATIVE_ACCURACY) / (1 - LATENCY_RELATIVE_ACCURACY)
LATENCY_MIN_MS = 0.01
LATENCY_MAX_MS = 60_000.0
_LOG_GAMMA = math.log(LATENCY_GAMMA)
LATENCY_BUCKET_OFFSET = math.ceil(math.log(LATENCY_MIN_MS) / _LOG_GAMMA)
LATENCY_BUCKET_COUNT = math.ceil(math.log(LATENCY_MAX_MS) / _LOG_GAMMA) - LATENCY_BUCKET_OFFSET + 1


def latency_bucket(ms: float) -> int:
    """Histogram bucket of a latency in milliseconds (clamped to the covered range)."""
    if ms <= LATENCY_MIN_MS:
        return 0
    index = math.ceil(math.log(ms) / _LOG_GAMMA) - LATENCY_BUCKET_OFFSET
    return min(max(index, 0), LATENCY_BUCKET_COUNT - 1)


def bucket_value(index: int) -> float:
    """The latency in milliseconds that represents bucket ``index`` (within 1 % of its members)."""
    return 2 * LATENCY_GAMMA ** (index + LATENCY_BUCKET_OFFSET) / (LATENCY_GAMMA + 1)


class ExecRollup1m(Base):
    """Execution reports of one minute, LP, symbol, book and rule version, summed.

    Means are ratios of sums: slippage = ``slippage_pips_qty_sum / fill_qty`` (fill-weighted),
    price improvement = ``price_improvement_pips_sum / fills``, latency = ``latency_ms_sum /
    attempts``. ``usd_unconverted`` counts attempts whose USD rate was unknown (their notional,
    commission and PFOF are left out of the USD sums and must be flagged).
    """

    __tablename__ = "exec_rollup_1m"

    bucket: Mapped[dt.datetime] = mapped_column(primary_key=True)
    lp: Mapped[str] = mapped_column(primary_key=True)
    symbol: Mapped[str] = mapped_column(primary_key=True)
    book: Mapped[str] = mapped_column(primary_key=True)
    rule_id: Mapped[str] = mapped_column(primary_key=True)
    rule_version: Mapped[int] = mapped_column(primary_key=True)
    attempts: Mapped[int]
    fills: Mapped[int]
    """Attempts with status ``filled`` or ``partially_filled``."""
    partial_fills: Mapped[int]
    rejects: Mapped[int]
    cancels: Mapped[int]
    reject_price_moved: Mapped[int]
    reject_last_look: Mapped[int]
    reject_no_liquidity: Mapped[int]
    reject_timeout: Mapped[int]
    reject_credit_limit: Mapped[int]
    reject_market_closed: Mapped[int]
    reject_other: Mapped[int]
    requested_qty: Mapped[float]
    fill_qty: Mapped[float]
    notional_usd: Mapped[float]
    slippage_pips_qty_sum: Mapped[float]
    """Σ slippage (pips) × fill_qty over fills."""
    slippage_positive: Mapped[int]
    slippage_zero: Mapped[int]
    slippage_negative: Mapped[int]
    price_improvement_pips_sum: Mapped[float]
    """Σ price improvement vs mid (pips) over fills."""
    best_execution_count: Mapped[int]
    latency_buckets: Mapped[list[int]] = mapped_column(ARRAY(Integer))
    """Bucket indices present, ascending (see :func:`latency_bucket`)."""
    latency_counts: Mapped[list[int]] = mapped_column(ARRAY(Integer))
    """Attempts per bucket, parallel to ``latency_buckets``."""
    latency_ms_sum: Mapped[float]
    latency_ms_max: Mapped[float]
    commission_usd: Mapped[Decimal]
    pfof_usd: Mapped[Decimal]
    usd_unconverted: Mapped[int]


class Exposure1m(Base):
    """The change of the broker's B-book position in one symbol over one minute (base units).

    ``net_qty_delta`` = −Σ s × fill_qty over the minute's B-book fills. The net open position at
    the end of a minute is the running sum of the deltas up to it, computed when read (a
    window sum), so fills arriving late or out of order never leave a stale running total.
    """

    __tablename__ = "exposure_1m"

    bucket: Mapped[dt.datetime] = mapped_column(primary_key=True)
    symbol: Mapped[str] = mapped_column(primary_key=True)
    net_qty_delta: Mapped[float]
    fills: Mapped[int]


class PnlDaily(Base):
    """Closed-position results per UTC day (``day`` = 00:00 UTC) in USD, from ``broker_pnl_usd``.

    ``lp`` is ``'INTERNAL'`` for B-book positions (the contract's null). ``unconverted`` counts
    trades whose USD rate was unknown; they count in ``trades`` but not in the money columns.
    """

    __tablename__ = "pnl_daily"

    day: Mapped[dt.datetime] = mapped_column(primary_key=True)
    rule_id: Mapped[str] = mapped_column(primary_key=True)
    rule_version: Mapped[int] = mapped_column(primary_key=True)
    symbol: Mapped[str] = mapped_column(primary_key=True)
    book: Mapped[str] = mapped_column(primary_key=True)
    lp: Mapped[str] = mapped_column(primary_key=True)
    trades: Mapped[int]
    wins: Mapped[int]
    losses: Mapped[int]
    gross_profit: Mapped[Decimal]
    gross_loss: Mapped[Decimal]
    """|Σ negative broker_pnl_usd|, a positive amount."""
    net: Mapped[Decimal]
    unconverted: Mapped[int]


def _same_columns_as_minutes(name: str) -> Table:
    table = cast(Table, ExecRollup1m.__table__).to_metadata(Base.metadata, name=name)
    table.primary_key.name = f"pk_{name}"
    return table


class ExecRollup1h(Base):
    """``exec_rollup_1m`` summed per UTC hour (``bucket`` = the hour's start), for long windows.

    Derived, not consumer-maintained: :func:`app.db.derived.refresh_exec_rollup_1h` recomputes
    the hours listed in ``exec_rollup_1h_dirty``. Same columns and meanings as the minute table;
    the histograms are the minute histograms merged (counts of equal buckets added).
    """

    __table__ = _same_columns_as_minutes("exec_rollup_1h")


class ExecRollup1d(Base):
    """``exec_rollup_1h`` summed per UTC day (``bucket`` = 00:00 UTC), recomputed with it for
    the days of the changed hours; same columns as the minute table."""

    __table__ = _same_columns_as_minutes("exec_rollup_1d")


class ExecRollup1hDirty(Base):
    """Hours of ``exec_rollup_1m`` changed since ``exec_rollup_1h`` last recomputed them.

    A row trigger on ``exec_rollup_1m`` adds ``(hour, transaction id)`` on every insert, update
    or delete, so concurrent writers never wait on each other; readers take a listed hour from
    the minute table, so the hourly path always gives the minute path's numbers.
    """

    __tablename__ = "exec_rollup_1h_dirty"

    hour: Mapped[dt.datetime] = mapped_column(primary_key=True)
    xid: Mapped[int] = mapped_column(BigInteger, primary_key=True)


class RuleTrades1d(Base):
    """One rule's closed positions of one UTC day in close order ``(ts, event_id)``, packed.

    ``close_ts`` holds PostgreSQL's binary timestamps (big-endian int64 µs since 2000-01-01),
    ``broker_pnl`` and ``broker_pnl_usd`` big-endian float8 (NaN when unconverted), ``trades``
    values each. Derived from ``positions`` for the rule report (``app.queries.results``);
    recomputed for the days listed in ``rule_trades_1d_dirty``.
    """

    __tablename__ = "rule_trades_1d"

    day: Mapped[dt.datetime] = mapped_column(primary_key=True)
    rule_id: Mapped[str] = mapped_column(primary_key=True)
    trades: Mapped[int]
    close_ts: Mapped[bytes] = mapped_column(LargeBinary)
    broker_pnl: Mapped[bytes] = mapped_column(LargeBinary)
    broker_pnl_usd: Mapped[bytes] = mapped_column(LargeBinary)


class RuleTrades1dDirty(Base):
    """UTC days of ``positions`` changed since ``rule_trades_1d`` last recomputed them (a row
    trigger adds ``(day, transaction id)``); readers take a listed day from ``positions``."""

    __tablename__ = "rule_trades_1d_dirty"

    day: Mapped[dt.datetime] = mapped_column(primary_key=True)
    xid: Mapped[int] = mapped_column(BigInteger, primary_key=True)


MARKOUT_ROLLUP_HORIZONS_S = (0, 1, 5, 30, 60)
"""The horizons of ``fill_markouts`` (``app.metrics.execution.MARKOUT_HORIZONS_S``)."""


def _markout_rollup_table(name: str) -> Table:
    return Table(
        name,
        Base.metadata,
        Column("bucket", DateTime(timezone=True), primary_key=True),
        Column("lp", Text, primary_key=True),
        Column("symbol", Text, primary_key=True),
        Column("book", Text, primary_key=True),
        Column("rule_id", Text, primary_key=True),
        Column("fills", Integer, nullable=False),
        *(
            column
            for h in MARKOUT_ROLLUP_HORIZONS_S
            for column in (
                Column(f"markout_{h}_qty_sum", Double, nullable=False),
                Column(f"markout_{h}_qty", Double, nullable=False),
            )
        ),
    )


class MarkoutRollup1h(Base):
    """``fill_markouts`` summed per UTC hour (``bucket`` = the hour's start), LP, symbol, book
    and rule, for long windows.

    For each horizon h: ``markout_{h}_qty_sum`` = Σ markout_h × fill_qty and
    ``markout_{h}_qty`` = Σ fill_qty over the fills whose markout at h is known (not NULL), so
    the fill-weighted mean markout is their ratio; ``fills`` counts the fills. Derived:
    :func:`app.db.derived.refresh_markout_rollup_1h` recomputes the hours listed in
    ``markout_rollup_1h_dirty``.
    """

    __table__ = _markout_rollup_table("markout_rollup_1h")


class MarkoutRollup1d(Base):
    """``markout_rollup_1h`` summed per UTC day (``bucket`` = 00:00 UTC), recomputed with it for
    the days of the changed hours; same columns."""

    __table__ = _markout_rollup_table("markout_rollup_1d")


class MarkoutRollup1hDirty(Base):
    """Hours of ``fill_markouts`` changed since ``markout_rollup_1h`` last recomputed them (a
    row trigger adds ``(hour, transaction id)``); readers take a listed hour from
    ``fill_markouts``."""

    __tablename__ = "markout_rollup_1h_dirty"

    hour: Mapped[dt.datetime] = mapped_column(primary_key=True)
    xid: Mapped[int] = mapped_column(BigInteger, primary_key=True)
