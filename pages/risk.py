"""Risk: value at risk and expected shortfall, the book's drawdown, accounts near a margin
call, and how each LP's results compare with the slippage it gives."""

from __future__ import annotations

from typing import Any

import dash
import dash_bootstrap_components as dbc
from dash import dcc, html

from app.metrics.risk import DEFAULT_VAR_DAYS
from app.queries.margin import DEFAULT_MARGIN_THRESHOLD
from callbacks.filter_inputs import dimension_values
from pages.filter_bar import url_bar
from pages.forms import card, field, grid, page_header
from pages.ids import risk as ids

dash.register_page(__name__, path="/risk", name="Risk", order=50)
# The broker's own risk is the B-book (A-book results are hedged income): start there.
FILTERS = url_bar(
    ids.FILTERS, symbols=True, lps=True, rules=True, window="30d", default_books=("B",)
)

MONEY = {"function": "params.value == null ? '—' : d3.format(',.2f')(params.value)"}

MARGIN_COLUMNS = [
    {"field": "client_ref", "headerName": "Client (pseudonym)", "minWidth": 130},
    {
        "field": "margin_level",
        "headerName": "Margin level",
        "type": "rightAligned",
        "filter": False,
        "sort": "asc",
        "minWidth": 110,
        "valueFormatter": {"function": "d3.format(',.1f')(params.value) + ' %'"},
        "cellStyle": {
            "styleConditions": [
                {
                    "condition": "params.value < 50",
                    "style": {"backgroundColor": "#fecaca", "color": "#7f1d1d"},
                },
                {
                    "condition": "params.value < 100",
                    "style": {"backgroundColor": "#fee2e2", "color": "#991b1b"},
                },
            ]
        },
    },
    {
        "field": "equity",
        "headerName": "Equity",
        "type": "rightAligned",
        "filter": False,
        "valueFormatter": MONEY,
        "minWidth": 110,
    },  # fmt: skip
    {
        "field": "margin_used",
        "headerName": "Margin used",
        "type": "rightAligned",
        "filter": False,
        "valueFormatter": MONEY,
        "minWidth": 110,
    },  # fmt: skip
    {"field": "currency", "headerName": "Ccy", "minWidth": 70, "maxWidth": 90, "filter": False},
    {"field": "snapshot", "headerName": "Snapshot", "minWidth": 150},
]


def _graph(graph_id: str) -> dcc.Loading:
    return dcc.Loading(dcc.Graph(id=graph_id, config={"displaylogo": False}), type="dot")


def _var_card() -> dbc.Card:
    days = field(
        "Days of history",
        dbc.Input(
            id=ids.VAR_DAYS,
            type="text",
            inputmode="numeric",
            value=str(DEFAULT_VAR_DAYS),
            debounce=True,
        ),  # fmt: skip
        ids.VAR_DAYS_FEEDBACK,
        hint="The last N days with trades (1–1000), reaching back up to 400 days.",
    )
    return card(
        "Value at risk and expected shortfall (95 %, 1 day, historical)",
        [
            dbc.Row(
                [
                    dbc.Col(days, md=4),
                    dbc.Col(
                        html.P(
                            "Per symbol and for the whole book the filter keeps. The time "
                            "window above does not apply: VaR needs a long history.",
                            className="text-muted small mt-md-4",
                        ),
                        md=8,
                    ),
                ]
            ),
            dbc.Row(
                [
                    dbc.Col(_graph(ids.VAR_GRAPH), lg=7),
                    dbc.Col(dcc.Loading(html.Div(id=ids.VAR_TABLE), type="dot"), lg=5),
                ],
                className="g-3",
            ),
        ],
        footer=html.Small(
            "A loss amount: a negative VaR means even the worst days were profitable.",
            className="text-muted",
        ),
    )


def _watchlist_grid() -> Any:
    table = grid(ids.MARGIN_GRID, MARGIN_COLUMNS, "key")
    table.style = {"height": "320px", "width": "100%"}
    table.defaultColDef = {**table.defaultColDef, "wrapHeaderText": True, "autoHeaderHeight": True}
    return table


def _margin_card() -> dbc.Card:
    threshold = field(
        "Margin level below (%)",
        dbc.Input(
            id=ids.MARGIN_THRESHOLD,
            type="text",
            inputmode="decimal",
            value=f"{DEFAULT_MARGIN_THRESHOLD:g}",
            debounce=True,
        ),  # fmt: skip
        ids.MARGIN_THRESHOLD_FEEDBACK,
        hint="Margin call at 100 %, stop-out at 50 %.",
    )
    return card(
        "Accounts near a margin call",
        [
            dbc.Row([dbc.Col(threshold, md=5), dbc.Col(html.Div(id=ids.MARGIN_SUMMARY), md=7)]),
            _watchlist_grid(),
        ],
        footer=html.Small(
            "Each account's latest snapshot of the last 7 days; amounts in the account's "
            "currency. Refreshed every minute.",
            className="text-muted",
        ),
    )


def layout(**query: str) -> html.Div:
    options = dimension_values()
    children: list[Any] = [
        dcc.Store(id=ids.READY),
        dcc.Store(id=ids.LATER),
        page_header(
            "Risk",
            "What the book could lose in a day, how deep its drawdowns go, which clients are "
            "close to a margin call, and whether LPs that slip more also earn less.",
        ),
        FILTERS.layout(query, options),
        _var_card(),
        card("Drawdown of the book", [_graph(ids.DRAWDOWN)]),
        dbc.Row(
            [
                dbc.Col(_margin_card(), lg=7),
                dbc.Col(
                    card(
                        "Sharpe ratio vs mean slippage per LP",
                        [_graph(ids.LP_SCATTER)],
                        footer=html.Small(
                            "Both books, whatever the book filter says (INTERNAL is the "
                            "B-book). Slippage: positive = better for the client.",
                            className="text-muted",
                        ),
                    ),
                    lg=5,
                ),
            ],
            className="g-4",
        ),
        dcc.Interval(id=ids.REFRESH, interval=60_000),
    ]
    return html.Div(children)
