"""Rules page: the rule report, the per-rule charts and the versions table from
``app.queries.results`` / ``app.queries.rules``; the backtest (``rule_backtest``) and the A/B
comparison of two versions (``compare_rule_versions``) on request."""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable
from typing import Any

import dash
import dash_bootstrap_components as dbc
import orjson
import pandas as pd
import plotly.graph_objects as go
from dash import Input, Output, State, html

from app.charts.results import (
    attribution_waterfall_figure,
    cumulative_pnl_figure,
    drawdown_figure,
    pnl_distribution_figure,
    version_comparison_figure,
)
from app.formatting import Reporting
from app.metrics.backtest import CostModel
from app.metrics.results import profit_factor_band
from app.queries.filters import Filter
from app.queries.results import (
    distribution_and_attribution,
    pnl_curves_by_rule,
    rule_report,
    rule_version_report,
)
from app.queries.rules import compare_rule_versions, rule_backtest, rule_versions
from callbacks import local_text
from callbacks.filter_inputs import engine, filter_from_inputs
from callbacks.page_reads import after_main_figure, money_headers, reads, reporting
from pages.ids import rules as ids
from tradedash.auth import require_role
from tradedash.preferences import current_timezone

FILTER_NAMES = ("window", "symbols", "lps", "books", "rules")
MAX_CURVES = 10
"""Rules drawn in the curve charts, most trades first: more lines than this are unreadable."""
Options = list[dict[str, Any]]
SORT_INFINITY = 1e300
"""Where ∞ sorts in the grid (JSON has no infinity)."""


def filter_inputs() -> list[Input]:
    return [Input(f"{ids.FILTERS}-{name}", "value") for name in FILTER_NAMES]


def filter_states() -> list[State]:
    return [State(f"{ids.FILTERS}-{name}", "value") for name in FILTER_NAMES]


# ------------------------------------------------------------------ rows and labels


def profit_factor_label(value: float | None) -> str:
    """2.60, ∞ (gains and no losses) or — (undefined)."""
    if value is None or math.isnan(value):
        return "—"
    return "∞" if math.isinf(value) else f"{value:.2f}"


MONEY_FIELDS = ("gross_profit", "gross_loss", "net_pnl", "max_drawdown", "var95", "es95")
"""The report's amounts in USD, shown in the user's reporting currency."""
MONEY_HEADERS = {"net_pnl": "Net P/L", "max_drawdown": "Max drawdown"}
"""The report grid's money columns and their names without the currency."""


def report_rows(rows: list[dict[str, Any]], shown: Reporting | None = None) -> list[dict[str, Any]]:
    """Rule report rows for the grid: a unique ``key``, the profit factor's label and band,
    amounts in the ``shown`` currency."""
    out = []
    money = shown or Reporting()
    for row in rows:
        row = {**row, **{k: money.amount(row[k]) for k in MONEY_FIELDS if k in row}}
        factor = row["profit_factor"]
        band = profit_factor_band(factor)
        version = row.get("rule_version")
        out.append(
            {
                **{k: v for k, v in row.items() if k != "profit_factor"},
                "key": row["rule_id"] if version is None else f"{row['rule_id']}/v{version}",
                "version": "all" if version is None else version,
                "profit_factor": SORT_INFINITY if factor == math.inf else factor,
                "profit_factor_label": profit_factor_label(factor),
                "band": band.name if band else "",
                "band_colour": band.colour if band else "",
            }
        )
    return out


def version_rows(versions: pd.DataFrame, rule_ids: tuple[str, ...] = ()) -> list[dict[str, Any]]:
    """The published versions (of ``rule_ids`` if given) with conditions as compact JSON."""
    if rule_ids:
        versions = versions[versions["rule_id"].isin(rule_ids)]
    return [
        {
            "key": f"{row.rule_id}/v{row.rule_version}",
            "rule_id": row.rule_id,
            "rule_version": int(row.rule_version),
            "name": row.name,
            "book": row.book,
            "effective_from": local_text(row.effective_from),
            "conditions": orjson.dumps(row.conditions, option=orjson.OPT_SORT_KEYS).decode(),
        }
        for row in versions.itertuples(index=False)
    ]


