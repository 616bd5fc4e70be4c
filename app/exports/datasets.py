"""The exportable datasets: each one a column catalogue plus where its rows come from.

Row datasets (orders, executions, positions, audit log) are read by one SQL query streamed
from a server-side cursor (or PostgreSQL's ``COPY`` for CSV), built from the same column
expressions and scopes as the drill-down and results read models. Report datasets (LP
scorecard, rule report, exposure) are a few rows computed by their read model in
:mod:`app.queries` and exported as they are shown on the pages and in the API.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

import sqlalchemy as sa

from app.auth.permissions import Permission
from app.db.models.events import REJECT_REASONS
from app.queries.drilldown import (
    ATTEMPTS_OF_ORDER,
    EXECUTION_COLUMNS,
    ORDER_COLUMNS,
    ORDER_DIMENSIONS,
)
from app.queries.execution import lp_scorecard
from app.queries.exposure import exposure_now
from app.queries.filters import Filter, where
from app.queries.results import positions_where, rule_report

Kind = Literal["text", "int", "float", "money", "time", "bool"]
USD = "'USD'"
"""The SQL currency of amounts already in USD."""


@dataclass(frozen=True)
class Column:
    """One exportable column: its name, its type and, for row datasets, its SQL expression."""

    name: str
    kind: Kind = "text"
    sql: str = ""
    currency: str | None = None
    """For money: the SQL expression of the amount's currency (``USD`` for USD amounts)."""
    description: str = ""

    @property
    def is_money(self) -> bool:
        return self.kind == "money"


@dataclass(frozen=True)
class SqlScope:
    """The ``FROM`` and ``WHERE`` bodies of a row dataset for a filter, their bind parameters,
    the order and the SQL time of each row (a currency conversion takes the rate then)."""

    from_sql: str
    where_sql: str
    params: dict[str, Any]
    order_by: str
    row_time: str


ReportRows = Callable[[sa.Connection, Filter], list[dict[str, Any]]]


@dataclass(frozen=True)
class Dataset:
    """An exportable dataset."""

    name: str
    title: str
    columns: tuple[Column, ...]
    permission: Permission = Permission.EXPORT_OWN
    scope: Callable[[Filter], SqlScope] | None = None
    """Row datasets: the SQL scope; report datasets leave it None and give ``report``."""
    report: ReportRows | None = None
    report_kind: str | None = None
    """The report of :mod:`app.reports` that renders this dataset as a PDF, if any."""
    lp_column: str | None = "lp"
    """The column the Excel per-LP sheet groups by (None: no such sheet)."""

    @property
    def column_names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns)

    def column(self, name: str) -> Column:
        return next(c for c in self.columns if c.name == name)


def _text(name: str, sql: str = "") -> Column:
    return Column(name, "text", sql)


def _int(name: str, sql: str = "") -> Column:
    return Column(name, "int", sql)


def _float(name: str, sql: str = "") -> Column:
    return Column(name, "float", sql)


def _time(name: str, sql: str = "") -> Column:
    return Column(name, "time", sql)


def _money(name: str, sql: str = "", currency: str = USD) -> Column:
    return Column(name, "money", sql, currency)


# ------------------------------------------------------------------ row datasets

_EXECUTION_KINDS: dict[str, Kind] = {
    "ts": "time",
    "rule_version": "int",
    **dict.fromkeys(
        ("requested_qty", "fill_qty", "requested_price", "fill_price", "market_bid"), "float"
    ),
    **dict.fromkeys(("market_ask", "latency_ms", "slippage_pips"), "float"),
}
EXECUTION_EXPORT_COLUMNS = tuple(
    _money(name, sql, "e.currency")
    if name in ("commission", "pfof")
    else Column(name, _EXECUTION_KINDS.get(name, "text"), sql)
    for name, sql in EXECUTION_COLUMNS.items()
)

