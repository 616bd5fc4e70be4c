"""The report kinds a schedule can send, each a period rule plus content read from the query
layer (``app.queries``) with one :class:`Filter`.

``daily_desk``   the last complete day in the schedule's timezone: desk KPIs, volume, rejects,
                 latency and P/L charts, LP and book tables.
``weekly_lp``    the last complete Monday-to-Monday week: the LP scorecard and its charts.
``monthly_rules`` the last complete calendar month: the rules report and drawdowns.
``best_execution`` (regulatory) the last complete calendar year: ``app.compliance``'s
                 best-execution monitoring tables.
``order_routing`` (regulatory) the last complete quarter: ``app.compliance``'s order routing
                 disclosure, one table per month.

Money is reported in the schedule's currency, converted from USD at the rate of the period's
end; when that rate is unknown the report stays in USD and says so (never a silent 1.0).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any
from zoneinfo import ZoneInfo

import plotly.graph_objects as go
import sqlalchemy as sa

from app.auth.permissions import Permission, has_permission
from app.charts.execution import latency_boxes, profit_factor_gauges, volume_by_hour
from app.charts.results import cumulative_pnl_figure, drawdown_figure
from app.charts.routing import reject_rate_lines
from app.charts.scorecard import scorecard_frame, zscore_heatmap
from app.charts.theme import figure as themed_figure
from app.compliance import best_execution as best_execution_report
from app.compliance import order_routing as order_routing_report
from app.compliance.render import Report
from app.queries.currency import report_rate
from app.queries.execution import lp_scorecard, reject_rate_series
from app.queries.filters import Filter
from app.queries.lp_detail import latency_distribution
from app.queries.overview import desk_kpis
from app.queries.overview import volume_by_hour as volume_by_hour_query
from app.queries.results import (
    closed_positions,
    pnl_curve,
    pnl_curves_by_rule,
    results_by,
    rule_report,
    summary_row,
)


@dataclass(frozen=True)
class Kpi:
    """One headline number, with the text the report prints for it."""

    label: str
    value: float | None
    text: str


@dataclass(frozen=True)
class Table:
    """A titled table: a header row and body rows of printable cells."""

    title: str
    columns: tuple[str, ...]
    rows: Sequence[Sequence[str]]


@dataclass(frozen=True)
class Chart:
    """A titled Plotly figure (rendered to PNG for PDFs)."""

    title: str
    figure: go.Figure


@dataclass(frozen=True)
class ReportContent:
    """Everything one report shows, independent of its file format."""

    kind: str
    title: str
    flt: Filter
    currency: str
    kpis: list[Kpi]
    charts: list[Chart] = field(default_factory=list)
    tables: list[Table] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    last_event_ts: dt.datetime | None = None


Period = Callable[[dt.datetime, ZoneInfo], tuple[dt.datetime, dt.datetime]]
Content = Callable[[sa.Connection, Filter, "Money"], ReportContent]


@dataclass(frozen=True)
class ReportKind:
    """A report a schedule can name: its title, the period it covers and its content."""

    name: str
    title: str
    period: Period
    content: Content
    regulatory: bool = False
    """Regulatory reports need ``RUN_REGULATORY_REPORTS`` (compliance and up) to schedule."""


def previous_day(at: dt.datetime, zone: ZoneInfo) -> tuple[dt.datetime, dt.datetime]:
    """The last complete calendar day in ``zone`` before ``at`` (UTC bounds)."""
    today = at.astimezone(zone).date()
    end = dt.datetime.combine(today, dt.time(), tzinfo=zone)
    start = dt.datetime.combine(today - dt.timedelta(days=1), dt.time(), tzinfo=zone)
    return start.astimezone(dt.UTC), end.astimezone(dt.UTC)


def previous_week(at: dt.datetime, zone: ZoneInfo) -> tuple[dt.datetime, dt.datetime]:
    """The last complete Monday-to-Monday week in ``zone`` before ``at`` (UTC bounds)."""
    today = at.astimezone(zone).date()
    monday = today - dt.timedelta(days=today.weekday())
    end = dt.datetime.combine(monday, dt.time(), tzinfo=zone)
    start = dt.datetime.combine(monday - dt.timedelta(days=7), dt.time(), tzinfo=zone)
    return start.astimezone(dt.UTC), end.astimezone(dt.UTC)


def previous_month(at: dt.datetime, zone: ZoneInfo) -> tuple[dt.datetime, dt.datetime]:
    """The last complete calendar month in ``zone`` before ``at`` (UTC bounds)."""
    first = at.astimezone(zone).date().replace(day=1)
    before = (first - dt.timedelta(days=1)).replace(day=1)
    end = dt.datetime.combine(first, dt.time(), tzinfo=zone)
    start = dt.datetime.combine(before, dt.time(), tzinfo=zone)
    return start.astimezone(dt.UTC), end.astimezone(dt.UTC)


def previous_quarter(at: dt.datetime, zone: ZoneInfo) -> tuple[dt.datetime, dt.datetime]:
    """The last complete calendar quarter in ``zone`` before ``at`` (UTC bounds)."""
    local = at.astimezone(zone).date()
    first = local.replace(month=(local.month - 1) // 3 * 3 + 1, day=1)
    before = (first - dt.timedelta(days=1)).replace(day=1)
    before = before.replace(month=(before.month - 1) // 3 * 3 + 1)
    end = dt.datetime.combine(first, dt.time(), tzinfo=zone)
    start = dt.datetime.combine(before, dt.time(), tzinfo=zone)
    return start.astimezone(dt.UTC), end.astimezone(dt.UTC)


def previous_year(at: dt.datetime, zone: ZoneInfo) -> tuple[dt.datetime, dt.datetime]:
    """The last complete calendar year in ``zone`` before ``at`` (UTC bounds)."""
    year = at.astimezone(zone).year
    end = dt.datetime(year, 1, 1, tzinfo=zone)
    start = dt.datetime(year - 1, 1, 1, tzinfo=zone)
    return start.astimezone(dt.UTC), end.astimezone(dt.UTC)


@dataclass(frozen=True)
class Money:
    """Converts USD amounts to the reporting currency at one rate."""

    currency: str
    usd_per_unit: float

    def of(self, usd: float | None) -> float | None:
        """``usd`` in the reporting currency."""
        return None if usd is None else usd / self.usd_per_unit

    def text(self, usd: float | None) -> str:
        """``1,234.56 EUR`` (``n/a`` for no value)."""
        value = self.of(usd)
        return "n/a" if value is None else f"{value:,.2f} {self.currency}"


def reporting_money(conn: sa.Connection, currency: str, at: dt.datetime) -> tuple[Money, str]:
    """The converter to ``currency`` at ``at`` and a note when it fell back to USD."""
    rate = report_rate(conn, currency, at)
    if rate is None or rate <= 0:
        return Money("USD", 1.0), f"No {currency} rate at the period's end: amounts are in USD."
    return Money(currency, rate), ""


def count_text(value: int | float | None) -> str:
    """``12,345`` (``n/a`` for no value)."""
    return "n/a" if value is None else f"{value:,.0f}"


def pct_text(value: float | None) -> str:
    """A ratio as ``93.45 %`` (``n/a`` when undefined)."""
    return "n/a" if value is None else f"{value * 100:.2f} %"


def ms_text(value: float | None) -> str:
    """A latency as ``12.3 ms`` (``n/a`` when undefined)."""
    return "n/a" if value is None else f"{value:,.1f} ms"


def plain_text(value: Any) -> str:
    """A table cell: floats with 2 decimals, None as an empty cell."""
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:,.2f}"
    return str(value)


LAST_EVENT_SQL = """
SELECT max(ts) FROM (
    SELECT max(ts) AS ts FROM orders WHERE ts >= :start AND ts < :end
    UNION ALL SELECT max(ts) FROM executions WHERE ts >= :start AND ts < :end
    UNION ALL SELECT max(ts) FROM positions WHERE ts >= :start AND ts < :end
) AS newest
"""


def last_event_ts(conn: sa.Connection, f: Filter) -> dt.datetime | None:
    """The newest order, execution or closed position in the filter's window."""
    value: dt.datetime | None = conn.execute(
        sa.text(LAST_EVENT_SQL), {"start": f.start, "end": f.end}
    ).scalar()
    return value