def curve_in(curve: pd.DataFrame, shown: Reporting) -> pd.DataFrame:
    """A :func:`pnl_curve` frame with its amounts (USD) in the ``shown`` currency."""
    if not shown.converted or shown.usd_per_unit is None or curve.empty:
        return curve
    amounts = [c for c in ("cumulative_pnl", "peak", "drawdown") if c in curve.columns]
    return curve.assign(**{c: curve[c] / shown.usd_per_unit for c in amounts})


def rule_curves(conn: Any, f: Filter, report: list[dict[str, Any]]) -> dict[str, pd.DataFrame]:
    """The P/L curve of each rule with trades (the busiest :data:`MAX_CURVES`), by label, read
    in one query."""
    busiest = sorted((r for r in report if r["trades"]), key=lambda r: -r["trades"])[:MAX_CURVES]
    curves = pnl_curves_by_rule(conn, f, [row["rule_id"] for row in busiest])
    return {
        f"{row['rule_id']} · {row['name']}" if row.get("name") else row["rule_id"]: curves[
            row["rule_id"]
        ]
        for row in busiest
        if row["rule_id"] in curves
    }


# ------------------------------------------------------------------ the backtest form


def parse_number(
    text: object, low: float, high: float, *, whole: bool = False
) -> tuple[float | None, str]:
    """(value, "") or (None, the message to show under the field)."""
    raw = str(text if text is not None else "").replace(",", "").strip()
    kind = "a whole number" if whole else "a number"
    try:
        value = float(raw)
    except ValueError:
        return None, f"Enter {kind} from {low:,g} to {high:,g}."
    if not math.isfinite(value) or not low <= value <= high or (whole and value != int(value)):
        return None, f"Enter {kind} from {low:,g} to {high:,g}."
    return value, ""


BACKTEST_FIELDS: dict[str, tuple[float, float, bool]] = {
    "threshold": (-10_000.0, 10_000.0, False),
    "min_trades": (1.0, 10_000.0, True),
    "markup": (0.0, 100_000.0, False),
    "client_commission": (0.0, 100_000.0, False),
    "lp_commission": (0.0, 100_000.0, False),
    "spread_share": (0.0, 1.0, False),
}


def backtest_inputs(
    rule: str | None, values: dict[str, object]
) -> tuple[dict[str, Any], dict[str, str]]:
    """(parsed values, field → message) of the backtest form."""
    parsed: dict[str, Any] = {"rule": rule}
    problems: dict[str, str] = {}
    if not rule:
        problems["rule"] = "Choose a rule."
    for name, (low, high, whole) in BACKTEST_FIELDS.items():
        value, message = parse_number(values.get(name), low, high, whole=whole)
        parsed[name] = value
        if message:
            problems[name] = message
    return parsed, problems


def money_text(value: float) -> str:
    """1,234.50 (a negative zero shown as 0.00)."""
    return f"{value + 0.0:,.2f}"


SUMMARY_LINES: list[tuple[str, str, Callable[[Any], str]]] = [
    ("Trades", "trades", lambda v: f"{v:,}"),
    ("Net P/L (USD)", "net_pnl", money_text),
    ("Gross profit (USD)", "gross_profit", money_text),
    ("Gross loss (USD)", "gross_loss", money_text),
    ("Profit factor", "profit_factor", profit_factor_label),
    ("Win rate", "win_rate", lambda v: f"{v:.1%}"),
    ("Sharpe", "sharpe", lambda v: f"{v:.2f}"),
    ("Sortino", "sortino", lambda v: f"{v:.2f}"),
    ("Max drawdown (USD)", "max_drawdown", money_text),
    ("Longest win / loss streak", "streaks", str),
    ("Unconverted trades", "unconverted", str),
]


def summary_cells(summary: dict[str, Any]) -> dict[str, str]:
    """Each metric of a results summary as the text the backtest table shows."""
    values = {**summary, "streaks": f"{summary['longest_win_streak']} / "
              f"{summary['longest_loss_streak']}"}  # fmt: skip
    return {
        key: ("—" if values.get(key) is None else render(values[key]))
        for _, key, render in SUMMARY_LINES
    }