# Each execution joined to its order as the drill-down does (same order_id, the order at most a
# day before and an hour after), as a hash join: a lateral lookup per row is 3x slower here.
_EXECUTIONS_SQL = """FROM executions e
JOIN orders o ON o.order_id = e.order_id
 AND o.ts BETWEEN e.ts - INTERVAL '1 day' AND e.ts + INTERVAL '1 hour'
 AND o.ts >= CAST(:start AS timestamptz) - INTERVAL '1 day'
 AND o.ts <= CAST(:end AS timestamptz) + INTERVAL '1 hour'"""


def executions_scope(f: Filter) -> SqlScope:
    """Execution reports in ``f`` with their order's dimensions (as the drill-down)."""
    scope = where(
        f,
        time="e.ts",
        lp="e.lp",
        **ORDER_DIMENSIONS,
    )
    return SqlScope(_EXECUTIONS_SQL, scope, f.sql_params(), "e.ts, e.event_id", "e.ts")


_ORDER_KINDS: dict[str, Kind] = {
    "ts": "time",
    "qty": "float",
    "rule_version": "int",
    "attempts": "int",
    "filled_qty": "float",
}
ORDER_EXPORT_COLUMNS = tuple(
    Column(name, _ORDER_KINDS.get(name, "text"), sql) for name, sql in ORDER_COLUMNS.items()
)


def orders_scope(f: Filter) -> SqlScope:
    """Orders in ``f`` with the outcome of their attempts (as the drill-down)."""
    scope = where(
        f,
        time="o.ts",
        lp="coalesce(o.lp, 'INTERNAL')",
        **ORDER_DIMENSIONS,
    )
    body = f"FROM orders o {ATTEMPTS_OF_ORDER}"
    return SqlScope(body, scope, f.sql_params(), "o.ts, o.event_id", "o.ts")


POSITION_EXPORT_COLUMNS = (
    _time("ts", "p.ts"),
    _text("position_id", "p.position_id"),
    _text("account_id", "p.account_id"),
    _text("client_ref", "p.client_ref"),
    _text("symbol", "p.symbol"),
    _text("side", "p.side"),
    _float("qty", "p.qty"),
    _time("open_ts", "p.open_ts"),
    _float("open_price", "p.open_price"),
    _float("close_price", "p.close_price"),
    _text("book", "p.book"),
    _text("lp", "coalesce(p.lp, 'INTERNAL')"),
    _text("rule_id", "p.rule_id"),
    _int("rule_version", "p.rule_version"),
    _money("client_pnl", "p.client_pnl::float8", "p.currency"),
    _money("broker_pnl", "p.broker_pnl::float8", "p.currency"),
    _text("currency", "p.currency"),
    _money("broker_pnl_usd", "p.broker_pnl_usd::float8", USD),
)


def positions_scope(f: Filter) -> SqlScope:
    """Closed positions whose close time is in ``f`` (B-book LP as ``INTERNAL``)."""
    scope = positions_where(f)
    return SqlScope("FROM positions p", scope, f.sql_params(), "p.ts, p.event_id", "p.ts")


AUDIT_EXPORT_COLUMNS = (
    _int("id", "a.id"),
    _time("ts", "a.ts"),
    _text("actor", "a.actor"),
    _text("role", "a.role"),
    _text("ip", "host(a.ip)"),
    _text("action", "a.action"),
    _text("target", "a.target"),
    _text("details", "a.details::text"),
    _text("row_hash", "encode(a.row_hash, 'hex')"),
)


def audit_scope(f: Filter) -> SqlScope:
    """Audit log rows in the window (no other filter applies)."""
    scope = where(f, time="a.ts", symbol=None, lp=None, book=None, rule_id=None)
    return SqlScope("FROM audit_log a", scope, f.sql_params(), "a.id", "a.ts")


# ------------------------------------------------------------------ report datasets