def daily_desk(conn: sa.Connection, f: Filter, money: Money) -> ReportContent:
    """KPIs of the day (orders, fill ratio, reject rate, p99 latency, A/B split, net exposure,
    broker P/L), volume / rejects / latency / P/L charts, LP and book tables."""
    desk = desk_kpis(conn, f)
    trades = closed_positions(conn, f)
    pnl = summary_row(trades)
    b_share = None if desk.a_book_share is None else 1.0 - desk.a_book_share
    kpis = [
        Kpi("Orders", desk.orders, count_text(desk.orders)),
        Kpi("Fill ratio", desk.fill_ratio, pct_text(desk.fill_ratio)),
        Kpi("Reject rate", desk.reject_rate, pct_text(desk.reject_rate)),
        Kpi("p99 latency", desk.latency_p99_ms, ms_text(desk.latency_p99_ms)),
        Kpi("A-book share", desk.a_book_share, pct_text(desk.a_book_share)),
        Kpi("B-book share", b_share, pct_text(b_share)),
        Kpi("Net exposure", money.of(desk.exposure_usd), money.text(desk.exposure_usd)),
        Kpi("Broker P/L", money.of(pnl["net_pnl"]), money.text(pnl["net_pnl"])),
        Kpi("Closed trades", pnl["trades"], count_text(pnl["trades"])),
    ]
    scorecard = lp_scorecard(conn, f)
    rejects = reject_rate_series(conn, f, "1h")
    charts = [
        Chart("Filled notional per hour (USD)", volume_by_hour(volume_by_hour_query(conn, f))),
        Chart("Reject rate per LP", reject_rate_lines(rejects[rejects["lp"] != "INTERNAL"])),
        Chart("Latency per LP", latency_boxes(latency_distribution(conn, f))),
        Chart("Cumulative broker P/L (USD)", cumulative_pnl_figure({"Book": pnl_curve(conn, f)})),
    ]
    tables = [_scorecard_table(scorecard, money), _results_table(conn, f, "book", money)]
    return ReportContent(
        "daily_desk", "Daily desk summary", f, money.currency, kpis, charts, tables
    )


