"""Drill-down: the executions and orders behind a number, a page at a time.

Both read the raw event tables with the same :class:`Filter` as the scorecards. Executions are
joined to their order (the order's symbol, book, rule, side and pip size), exactly as the
rollups are, so an execution whose order has not arrived yet is not listed (and not counted in
the scorecard either). Pagination is done by the database; ``total`` counts every match.

Speed: the partner rows are looked for only in the partitions the window can reach (every
lookup also carries a bound derived from ``:start``/``:end``, which the planner prunes on).
An executions page of a window with up to :data:`SET_BASED_MAX_ROWS` executions is one
set-based statement (the window's executions once, all their candidate orders in one index
scan per partition, a hash join, the sort of the keys, the page's columns for its rows only;
its total counts exactly the rows the pages list). Larger windows count with a semi-join and
walk the ``(ts)`` index with a lookup a row, stopping after ``OFFSET + LIMIT`` rows; there a
count's "has an order" test uses any order in reach and the listed row the earliest one, which
differ only for a duplicated ``order_id`` whose copies disagree. Deep pages of very large
windows still pay for every row before them (OFFSET; the API has no keyset cursor).
"""

from __future__ import annotations

import contextlib
import dataclasses
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pandas as pd
import sqlalchemy as sa

from app.queries.filters import Filter, FilterError, where

MAX_PAGE_SIZE = 1000

_ORDER_OF_EXECUTION = """CROSS JOIN LATERAL (
    SELECT o.order_id AS o_order_id, o.symbol, o.book, o.rule_id, o.rule_version, o.side,
           o.pip_size, o.account_id, o.client_segment, o.order_type, o.qty AS order_qty
    FROM orders o
    WHERE o.order_id = e.order_id
      AND o.ts BETWEEN e.ts - INTERVAL '1 day' AND e.ts + INTERVAL '1 hour'
      AND o.ts >= CAST(:start AS timestamptz) - INTERVAL '1 day'
      AND o.ts < CAST(:end AS timestamptz) + INTERVAL '1 hour'
    ORDER BY o.ts LIMIT 1) o"""

_HAS_ORDER = """EXISTS (
    SELECT 1 FROM orders o
    WHERE o.order_id = e.order_id
      AND o.ts BETWEEN e.ts - INTERVAL '1 day' AND e.ts + INTERVAL '1 hour'
      AND o.ts >= CAST(:start AS timestamptz) - INTERVAL '1 day'
      AND o.ts < CAST(:end AS timestamptz) + INTERVAL '1 hour'
      AND {order_scope})"""

EXECUTION_COLUMNS = {
    "ts": "e.ts",
    "exec_id": "e.exec_id",
    "order_id": "e.order_id",
    "lp": "e.lp",
    "status": "e.status",
    "symbol": "o.symbol",
    "side": "o.side",
    "book": "o.book",
    "rule_id": "o.rule_id",
    "rule_version": "o.rule_version",
    "requested_qty": "e.requested_qty",
    "fill_qty": "e.fill_qty",
    "requested_price": "e.requested_price",
    "fill_price": "e.fill_price",
    "market_bid": "e.market_bid",
    "market_ask": "e.market_ask",
    "reject_reason": "e.reject_reason",
    "latency_ms": "extract(epoch FROM e.ts - e.sent_ts)::float8 * 1000",
    "slippage_pips": (
        "CASE WHEN o.side = 'buy' THEN 1 ELSE -1 END "
        "* (e.requested_price - e.fill_price) / o.pip_size"
    ),
    "commission": "e.commission::float8",
    "pfof": "e.pfof::float8",
    "currency": "e.currency",
}
"""Columns of an executions page (name: SQL expression); any of them can be sorted on."""

ORDER_COLUMNS = {
    "ts": "o.ts",
    "order_id": "o.order_id",
    "symbol": "o.symbol",
    "side": "o.side",
    "qty": "o.qty",
    "order_type": "o.order_type",
    "book": "o.book",
    "lp": "coalesce(o.lp, 'INTERNAL')",
    "rule_id": "o.rule_id",
    "rule_version": "o.rule_version",
    "client_segment": "o.client_segment",
    "account_id": "o.account_id",
    "attempts": "x.attempts",
    "filled_qty": "x.filled_qty",
    "outcome": "x.outcome",
    "lps_tried": "x.lps_tried",
}
"""Columns of an orders page with the outcome of its attempts; any of them can be sorted on."""

