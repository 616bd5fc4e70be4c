"""Routing: where orders went (A-book to an LP, or the B-book), why, and what became of them."""

from __future__ import annotations

from typing import Any

import dash
import dash_bootstrap_components as dbc
from dash import dcc, html

from callbacks.filter_inputs import dimension_values
from pages.filter_bar import url_bar
from pages.forms import card, grid, page_header
from pages.ids import routing as ids

dash.register_page(__name__, path="/routing", name="Routing", order=30)
FILTERS = url_bar(ids.FILTERS, symbols=True, lps=True, rules=True, bucket="15m")


def _column(field: str, header: str, **extra: Any) -> dict[str, Any]:
    # One page of the orders is on screen: sorting or filtering it alone would mislead.
    return {"field": field, "headerName": header, "sortable": False, "filter": False, **extra}


DECISION_COLUMNS = [
    _column("time", "Routed", minWidth=200),
    _column("order_id", "Order", minWidth=170),
    _column("symbol", "Symbol", minWidth=90),
    _column("side", "Side", minWidth=70, maxWidth=80),
    _column(
        "qty",
        "Qty",
        type="rightAligned",
        minWidth=100,
        valueFormatter={"function": "d3.format(',~f')(params.value)"},
    ),
    _column("segment", "Segment", minWidth=90),
    _column("rule", "Rule", minWidth=170),
    _column("book", "Book", minWidth=70, maxWidth=80),
    _column("lp", "LP", minWidth=100),
]


def _graph(graph_id: str, height: int) -> dcc.Loading:
    return dcc.Loading(
        dcc.Graph(
            id=graph_id,
            config={"displaylogo": False, "responsive": True},
            style={"height": f"{height}px"},
        ),
        type="dot",
        delay_show=400,
    )


def _decisions() -> dbc.Row:
    explorer = card(
        "Routing decisions",
        [
            dbc.Row(
                [
                    dbc.Col(
                        dcc.Dropdown(
                            id=ids.DECISIONS_RULE,
                            placeholder="Every rule",
                            options=[],
                            clearable=True,
                        ),
                        md=5,
                    ),
                    dbc.Col(html.Div(id=ids.DECISIONS_COUNT, className="text-muted pt-2"), md=7),
                ],
                className="g-2 mb-2",
            ),
            grid(ids.DECISIONS_GRID, DECISION_COLUMNS, "order_id"),
            dbc.Pagination(
                id=ids.DECISIONS_PAGES,
                max_value=1,
                active_page=1,
                first_last=True,
                previous_next=True,
                fully_expanded=False,
                size="sm",
                className="mt-2 mb-0",
            ),
        ],
    )
    why = card(
        "Why it went there",
        [
            html.Div(
                "Select an order to see the rule version that routed it and its conditions.",
                id=ids.DECISION_DETAIL,
                className="text-muted",
            )
        ],
    )
    # Side by side only on wide screens: the grid needs the width for its columns.
    return dbc.Row([dbc.Col(explorer, xxl=8), dbc.Col(why, xxl=4)], className="g-4 mb-4")


def layout(**query: str) -> html.Div:
    return html.Div(
        [
            dcc.Store(id=ids.READY),
            dcc.Store(id=ids.LATER),
            page_header(
                "Routing",
                "How client orders were split between the A-book (passed to an LP) and the "
                "B-book (the broker takes the other side), by which rule, and how they ended.",
            ),
            FILTERS.layout(query, known=dimension_values),
            html.Div(id=ids.SUMMARY, className="mb-3"),
            dbc.Row(
                dbc.Col(
                    card(
                        "Order flow: segment → rule → book → LP → outcome", [_graph(ids.FLOW, 460)]
                    )
                ),
                className="g-4 mb-4",
            ),
            dbc.Row(
                [
                    dbc.Col(
                        card(
                            "A-book / B-book share over time",
                            [
                                dbc.RadioItems(
                                    id=ids.SHARE_MEASURE,
                                    options=[
                                        {"label": "By order count", "value": "count"},
                                        {"label": "By notional (USD)", "value": "notional"},
                                    ],
                                    value="count",
                                    inline=True,
                                    className="mb-1",
                                ),
                                _graph(ids.SHARES, 300),
                            ],
                        ),
                        lg=6,
                    ),
                    dbc.Col(card("Reject rate per LP", [_graph(ids.REJECTS, 332)]), lg=6),
                ],
                className="g-4 mb-4",
            ),
            _decisions(),
        ]
    )
