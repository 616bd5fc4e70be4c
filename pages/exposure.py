"""Exposure: the broker's own risk from B-booked flow, per symbol and over time, against the
configured limits (which admins can change right here)."""

from __future__ import annotations

from typing import Any

import dash
import dash_bootstrap_components as dbc
from dash import dcc, html

from app.auth.permissions import Permission, has_permission
from callbacks.filter_inputs import dimension_values
from pages.filter_bar import url_bar
from pages.forms import card, field, grid, page_header, status
from pages.ids import exposure as ids
from pages.live import live_controls
from tradedash.auth import current_role

dash.register_page(__name__, path="/exposure", name="Exposure", order=40)
FILTERS = url_bar(ids.FILTERS, symbols=True, books=False, bucket="15m")


def _column(field: str, header: str, **extra: Any) -> dict[str, Any]:
    # One page of the fills is on screen: sorting or filtering it alone would mislead.
    return {"field": field, "headerName": header, "sortable": False, "filter": False, **extra}


_NUMBER = {
    "type": "rightAligned",
    "valueFormatter": {"function": "d3.format(',.2~f')(params.value)"},
}
CELL_COLUMNS = [
    _column("fill_time", "Filled", minWidth=150),
    _column("order_id", "Order", minWidth=170),
    _column("account_id", "Account", minWidth=100),
    _column("segment", "Segment", minWidth=90),
    _column("side", "Client side", minWidth=100),
    _column("fill_qty", "Fill qty", **_NUMBER),
    _column("fill_price", "Price", type="rightAligned"),
    _column("position_delta", "Position change", **_NUMBER),
    _column("rule", "Rule", minWidth=120),
]


def _graph(graph_id: str, height: int | None = None) -> dcc.Loading:
    style = {"height": f"{height}px"} if height else {}
    return dcc.Loading(
        dcc.Graph(id=graph_id, config={"displaylogo": False, "responsive": True}, style=style),
        type="dot",
        delay_show=400,
    )


def _heatmap() -> dbc.Card:
    measure = dbc.RadioItems(
        id=ids.MEASURE,
        options=[
            {"label": "Net position", "value": "net"},
            {"label": "% of limit", "value": "utilisation"},
        ],
        value="net",
        inline=True,
        className="mb-1",
    )
    hint = html.Small(
        "Each cell is the position at the end of its bucket. Click one to list the B-book "
        "fills behind it.",
        className="text-muted",
    )
    return card("Exposure by symbol and time", [measure, hint, _graph(ids.HEATMAP)])


def _drill_down() -> dbc.Card:
    return card(
        "B-book fills behind the cell",
        [
            html.Div("Click a heatmap cell to see its fills.", id=ids.CELL_TITLE, className="mb-2"),
            grid(ids.CELL_GRID, CELL_COLUMNS, "row_id"),
            dbc.Pagination(
                id=ids.CELL_PAGES,
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


def _limit_form() -> dbc.Card:
    return card(
        "Set a limit",
        [
            field(
                "Symbol",
                dbc.Input(
                    id=ids.LIMIT_SYMBOL,
                    type="text",
                    list=ids.LIMIT_SYMBOL_OPTIONS,
                    placeholder="EURUSD",
                    autocomplete="off",
                ),
                ids.LIMIT_SYMBOL_FEEDBACK,
            ),
            html.Datalist(id=ids.LIMIT_SYMBOL_OPTIONS),
            field(
                "Limit (USD)",
                dbc.Input(
                    id=ids.LIMIT_USD, type="text", inputmode="decimal", placeholder="25,000,000"
                ),
                ids.LIMIT_USD_FEEDBACK,
                hint="Greater than zero, at most 1,000,000,000,000.",
            ),
            dbc.Button("Save limit", id=ids.LIMIT_SAVE, color="primary", className="w-100"),
            status(ids.LIMIT_STATUS),
        ],
    )


def layout(**query: str) -> html.Div:
    limits = dbc.Col(card("Limit utilisation", [_graph(ids.UTILISATION)]), lg=5)
    concentration = dbc.Col(card("Concentration", [_graph(ids.CONCENTRATION, 300)]), lg=4)
    side = (
        _limit_form()
        if has_permission(current_role(), Permission.MANAGE_LIMITS)
        else card("Limits", [html.P("Limits are set by an administrator.", className="mb-0")])
    )
    return html.Div(
        [
            dcc.Store(id=ids.READY),
            dcc.Store(id=ids.LATER),
            page_header(
                "Exposure",
                "The broker's net open position from B-booked flow, per symbol, as notional "
                "against each symbol's limit.",
            ),
            dcc.Store(id=ids.LIMITS_CHANGED, data=0),
            live_controls(ids.LIVE, (ids.HEATMAP, ids.OVER_TIME)),
            FILTERS.layout(query, known=dimension_values),
            html.Div(id=ids.TOTAL, className="mb-3"),
            dbc.Row(dbc.Col(_heatmap()), className="g-4 mb-4"),
            dbc.Row(dbc.Col(_drill_down()), className="g-4 mb-4"),
            dbc.Row([limits, concentration, dbc.Col(side, lg=3)], className="g-4 mb-4"),
            dbc.Row(
                dbc.Col(card("Total exposure over time", [_graph(ids.OVER_TIME, 300)])),
                className="g-4 mb-4",
            ),
        ]
    )