_ATTEMPTS_OF_ORDER = """LEFT JOIN LATERAL (
    SELECT count(*)::integer AS attempts, coalesce(sum(e.fill_qty), 0) AS filled_qty,
           (array_agg(e.status ORDER BY e.ts DESC))[1] AS outcome,
           array_to_string(array_agg(e.lp ORDER BY e.ts), ',') AS lps_tried
    FROM executions e
    WHERE e.order_id = o.order_id
      AND e.ts BETWEEN o.ts - INTERVAL '1 hour' AND o.ts + INTERVAL '1 day'
      AND e.ts >= CAST(:start AS timestamptz) - INTERVAL '1 hour'
      AND e.ts < CAST(:end AS timestamptz) + INTERVAL '1 day') x ON true"""
ATTEMPTS_OF_ORDER = _ATTEMPTS_OF_ORDER

ORDER_DIMENSIONS = {
    "symbol": "o.symbol",
    "book": "o.book",
    "rule_id": "o.rule_id",
    "segment": "o.client_segment",
}
"""The filter dimensions an order ``o`` carries, as keyword arguments of :func:`where`."""
"""The outcome of each order ``o`` in ``[:start, :end)`` (a LATERAL join; exports use it)."""


@dataclass(frozen=True)
class Page:
    """One page of rows (a frame with the page's columns) and the total number of matches."""

    rows: pd.DataFrame
    total: int
    page: int
    page_size: int


def parse_sort(sort: str, columns: dict[str, str]) -> str:
    """``"-ts"`` or ``"lp,-ts"`` as an ORDER BY body over known columns (FilterError if not)."""
    parts = []
    for item in (part.strip() for part in sort.split(",")):
        name = item.lstrip("-+")
        if name not in columns:
            raise FilterError("sort", f"unknown column {name!r}; one of {', '.join(columns)}")
        parts.append(f"{columns[name]} {'DESC' if item.startswith('-') else 'ASC'} NULLS LAST")
    return ", ".join(parts)


def _check_page(page: int, page_size: int) -> None:
    if page < 1:
        raise FilterError("page", "must be 1 or more")
    if not 1 <= page_size <= MAX_PAGE_SIZE:
        raise FilterError("page_size", f"must be between 1 and {MAX_PAGE_SIZE}")


def _page(
    conn: sa.Connection,
    body: str,
    columns: dict[str, str],
    params: dict[str, Any],
    order_by: str,
    page: int,
    page_size: int,
    count_body: str,
) -> Page:
    total = int(conn.execute(sa.text(f"SELECT count(*) {count_body}"), params).scalar_one())
    select = ", ".join(f"{sql} AS {name}" for name, sql in columns.items())
    result = conn.execute(
        sa.text(f"SELECT {select} {body} ORDER BY {order_by} LIMIT :limit OFFSET :offset"),
        {**params, "limit": page_size, "offset": (page - 1) * page_size},
    )
    rows = pd.DataFrame(result.all(), columns=list(result.keys()))
    return Page(rows, total, page, page_size)


def executions_page(
    conn: sa.Connection, f: Filter, page: int = 1, page_size: int = 100, sort: str = "-ts"
) -> Page:
    """Execution reports in ``f`` with their order's dimensions, sorted by ``sort``
    (column names of :data:`EXECUTION_COLUMNS`, ``-`` for descending, comma-separated)."""
    _check_page(page, page_size)
    order_by = parse_sort(sort, EXECUTION_COLUMNS) + ", e.event_id"
    scope = where(
        f,
        time="e.ts",
        lp="e.lp",
        **ORDER_DIMENSIONS,
    )
    own_scope = dataclasses.replace(f, symbols=(), books=(), rule_ids=(), segments=())
    own = where(own_scope, time="e.ts", lp="e.lp")
    params = f.sql_params()
    in_window = conn.execute(
        sa.text(f"SELECT count(*) FROM (SELECT 1 FROM executions e WHERE {own} LIMIT :cap) x"),
        {**params, "cap": SET_BASED_MAX_ROWS + 1},
    ).scalar_one()
    if in_window <= SET_BASED_MAX_ROWS:
        return _set_based_executions_page(conn, own, scope, order_by, params, page, page_size)
    body = f"FROM executions e {_ORDER_OF_EXECUTION} WHERE {scope}"
    order_scope = where(
        dataclasses.replace(f, lps=()),
        time="e.ts",
        **ORDER_DIMENSIONS,
    )
    count_body = f"FROM executions e WHERE {own} AND {_HAS_ORDER.format(order_scope=order_scope)}"
    return _page(conn, body, EXECUTION_COLUMNS, params, order_by, page, page_size, count_body)


SET_BASED_MAX_ROWS = 100_000
"""Windows with at most this many executions (before the order's filters) are paged set-based
(:data:`_SET_BASED_EXECUTIONS_PAGE`); larger ones walk the executions with a lookup a row."""

