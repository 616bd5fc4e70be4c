"""Exposure limits: the notional limit in USD of each symbol the desk trades."""

from __future__ import annotations

import dash
import dash_bootstrap_components as dbc
from dash import dcc, html

from pages.forms import card, field, grid, page_header, status, table_and_form
from pages.ids import admin_limits as ids

dash.register_page(
    __name__, path="/admin/limits", name="Exposure limits", order=92, min_role="admin"
)

COLUMNS = [
    {"field": "symbol", "headerName": "Symbol", "flex": 1, "minWidth": 120},
    {
        "field": "limit_usd",
        "headerName": "Limit (USD)",
        "flex": 2,
        "type": "rightAligned",
        "cellDataType": "number",
        "filter": False,
        "valueFormatter": {
            "function": "params.value == null ? 'no limit' : d3.format(',.0f')(params.value)"
        },
    },
    {"field": "updated_at", "headerName": "Updated", "flex": 2},
    {"field": "updated_by", "headerName": "Updated by", "flex": 2},
]


def _edit_form() -> dbc.Card:
    return card(
        "Set a limit",
        [
            field(
                "Symbol",
                dbc.Input(
                    id=ids.SYMBOL,
                    type="text",
                    list=ids.SYMBOL_OPTIONS,
                    placeholder="EURUSD",
                    autocomplete="off",
                ),
                ids.SYMBOL_FEEDBACK,
                hint="Select a row, or type any symbol.",
            ),
            html.Datalist(id=ids.SYMBOL_OPTIONS),
            field(
                "Limit (USD)",
                dbc.Input(id=ids.LIMIT, type="text", inputmode="decimal", placeholder="25,000,000"),
                ids.LIMIT_FEEDBACK,
                hint="Greater than zero, at most 1,000,000,000,000.",
            ),
            dbc.Button("Save limit", id=ids.SAVE, color="primary", className="w-100"),
            status(ids.STATUS),
        ],
    )


def layout(**_query: str) -> html.Div:
    return html.Div(
        [
            page_header(
                "Exposure limits",
                "Utilisation on the Exposure page is net exposure divided by these limits. "
                "Symbols without a limit are never flagged.",
            ),
            dcc.Store(id=ids.CHANGES, data=0),
            table_and_form("Symbols", grid(ids.GRID, COLUMNS, "symbol"), _edit_form()),
        ]
    )