def weekly_lp(conn: sa.Connection, f: Filter, money: Money) -> ReportContent:
    """The LP scorecard of the week with its z-score heatmap, latency, fill and P/L charts."""
    rows = lp_scorecard(conn, f)
    attempts = sum(r["attempts"] for r in rows)
    fills = sum(r["fills"] for r in rows)
    notional = sum(r["notional_usd"] for r in rows)
    fill_ratio = fills / attempts if attempts else None
    kpis = [
        Kpi("LPs", len(rows), count_text(len(rows))),
        Kpi("Attempts", attempts, count_text(attempts)),
        Kpi("Fill ratio", fill_ratio, pct_text(fill_ratio)),
        Kpi("Filled notional", money.of(notional), money.text(notional)),
    ]
    charts = [
        Chart("LP scorecard z-scores", zscore_heatmap(scorecard_frame(rows))),
        Chart("Latency per LP", latency_boxes(latency_distribution(conn, f))),
        Chart("Fill ratio per LP", _bars(rows, "lp", "fill_ratio", "Fill ratio")),
        Chart("Profit factor per LP", profit_factor_gauges(results_by(conn, f, "lp"))),
    ]
    tables = [_scorecard_table(rows, money), _results_table(conn, f, "lp", money)]
    return ReportContent("weekly_lp", "Weekly LP review", f, money.currency, kpis, charts, tables)


def monthly_rules(conn: sa.Connection, f: Filter, money: Money) -> ReportContent:
    """The rules report of the month (results per rule) with P/L and drawdown curves."""
    rules = rule_report(conn, f)
    total = summary_row(closed_positions(conn, f))
    kpis = [
        Kpi("Rules", len(rules), count_text(len(rules))),
        Kpi("Closed trades", total["trades"], count_text(total["trades"])),
        Kpi("Net broker P/L", money.of(total["net_pnl"]), money.text(total["net_pnl"])),
        Kpi("Max drawdown", money.of(total["max_drawdown"]), money.text(total["max_drawdown"])),
        Kpi("Win rate", total["win_rate"], pct_text(total["win_rate"])),
    ]
    traded = sorted((r for r in rules if r["trades"]), key=lambda r: -r["trades"])[:6]
    by_rule = pnl_curves_by_rule(conn, f, [r["rule_id"] for r in traded])
    curves = {
        f"{r['rule_id']} {r.get('name') or ''}".strip(): by_rule[r["rule_id"]]
        for r in traded
        if r["rule_id"] in by_rule
    }
    charts = [
        Chart("Cumulative P/L per rule (USD)", cumulative_pnl_figure(curves)),
        Chart("Drawdown per rule (USD)", drawdown_figure(curves)),
    ]
    columns = ("Rule", "Name", "Trades", "Win rate", "Profit factor", "Net P/L", "Max drawdown")
    body = [
        (
            str(r["rule_id"]),
            str(r.get("name") or ""),
            count_text(r["trades"]),
            pct_text(r["win_rate"]),
            plain_text(r["profit_factor"]),
            money.text(r["net_pnl"]),
            money.text(r["max_drawdown"]),
        )
        for r in rules
    ]
    tables = [Table("Rules report", columns, body)]
    return ReportContent(
        "monthly_rules", "Monthly rule review", f, money.currency, kpis, charts, tables
    )