_SET_BASED_EXECUTIONS_PAGE = """
WITH e AS MATERIALIZED (
    SELECT * FROM executions e WHERE {own}
), candidates AS MATERIALIZED (
    SELECT o.order_id AS o_order_id, o.ts AS o_ts, o.symbol, o.book, o.rule_id, o.rule_version,
           o.side, o.pip_size, o.account_id, o.client_segment, o.order_type, o.qty AS order_qty
    FROM orders o
    WHERE o.order_id = ANY(ARRAY(SELECT order_id FROM e))
      AND o.ts >= CAST(:start AS timestamptz) - INTERVAL '1 day'
      AND o.ts < CAST(:end AS timestamptz) + INTERVAL '1 hour'
), first_order AS MATERIALIZED (
    SELECT DISTINCT ON (e.event_id, e.ts) e.event_id AS e_event_id, e.ts AS e_ts, c.*
    FROM e JOIN candidates c ON c.o_order_id = e.order_id
         AND c.o_ts BETWEEN e.ts - INTERVAL '1 day' AND e.ts + INTERVAL '1 hour'
    ORDER BY e.event_id, e.ts, c.o_ts
), listed AS MATERIALIZED (
    SELECT e.event_id, e.ts, row_number() OVER (ORDER BY {order_by}) AS row_no__
    FROM e JOIN first_order o ON o.e_event_id = e.event_id AND o.e_ts = e.ts
    WHERE {scope}
)
SELECT (SELECT count(*) FROM listed) AS total__, p.*
FROM (SELECT 1) one
LEFT JOIN (
    SELECT {select}, l.row_no__
    FROM listed l
    JOIN e ON e.event_id = l.event_id AND e.ts = l.ts
    JOIN first_order o ON o.e_event_id = l.event_id AND o.e_ts = l.ts
    WHERE l.row_no__ > :offset AND l.row_no__ <= :offset + :limit
) p ON true
ORDER BY p.row_no__
"""


def _set_based_executions_page(
    conn: sa.Connection,
    own: str,
    scope: str,
    order_by: str,
    params: dict[str, Any],
    page: int,
    page_size: int,
) -> Page:
    """The page and its total from one statement: the window's executions once (by the
    ``(ts)`` index), the candidate orders of all of them in one index scan per partition
    (``order_id = ANY(...)`` within the window's reach), each execution's earliest order by a
    hash join, then the order filters and the sort (of the keys only); the page's columns are
    computed for its rows alone. No lookup per row; the total counts exactly the rows the
    pages list."""
    select = ", ".join(f"{sql} AS {name}" for name, sql in EXECUTION_COLUMNS.items())
    sql = _SET_BASED_EXECUTIONS_PAGE.format(own=own, scope=scope, order_by=order_by, select=select)
    with _plain_plan(conn):
        result = conn.execute(
            sa.text(sql), {**params, "limit": page_size, "offset": (page - 1) * page_size}
        )
        fetched = result.all()
    total = int(fetched[0][0])
    columns = list(EXECUTION_COLUMNS)
    rows = pd.DataFrame(
        [row[1 : 1 + len(columns)] for row in fetched if row[-1] is not None], columns=columns
    )
    return Page(rows, total, page, page_size)


@contextlib.contextmanager
def _plain_plan(conn: sa.Connection) -> Iterator[None]:
    """Run the block without JIT and parallel workers, inside a savepoint (the caller's session
    is unchanged): for a page of a few ms, compiling the plan or starting a worker costs more
    than the query (50-100 ms each on two busy cores)."""
    savepoint = conn.begin_nested()
    try:
        conn.execute(
            sa.text(
                "SELECT set_config('jit', 'off', true), "
                "set_config('max_parallel_workers_per_gather', '0', true)"
            )
        )
        yield
    finally:
        savepoint.rollback()


def orders_page(
    conn: sa.Connection, f: Filter, page: int = 1, page_size: int = 100, sort: str = "-ts"
) -> Page:
    """Orders in ``f`` with the outcome of their attempts (count, filled quantity, last status,
    LPs tried in order); ``lp`` filters on the first LP tried (``INTERNAL`` for B-book)."""
    _check_page(page, page_size)
    order_by = parse_sort(sort, ORDER_COLUMNS) + ", o.event_id"
    scope = where(
        f,
        time="o.ts",
        lp="coalesce(o.lp, 'INTERNAL')",
        **ORDER_DIMENSIONS,
    )
    body = f"FROM orders o {_ATTEMPTS_OF_ORDER} WHERE {scope}"
    count_body = f"FROM orders o WHERE {scope}"  # one outcome row per order
    return _page(conn, body, ORDER_COLUMNS, f.sql_params(), order_by, page, page_size, count_body)
