"""Read models behind the LP scorecards page's detail views that ``app.queries.execution`` and
``app.queries.drilldown`` do not cover: the latency distribution of a whole window (for box
plots) and a page of one LP's rejected executions."""

from __future__ import annotations

from typing import Any

import pandas as pd
import sqlalchemy as sa

from app.metrics.execution import ratio
from app.metrics.percentiles import histogram_percentiles
from app.queries.drilldown import EXECUTION_COLUMNS, MAX_PAGE_SIZE, Page, parse_sort
from app.queries.execution import BOX_PERCENTILES, HISTOGRAM_SQL, minute_window
from app.queries.filters import Filter, FilterError, where

LATENCY_COLUMNS = ["lp", "attempts", *(f"p{q:g}" for q in BOX_PERCENTILES), "max", "mean"]
ALL_LPS = "ALL"
"""The ``lp`` of the row that merges every LP (``by_lp=False``)."""


def latency_distribution(conn: sa.Connection, f: Filter, *, by_lp: bool = True) -> pd.DataFrame:
    """Latency percentiles (ms) over the whole window from the merged rollup histograms, per
    LP or for all LPs together (``lp = "ALL"``): ``lp, attempts, p5, p25, p50, p75, p95, p99,
    max, mean``. Percentiles are within 1 % of the exact values (see ``percentiles``)."""
    window = minute_window(f)
    if window is None:
        return pd.DataFrame(columns=LATENCY_COLUMNS)
    group = "r.lp" if by_lp else f"CAST('{ALL_LPS}' AS text)"
    params = window.sql_params()
    histograms: dict[str, tuple[list[int], list[int]]] = {}
    sql = HISTOGRAM_SQL.format(group=group, where=where(window, time="r.bucket"))
    for lp, bucket, count in conn.execute(sa.text(sql), params):
        buckets, counts = histograms.setdefault(lp, ([], []))
        buckets.append(bucket)
        counts.append(count)
    totals = conn.execute(
        sa.text(
            f"SELECT {group.removeprefix('r.')} AS lp, sum(attempts)::bigint, "
            "sum(latency_ms_sum)::float8, max(latency_ms_max)::float8 "
            f"FROM exec_rollup_1m WHERE {where(window, time='bucket')} GROUP BY 1 ORDER BY 1"
        ),
        params,
    ).all()
    rows = []
    for lp, attempts, total_ms, max_ms in totals:
        if not attempts:
            continue
        buckets, counts = histograms.get(lp, ([], []))
        percentiles = histogram_percentiles(buckets, counts, BOX_PERCENTILES, max_value=max_ms)
        rows.append([lp, int(attempts), *percentiles, max_ms, ratio(total_ms or 0.0, attempts)])
    return pd.DataFrame(rows, columns=LATENCY_COLUMNS)


_ORDER_OF_EXECUTION = """CROSS JOIN LATERAL (
    SELECT o.symbol, o.book, o.rule_id, o.rule_version, o.side, o.pip_size, o.client_segment
    FROM orders o
    WHERE o.order_id = e.order_id
      AND o.ts BETWEEN e.ts - INTERVAL '1 day' AND e.ts + INTERVAL '1 hour'
    ORDER BY o.ts LIMIT 1) o"""


def rejected_executions_page(
    conn: sa.Connection, f: Filter, page: int = 1, page_size: int = 50, sort: str = "-ts"
) -> Page:
    """The rejected execution reports in ``f`` (the same columns, order join and sorting as
    ``drilldown.executions_page``), a page at a time; ``total`` counts every match."""
    if page < 1:
        raise FilterError("page", "must be 1 or more")
    if not 1 <= page_size <= MAX_PAGE_SIZE:
        raise FilterError("page_size", f"must be between 1 and {MAX_PAGE_SIZE}")
    scope = where(
        f,
        time="e.ts",
        lp="e.lp",
        symbol="o.symbol",
        book="o.book",
        rule_id="o.rule_id",
        segment="o.client_segment",
    )
    body = f"FROM executions e {_ORDER_OF_EXECUTION} WHERE {scope} AND e.status = 'rejected'"
    params: dict[str, Any] = f.sql_params()
    total = int(conn.execute(sa.text(f"SELECT count(*) {body}"), params).scalar_one())
    select = ", ".join(f"{sql} AS {name}" for name, sql in EXECUTION_COLUMNS.items())
    order_by = parse_sort(sort, EXECUTION_COLUMNS) + ", e.event_id"
    result = conn.execute(
        sa.text(f"SELECT {select} {body} ORDER BY {order_by} LIMIT :limit OFFSET :offset"),
        {**params, "limit": page_size, "offset": (page - 1) * page_size},
    )
    rows = pd.DataFrame(result.all(), columns=list(result.keys()))
    return Page(rows, total, page, page_size)