LP_SCORECARD_COLUMNS = (
    _text("lp"),
    _int("attempts"),
    _int("fills"),
    _int("rejects"),
    _float("fill_ratio"),
    _float("fill_rate_volume"),
    _float("reject_rate"),
    *(_int(f"reject_{reason}") for reason in REJECT_REASONS),
    *(_float(f"latency_ms_{p}") for p in ("p50", "p95", "p99", "max", "mean")),
    _float("slippage_pips_mean"),
    _float("price_improvement_pips_mean"),
    _float("best_execution_pct"),
    *(_float(f"markout_pips_{h}") for h in ("0", "1", "5", "30", "60")),
    _money("notional_usd"),
    _float("volume_share"),
    _float("commission_per_million"),
    _money("pfof_usd"),
    _float("uptime_pct"),
    _int("usd_unconverted"),
)


def lp_scorecard_rows(conn: sa.Connection, f: Filter) -> list[dict[str, Any]]:
    """The LP scorecard (as ``/metrics/lp``), nested fields flattened into columns."""
    rows = []
    for row in lp_scorecard(conn, f):
        flat = {k: v for k, v in row.items() if not isinstance(v, dict)}
        flat.update({f"reject_{k}": v for k, v in row["reject_reasons"].items()})
        flat.update({f"latency_ms_{k}": v for k, v in row["latency_ms"].items()})
        flat.update({f"markout_pips_{k}": v for k, v in row["markout_pips"].items()})
        rows.append(flat)
    return rows


RULE_REPORT_COLUMNS = (
    _text("rule_id"),
    _text("name"),
    _int("trades"),
    _int("unconverted"),
    _money("gross_profit"),
    _money("gross_loss"),
    _float("profit_factor"),
    _float("win_rate"),
    _float("sharpe"),
    _float("sortino"),
    _money("max_drawdown"),
    _float("max_drawdown_pct"),
    _float("drawdown_duration_s"),
    Column("drawdown_recovered", "bool"),
    _money("var95"),
    _money("es95"),
    _int("longest_win_streak"),
    _int("longest_loss_streak"),
    _money("net_pnl"),
)


def rule_report_rows(conn: sa.Connection, f: Filter) -> list[dict[str, Any]]:
    """Results per routing rule (as ``/metrics/rules``), money in USD."""
    return rule_report(conn, f)


EXPOSURE_COLUMNS = (
    _text("symbol"),
    _float("net_position"),
    _float("mid"),
    _text("quote_currency"),
    _float("usd_rate"),
    _money("notional_usd"),
    _money("limit_usd"),
    _float("utilisation"),
    _float("concentration"),
    Column("unconverted", "bool"),
)


def exposure_rows(conn: sa.Connection, f: Filter) -> list[dict[str, Any]]:
    """B-book exposure per symbol at the window's end (as ``/exposure``)."""
    frame = exposure_now(conn, f)
    rows: list[dict[str, Any]] = frame.astype(object).where(frame.notna(), None).to_dict("records")
    return rows


# ------------------------------------------------------------------ the registry

DATASETS: dict[str, Dataset] = {
    d.name: d
    for d in (
        Dataset("orders", "Orders", ORDER_EXPORT_COLUMNS, scope=orders_scope),
        Dataset("executions", "Executions", EXECUTION_EXPORT_COLUMNS, scope=executions_scope),
        Dataset("positions", "Closed positions", POSITION_EXPORT_COLUMNS, scope=positions_scope),
        Dataset(
            "lp_scorecard",
            "LP scorecard",
            LP_SCORECARD_COLUMNS,
            report=lp_scorecard_rows,
            report_kind="weekly_lp",
        ),
        Dataset(
            "rule_report",
            "Rule report",
            RULE_REPORT_COLUMNS,
            report=rule_report_rows,
            report_kind="monthly_rules",
            lp_column=None,
        ),
        Dataset("exposure", "Exposure", EXPOSURE_COLUMNS, report=exposure_rows, lp_column=None),
        Dataset(
            "audit_log",
            "Audit log",
            AUDIT_EXPORT_COLUMNS,
            permission=Permission.VIEW_AUDIT_TRAIL,
            scope=audit_scope,
            lp_column=None,
        ),
    )
}
"""Every exportable dataset by name."""