def _regulatory(kind: str, title: str, report: Report, f: Filter, money: Money) -> ReportContent:
    tables = [
        Table(
            section.heading,
            tuple(str(c) for c in section.frame.columns),
            [tuple(plain_text(v) for v in row) for row in section.frame.itertuples(index=False)],
        )
        for section in report.sections
    ]
    rows = sum(len(section.frame) for section in report.sections)
    kpis = [
        Kpi("Tables", len(tables), count_text(len(tables))),
        Kpi("Rows", rows, count_text(rows)),
    ]
    return ReportContent(
        kind, title, f, money.currency, kpis, tables=tables, notes=list(report.notes)
    )


def best_execution(conn: sa.Connection, f: Filter, money: Money) -> ReportContent:
    """The compliance team's best-execution monitoring report (top venues, venue quality)."""
    top, quality = best_execution_report.build(conn, f)
    report = best_execution_report.report(top, quality, f)
    return _regulatory("best_execution", "Best execution monitoring", report, f, money)


def order_routing(conn: sa.Connection, f: Filter, money: Money) -> ReportContent:
    """The compliance team's order routing disclosure (606-style, one table per month)."""
    report = order_routing_report.report(order_routing_report.build(conn, f), f)
    return _regulatory("order_routing", "Order routing disclosure", report, f, money)


def _bars(rows: Sequence[Mapping[str, Any]], x: str, y: str, title: str) -> go.Figure:
    fig = themed_figure()
    fig.add_bar(x=[r[x] for r in rows], y=[r[y] for r in rows], name=title)
    fig.update_layout(yaxis_tickformat=".0%", showlegend=False)
    return fig


def _scorecard_table(rows: Sequence[Mapping[str, Any]], money: Money) -> Table:
    columns = ("LP", "Attempts", "Fill ratio", "Reject rate", "p99 latency", "Notional", "Share")
    body = [
        (
            str(r["lp"]),
            count_text(r["attempts"]),
            pct_text(r["fill_ratio"]),
            pct_text(r["reject_rate"]),
            ms_text(r["latency_ms"].get("p99")),
            money.text(r["notional_usd"]),
            pct_text(r["volume_share"]),
        )
        for r in rows
    ]
    return Table("LP scorecard", columns, body)


def _results_table(conn: sa.Connection, f: Filter, by: str, money: Money) -> Table:
    rows = results_by(conn, f, by)  # type: ignore[arg-type]
    columns = (by.upper() if by != "lp" else "LP", "Trades", "Win rate", "Net P/L", "Sharpe")
    body = [
        (
            str(r[by]),
            count_text(r["trades"]),
            pct_text(r["win_rate"]),
            money.text(r["net_pnl"]),
            plain_text(r["sharpe"]),
        )
        for r in rows
    ]
    return Table(f"Results per {by if by != 'lp' else 'LP'}", columns, body)


KINDS: dict[str, ReportKind] = {
    kind.name: kind
    for kind in (
        ReportKind("daily_desk", "Daily desk summary", previous_day, daily_desk),
        ReportKind("weekly_lp", "Weekly LP review", previous_week, weekly_lp),
        ReportKind("monthly_rules", "Monthly rule review", previous_month, monthly_rules),
        ReportKind(
            "best_execution", "Best execution monitoring", previous_year, best_execution, True
        ),
        ReportKind(
            "order_routing", "Order routing disclosure", previous_quarter, order_routing, True
        ),
    )
}
"""Every report kind by name (the registry schedules validate against)."""


def kind_names(role: str | None = None) -> tuple[str, ...]:
    """The report kinds someone of ``role`` may schedule (every kind when no role is given)."""
    regulatory = role is None or has_permission(role, Permission.RUN_REGULATORY_REPORTS)
    return tuple(name for name, kind in KINDS.items() if regulatory or not kind.regulatory)


def build_content(conn: sa.Connection, kind: str, flt: Filter, currency: str) -> ReportContent:
    """The content of report ``kind`` for ``flt``, money in ``currency`` where a rate exists."""
    report = KINDS[kind]
    money, note = reporting_money(conn, currency, flt.end)
    content = report.content(conn, flt, money)
    notes = [note] if note else []
    return replace(content, notes=notes + content.notes, last_event_ts=last_event_ts(conn, flt))
