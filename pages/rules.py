"""Rules: which routing rule earns and which loses, how each version did, and what a rule
would have made under another book policy (an estimate)."""

from __future__ import annotations

from typing import Any

import dash
import dash_bootstrap_components as dbc
from dash import dcc, html

from app.metrics.backtest import CostModel
from app.metrics.toxicity import DEFAULT_MIN_TRADES
from callbacks.filter_inputs import dimension_values
from pages.filter_bar import url_bar
from pages.forms import card, field, grid, page_header, status
from pages.ids import rules as ids

dash.register_page(__name__, path="/rules", name="Rules", order=40)
FILTERS = url_bar(ids.FILTERS, symbols=True, lps=True, rules=True, window="7d")

BAND_STYLES = {
    "red": {"backgroundColor": "#fee2e2", "color": "#991b1b"},
    "yellow": {"backgroundColor": "#fef9c3", "color": "#854d0e"},
    "green": {"backgroundColor": "#dcfce7", "color": "#166534"},
    "blue": {"backgroundColor": "#dbeafe", "color": "#1e40af"},
}
"""The profit factor bands' colours (METRICS.md: < 1 red, 1–1.5 yellow, 1.5–2 good, > 2)."""

MONEY = {"function": "params.value == null ? '—' : d3.format(',.2f')(params.value)"}
RATIO = {"function": "params.value == null ? '—' : d3.format('.2f')(params.value)"}
PERCENT = {"function": "params.value == null ? '—' : d3.format('.1%')(params.value)"}


def _number(
    field_name: str, header: str, formatter: dict[str, str], **extra: Any
) -> dict[str, Any]:
    return {
        "field": field_name,
        "headerName": header,
        "type": "rightAligned",
        "filter": False,
        "valueFormatter": formatter,
        "minWidth": 80,
        **extra,
    }


REPORT_COLUMNS = [
    {"field": "rule_id", "headerName": "Rule", "minWidth": 80},
    {"field": "version", "headerName": "Version", "minWidth": 80, "filter": False},
    {"field": "name", "headerName": "Name", "minWidth": 150},
    _number("trades", "Trades", {"function": "d3.format(',')(params.value)"}),
    _number("net_pnl", "Net P/L (USD)", MONEY, minWidth=120),
    _number(
        "profit_factor",
        "Profit factor",
        {"function": "params.data.profit_factor_label"},
        cellStyle={
            "styleConditions": [
                {"condition": f"params.data.band_colour == '{colour}'", "style": style}
                for colour, style in BAND_STYLES.items()
            ]
        },
        tooltipField="band",
    ),
    _number("win_rate", "Win rate", PERCENT),
    _number("sharpe", "Sharpe", RATIO),
    _number("sortino", "Sortino", RATIO),
    _number("max_drawdown", "Max drawdown (USD)", MONEY, minWidth=110),
    _number("longest_win_streak", "Win streak", {"function": "params.value"}),
    _number("longest_loss_streak", "Loss streak", {"function": "params.value"}),
]

VERSION_COLUMNS = [
    {"field": "rule_id", "headerName": "Rule", "minWidth": 90},
    {"field": "rule_version", "headerName": "Version", "minWidth": 80, "filter": False},
    {"field": "name", "headerName": "Name", "minWidth": 150},
    {"field": "book", "headerName": "Book", "minWidth": 70},
    {"field": "effective_from", "headerName": "Effective from", "minWidth": 150},
    {"field": "conditions", "headerName": "Conditions", "minWidth": 260, "flex": 2},
]


def _short_grid(grid_id: str, columns: list[dict[str, Any]]) -> Any:
    """A grid as tall as its rows: a desk has a few dozen rules, not thousands."""
    table = grid(grid_id, columns, "key")
    table.dashGridOptions = {**table.dashGridOptions, "domLayout": "autoHeight"}
    table.style = {"width": "100%"}
    table.defaultColDef = {**table.defaultColDef, "wrapHeaderText": True, "autoHeaderHeight": True}
    return table


def _graph(graph_id: str) -> dcc.Loading:
    return dcc.Loading(dcc.Graph(id=graph_id, config={"displaylogo": False}), type="dot")


def _report() -> dbc.Card:
    switch = dbc.Switch(
        id=ids.BY_VERSION, label="One row per rule version", value=False, className="mb-2"
    )
    return card(
        "Rule report",
        [switch, _short_grid(ids.REPORT_GRID, REPORT_COLUMNS)],
        footer=html.Small(
            "Profit factor: red below 1.0, yellow 1.0–1.5, green 1.5–2.0, blue above 2.0. "
            "∞ = no losing trade. Money in USD; unconverted trades count as trades only.",
            className="text-muted",
        ),
    )


def _money_input(input_id: str, value: float) -> dbc.Input:
    return dbc.Input(id=input_id, type="text", inputmode="decimal", value=f"{value:g}")