def backtest_table(result: dict[str, Any]) -> html.Div:
    """Live and counterfactual metrics side by side, both labelled as estimates."""
    live, alternative = summary_cells(result["live"]), summary_cells(result["alternative"])
    header = html.Thead(
        html.Tr(
            [
                html.Th("Metric"),
                html.Th(["Live ", dbc.Badge("actual", color="secondary")], className="text-end"),
                html.Th(
                    [f"Under “{result['policy']}” ", dbc.Badge("estimate", color="warning")],
                    className="text-end",
                ),
            ]
        )
    )
    body = html.Tbody(
        [
            html.Tr(
                [
                    html.Td(label),
                    html.Td(live[key], className="text-end"),
                    html.Td(alternative[key], className="text-end"),
                ]
            )  # fmt: skip
            for label, key, _ in SUMMARY_LINES
        ]
    )
    moved = (
        f"{result['moved_to_a']:,} trade(s) moved to the A-book, "
        f"{result['moved_to_b']:,} to the B-book. All counterfactual figures are estimates."
    )
    return html.Div(
        [
            dbc.Table([header, body], size="sm", striped=True, className="backtest-table mb-2"),
            html.Small(moved, className="text-muted"),
        ]
    )


def comparison_text(comparison: dict[str, Any]) -> html.Div:
    """The comparison in words: each version's mean, the difference and whether the CI
    includes 0."""
    a, b = comparison["version_a"], comparison["version_b"]
    lines = [
        html.Li(
            f"v{version}: {trades:,} trade(s), mean "
            + ("—" if mean is None else f"{mean:,.2f} USD per trade")
        )  # fmt: skip
        for version, trades, mean in (
            (a, comparison["trades_a"], comparison["mean_a"]),
            (b, comparison["trades_b"], comparison["mean_b"]),
        )
    ]
    if comparison["difference"] is None:
        verdict = "Both versions need converted trades in this window to be compared."
    else:
        low, high = comparison["ci_low"], comparison["ci_high"]
        verdict = (
            f"Difference v{b} − v{a}: {comparison['difference']:,.2f} USD per trade, "
            f"{comparison['confidence']:.0%} CI [{low:,.2f}, {high:,.2f}]"
            + (": no clear difference (the interval includes 0)." if low <= 0 <= high else ".")
        )
    return html.Div([html.Ul(lines, className="mb-1"), html.P(verdict, className="fw-semibold")])


def version_problems(rule: str | None, a: str | None, b: str | None) -> dict[str, str]:
    """Field → message of the A/B form."""
    problems = {}
    if not rule or not a:
        problems["a"] = "Choose a rule and a version."
    if not b:
        problems["b"] = "Choose a version."
    elif a == b:
        problems["b"] = "Choose a version other than A."
    return problems


# ------------------------------------------------------------------ callbacks


def report_of(conn: Any, f: Filter) -> list[dict[str, Any]]:
    """``rule_report`` of ``f``, shared by the charts and the grid of one page load."""
    return reads().read("rule_report", f, lambda: rule_report(conn, f))


