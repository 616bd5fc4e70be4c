"""LP scorecards: every execution-quality metric of every liquidity provider side by side, the
distributions behind them, quote quality, and an LP's rejected executions on a click."""

from __future__ import annotations

from typing import Any

import dash
import dash_bootstrap_components as dbc
from dash import dcc, html

from app.charts.theme import GRAPH_CONFIG
from callbacks.filter_inputs import dimension_values
from pages.filter_bar import url_bar
from pages.forms import card, grid, page_header
from pages.ids import lp_scorecards as ids
from pages.live import live_controls
from pages.scorecard_columns import FORMAT_NUMBER, scorecard_columns

dash.register_page(__name__, path="/lp-scorecards", name="LP scorecards", order=10)
FILTERS = url_bar(ids.PREFIX, symbols=True, lps=True, rules=True)

SCORECARD_COLUMNS = scorecard_columns()

QUOTE_COLUMNS = [
    {"field": "lp", "headerName": "LP", "minWidth": 110},
    {"field": "symbol", "headerName": "Symbol", "minWidth": 90},
    *(
        {
            "field": field,
            "headerName": header,
            "type": "rightAligned",
            "filter": False,
            "valueFormatter": {"function": FORMAT_NUMBER},
        }
        for field, header in (
            ("spread_pips", "Spread (pips, time-weighted)"),
            ("spread_min_pips", "Min spread"),
            ("spread_max_pips", "Max spread"),
            ("staleness_ms", "Staleness (ms)"),
        )
    ),
    {"field": "last_quote", "headerName": "Last quote", "minWidth": 150},
]

REJECT_COLUMNS: list[dict[str, Any]] = [
    {"field": "time", "headerName": "Time", "minWidth": 160},
    {"field": "exec_id", "headerName": "Execution", "minWidth": 150},
    {"field": "order_id", "headerName": "Order", "minWidth": 150},
    {"field": "symbol", "headerName": "Symbol", "minWidth": 90},
    {"field": "side", "headerName": "Side", "maxWidth": 80},
    {"field": "book", "headerName": "Book", "maxWidth": 80},
    {"field": "requested_qty", "headerName": "Qty", "type": "rightAligned"},
    {"field": "requested_price", "headerName": "Price", "type": "rightAligned"},
    {"field": "reject_reason", "headerName": "Reason", "minWidth": 130},
    {
        "field": "latency_ms",
        "headerName": "Latency (ms)",
        "type": "rightAligned",
        "valueFormatter": {"function": "d3.format(',.1f')(params.value)"},
    },
]


def _graph(graph_id: str, height: int) -> dcc.Loading:
    # The figure sets its own height (it grows with the LPs); min-height avoids a jump.
    return dcc.Loading(
        dcc.Graph(
            id=graph_id,
            config=GRAPH_CONFIG,
            style={"minHeight": f"{height}px"},
        ),
        type="dot",
        delay_show=400,
    )


def _rejects() -> dbc.Card:
    return card(
        "Rejected executions",
        [
            html.P(
                "Click an LP in the scorecard to list its rejected executions.",
                id=ids.REJECTS_TITLE,
                className="text-muted",
            ),
            grid(ids.REJECTS_GRID, REJECT_COLUMNS, "exec_id"),
            dbc.Row(
                [
                    dbc.Col(
                        dbc.Pagination(
                            id=ids.REJECTS_PAGES,
                            max_value=1,
                            active_page=1,
                            first_last=True,
                            previous_next=True,
                            fully_expanded=False,
                            size="sm",
                            className="mt-2 mb-0",
                        ),
                        width="auto",
                    ),
                    dbc.Col(
                        html.Div(id=ids.REJECTS_COUNT, className="text-muted pt-3"), width=True
                    ),
                ]
            ),
        ],
    )


def layout(**query: str) -> html.Div:
    scorecard = grid(ids.GRID, SCORECARD_COLUMNS, "lp")
    scorecard.columnSize = "autoSize"  # too many columns to squeeze: scroll sideways instead
    return html.Div(
        [
            dcc.Store(id=ids.READY),
            dcc.Store(id=ids.LATER),
            page_header(
                "LP scorecards",
                "Execution quality per liquidity provider (B-book fills as INTERNAL). "
                "Green marks the best LP of a column, red the worst.",
            ),
            live_controls(ids.LIVE, (ids.HEATMAP, ids.MARKOUTS)),
            FILTERS.layout(query, known=dimension_values),
            card("Scorecard", [scorecard]),
            dbc.Row(
                [
                    dbc.Col(card("LP × metric", [_graph(ids.HEATMAP, 380)]), xl=7),
                    dbc.Col(card("Markouts", [_graph(ids.MARKOUTS, 380)]), xl=5),
                ],
                className="g-4",
            ),
            dbc.Row(
                [
                    dbc.Col(card("Latency", [_graph(ids.LATENCY, 380)]), xl=6),
                    dbc.Col(card("Profit factor", [_graph(ids.GAUGES, 380)]), xl=6),
                ],
                className="g-4",
            ),
            card("Slippage", [_graph(ids.SLIPPAGE, 520)]),
            card("Quote quality", [grid(ids.QUOTES_GRID, QUOTE_COLUMNS, "key")]),
            _rejects(),
        ]
    )