def _backtest_form(rules: list[str]) -> list[Any]:
    costs = CostModel()
    return [
        field(
            "Rule",
            dbc.Select(id=ids.BACKTEST_RULE, options=rules, value=rules[0] if rules else None),
            ids.BACKTEST_RULE_FEEDBACK,
        ),
        dbc.Label("Alternative policy", html_for=ids.BACKTEST_POLICY),
        dbc.RadioItems(
            id=ids.BACKTEST_POLICY,
            options=[
                {"label": "Flip the book (A ↔ B)", "value": "flip"},
                {"label": "Toxicity: clients above X bps to A, the rest to B", "value": "toxicity"},
            ],
            value="flip",
            className="mb-3",
        ),
        dbc.Row(
            [
                dbc.Col(
                    field(
                        "Toxicity threshold X (bps)",
                        _money_input(ids.THRESHOLD, 0.0),
                        ids.THRESHOLD_FEEDBACK,
                        hint="Mean client edge per trade, −10,000 to 10,000.",
                    )
                ),
                dbc.Col(
                    field(
                        "Min. trades to score",
                        _money_input(ids.MIN_TRADES, DEFAULT_MIN_TRADES),
                        ids.MIN_TRADES_FEEDBACK,
                        hint="A whole number from 1 to 10,000.",
                    )
                ),
            ]
        ),
        html.H6("Cost model (USD per million notional)", className="mt-1"),
        dbc.Row(
            [
                dbc.Col(
                    field(
                        "Markup",
                        _money_input(ids.MARKUP, costs.markup_per_million),
                        ids.MARKUP_FEEDBACK,
                    )  # fmt: skip
                ),
                dbc.Col(
                    field(
                        "Client commission",
                        _money_input(ids.CLIENT_COMMISSION, costs.client_commission_per_million),
                        ids.CLIENT_COMMISSION_FEEDBACK,
                    )
                ),
            ]
        ),
        dbc.Row(
            [
                dbc.Col(
                    field(
                        "LP commission",
                        _money_input(ids.LP_COMMISSION, costs.lp_commission_per_million),
                        ids.LP_COMMISSION_FEEDBACK,
                    )
                ),
                dbc.Col(
                    field(
                        "B-book spread share",
                        _money_input(ids.SPREAD_SHARE, costs.spread_share),
                        ids.SPREAD_SHARE_FEEDBACK,
                        hint="0 to 1.",
                    )
                ),
            ]
        ),
        dbc.Button("Run backtest", id=ids.BACKTEST_RUN, color="primary", className="w-100"),
        status(ids.BACKTEST_STATUS),
    ]


def _backtest(rules: list[str]) -> dbc.Card:
    return card(
        "Backtest vs live (estimate)",
        [
            dbc.Row(
                [
                    dbc.Col(_backtest_form(rules), lg=5),
                    dbc.Col(
                        dcc.Loading(
                            html.Div(
                                id=ids.BACKTEST_RESULT,
                                children=html.P(
                                    "Choose a rule and a policy, then run the backtest.",
                                    className="text-muted",
                                ),
                            ),
                            type="dot",
                        ),
                        lg=7,
                    ),
                ],
                className="g-4",
            )
        ],
        footer=html.Small(
            "The same trades re-priced as if routed by the other policy: an estimate, not a "
            "replay. Toxicity scores are taken from the same window (in-sample).",
            className="text-muted",
        ),
    )


def _compare(rules: list[str]) -> dbc.Card:
    form = [
        field("Rule", dbc.Select(id=ids.COMPARE_RULE, options=rules, value=None)),
        dbc.Row(
            [
                dbc.Col(field("Version A", dbc.Select(id=ids.VERSION_A), ids.VERSION_A_FEEDBACK)),
                dbc.Col(field("Version B", dbc.Select(id=ids.VERSION_B), ids.VERSION_B_FEEDBACK)),
            ]
        ),
        dbc.Button("Compare", id=ids.COMPARE_RUN, color="primary", className="w-100"),
        status(ids.COMPARE_STATUS),
    ]
    result = [
        html.Div(
            id=ids.COMPARE_RESULT,
            children=html.P("Choose a rule and two of its versions.", className="text-muted"),
        ),
        _graph(ids.COMPARE_GRAPH),
    ]
    return card(
        "A/B: two versions of a rule",
        [dbc.Row([dbc.Col(form, lg=4), dbc.Col(result, lg=8)], className="g-4")],
        footer=html.Small(
            "Mean P/L per trade of each version in the window; the interval is a 95 % "
            "bootstrap interval of the difference (B − A).",
            className="text-muted",
        ),
    )


def layout(**query: str) -> html.Div:
    options = dimension_values()
    return html.Div(
        [
            dcc.Store(id=ids.READY),
            page_header(
                "Rules",
                "Results of each routing rule and version over the window: profit factor, "
                "drawdowns, what drives the P/L, and what another policy would have made.",
            ),
            FILTERS.layout(query, options),
            _report(),
            dbc.Row(
                [
                    dbc.Col(card("Cumulative P/L per rule", [_graph(ids.CUMULATIVE)]), lg=6),
                    dbc.Col(card("Drawdown per rule", [_graph(ids.DRAWDOWN)]), lg=6),
                ],
                className="g-4",
            ),
            dbc.Row(
                [
                    dbc.Col(
                        card("Distribution of trade results", [_graph(ids.DISTRIBUTION)]), lg=6
                    ),
                    dbc.Col(card("P/L attribution by symbol", [_graph(ids.ATTRIBUTION)]), lg=6),
                ],
                className="g-4",
            ),
            card("Rule versions", [_short_grid(ids.VERSIONS_GRID, VERSION_COLUMNS)]),
            _backtest(options["rules"]),
            _compare(options["rules"]),
        ]
    )