def register(app: dash.Dash) -> None:
    # The grids and the distribution and attribution charts load once the P/L curves (the
    # main figure) are drawn; the report grid reuses the curves' report.
    after_main_figure(app, ids.CUMULATIVE, ids.READY)

    @app.callback(
        Output(ids.REPORT_GRID, "rowData"),
        Output(ids.REPORT_GRID, "columnDefs"),
        *filter_inputs(),
        Input(ids.BY_VERSION, "value"),
        Input(ids.READY, "data"),
        State(ids.REPORT_GRID, "columnDefs"),
    )
    @require_role("analyst")
    def show_report(
        window: str | None,
        symbols: list[str] | None,
        lps: list[str] | None,
        books: list[str] | None,
        rules: list[str] | None,
        by_version: bool | None,
        _ready: int | None = None,
        columns: list[dict[str, Any]] | None = None,
    ) -> tuple[list[dict[str, Any]], Any]:
        f = filter_from_inputs(window, symbols, lps, books, rules)
        with engine().connect() as conn:
            rows = rule_version_report(conn, f) if by_version else report_of(conn, f)
            shown = reporting(conn, f.end)
        headers = money_headers(columns, shown, MONEY_HEADERS) if columns else dash.no_update
        return report_rows(rows, shown), headers

    @app.callback(
        Output(ids.CUMULATIVE, "figure"),
        Output(ids.DRAWDOWN, "figure"),
        *filter_inputs(),
    )
    @require_role("analyst")
    def show_curves(
        window: str | None,
        symbols: list[str] | None,
        lps: list[str] | None,
        books: list[str] | None,
        rules: list[str] | None,
    ) -> tuple[go.Figure, go.Figure]:
        # The main figure: only the curves' reads, the other two charts load after it.
        f = filter_from_inputs(window, symbols, lps, books, rules)
        with engine().connect() as conn:
            curves = rule_curves(conn, f, report_of(conn, f))
            shown = reporting(conn, f.end)
        curves = {label: curve_in(curve, shown) for label, curve in curves.items()}
        return (
            cumulative_pnl_figure(curves, current_timezone(), shown.label("Cumulative P/L")),
            drawdown_figure(curves, current_timezone(), shown.label("Drawdown")),
        )

    @app.callback(
        Output(ids.DISTRIBUTION, "figure"),
        Output(ids.ATTRIBUTION, "figure"),
        *filter_inputs(),
        Input(ids.READY, "data"),
    )
    @require_role("analyst")
    def show_distribution(
        window: str | None,
        symbols: list[str] | None,
        lps: list[str] | None,
        books: list[str] | None,
        rules: list[str] | None,
        _ready: int | None = None,
    ) -> tuple[go.Figure, go.Figure]:
        f = filter_from_inputs(window, symbols, lps, books, rules)
        with engine().connect() as conn:
            histogram, attribution = distribution_and_attribution(conn, f)
        return pnl_distribution_figure(histogram), attribution_waterfall_figure(attribution)

    @app.callback(
        Output(ids.VERSIONS_GRID, "rowData"),
        Input(f"{ids.FILTERS}-rules", "value"),
        Input(ids.READY, "data"),
    )
    @require_role("analyst")
    def show_versions(rules: list[str] | None, _ready: int | None = None) -> list[dict[str, Any]]:
        with engine().connect() as conn:
            versions = rule_versions(conn)
        return version_rows(versions, tuple(rules or ()))

    @app.callback(
        Output(ids.VERSION_A, "options"),
        Output(ids.VERSION_B, "options"),
        Output(ids.VERSION_A, "value"),
        Output(ids.VERSION_B, "value"),
        Input(ids.COMPARE_RULE, "value"),
        Input(ids.READY, "data"),
    )
    @require_role("analyst")
    def version_choices(
        rule: str | None, _ready: int | None = None
    ) -> tuple[Options, Options, str | None, str | None]:
        # After the P/L curves, like everything under them.
        if not rule:
            return [], [], None, None
        with engine().connect() as conn:
            versions = rule_versions(conn, rule)
        options = [
            {"label": f"v{row.rule_version} · {row.name}", "value": str(row.rule_version)}
            for row in versions.itertuples(index=False)
        ]
        # Newest first: compare the previous version (A) with the latest (B) by default.
        a = options[1]["value"] if len(options) > 1 else None
        b = options[0]["value"] if options else None
        return options, options, a, b

    _register_backtest(app)
    _register_compare(app)


def _register_backtest(app: dash.Dash) -> None:
    feedback = {
        name: (getattr(ids, name.upper()), getattr(ids, f"{name.upper()}_FEEDBACK"))
        for name in BACKTEST_FIELDS
    }
    feedback["rule"] = (ids.BACKTEST_RULE, ids.BACKTEST_RULE_FEEDBACK)
    outputs: dict[str, Output] = {"result": Output(ids.BACKTEST_RESULT, "children")}
    for name, (control, message) in feedback.items():
        outputs[f"{name}_invalid"] = Output(control, "invalid")
        outputs[f"{name}_feedback"] = Output(message, "children")
    outputs |= {
        "status": Output(ids.BACKTEST_STATUS, "children"),
        "status_open": Output(ids.BACKTEST_STATUS, "is_open"),
        "status_color": Output(ids.BACKTEST_STATUS, "color"),
    }
    inputs: dict[str, Any] = {
        "_clicks": Input(ids.BACKTEST_RUN, "n_clicks"),
        "rule": State(ids.BACKTEST_RULE, "value"),
        "policy": State(ids.BACKTEST_POLICY, "value"),
        **{name: State(feedback[name][0], "value") for name in BACKTEST_FIELDS},
        "filters": filter_states(),
    }

    @app.callback(output=outputs, inputs=inputs, prevent_initial_call=True)
    @require_role("analyst")
    def run(
        _clicks: int, rule: str | None, policy: str | None, filters: list[Any], **values: object
    ) -> dict[str, Any]:
        parsed, problems = backtest_inputs(rule, values)
        out: dict[str, Any] = {}
        for name in feedback:
            out[f"{name}_invalid"] = name in problems
            out[f"{name}_feedback"] = problems.get(name, "")
        if problems:
            return out | {
                "result": dash.no_update,
                "status": "Nothing was run: correct the marked fields.",
                "status_open": True,
                "status_color": "danger",
            }
        f = dataclasses.replace(filter_from_inputs(*filters), rule_ids=(parsed["rule"],))
        costs = CostModel(
            markup_per_million=parsed["markup"],
            client_commission_per_million=parsed["client_commission"],
            lp_commission_per_million=parsed["lp_commission"],
            spread_share=parsed["spread_share"],
        )
        with engine().connect() as conn:
            result = rule_backtest(
                conn,
                f,
                "toxicity" if policy == "toxicity" else "flip",
                threshold_bps=parsed["threshold"],
                min_trades=int(parsed["min_trades"]),
                costs=costs,
            )
        if not result["live"]["trades"]:
            return out | {
                "result": html.P(
                    f"{rule} has no closed trades in this window.", className="text-muted"
                ),  # fmt: skip
                "status": "",
                "status_open": False,
                "status_color": "secondary",
            }
        return out | {
            "result": backtest_table(result),
            "status": "",
            "status_open": False,
            "status_color": "secondary",
        }


def _register_compare(app: dash.Dash) -> None:
    @app.callback(
        output={
            "a_invalid": Output(ids.VERSION_A, "invalid"),
            "a_feedback": Output(ids.VERSION_A_FEEDBACK, "children"),
            "b_invalid": Output(ids.VERSION_B, "invalid"),
            "b_feedback": Output(ids.VERSION_B_FEEDBACK, "children"),
            "result": Output(ids.COMPARE_RESULT, "children"),
            "figure": Output(ids.COMPARE_GRAPH, "figure"),
        },
        inputs={
            "_clicks": Input(ids.COMPARE_RUN, "n_clicks"),
            "rule": State(ids.COMPARE_RULE, "value"),
            "a": State(ids.VERSION_A, "value"),
            "b": State(ids.VERSION_B, "value"),
            "filters": filter_states(),
        },
        prevent_initial_call=True,
    )
    @require_role("analyst")
    def compare(
        _clicks: int, rule: str | None, a: str | None, b: str | None, filters: list[Any]
    ) -> dict[str, Any]:
        problems = version_problems(rule, a, b)
        out = {
            "a_invalid": "a" in problems,
            "a_feedback": problems.get("a", ""),
            "b_invalid": "b" in problems,
            "b_feedback": problems.get("b", ""),
        }
        if problems or not (rule and a and b):
            return out | {"result": dash.no_update, "figure": dash.no_update}
        f = dataclasses.replace(filter_from_inputs(*filters), rule_ids=(rule,))
        with engine().connect() as conn:
            comparison = compare_rule_versions(conn, f, rule, int(a), int(b))
        return out | {
            "result": comparison_text(comparison),
            "figure": version_comparison_figure(comparison),
        }
