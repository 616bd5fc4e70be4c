"""Market: a symbol's mid candles with indicators and the desk's fills, volatility by hour of
day, and the cumulative broker P/L per LP."""

from __future__ import annotations

import dash
import dash_bootstrap_components as dbc
from dash import dcc, html

from app.charts.theme import GRAPH_CONFIG
from callbacks.filter_inputs import dimension_values
from pages.filter_bar import url_bar
from pages.forms import card, page_header
from pages.ids import market as ids

dash.register_page(__name__, path="/market", name="Market", order=20)
FILTERS = url_bar(ids.PREFIX, books=False)

TIMEFRAMES = {"1m": "1 min", "5m": "5 min", "1h": "1 hour"}


def _graph(graph_id: str, height: int) -> dcc.Loading:
    return dcc.Loading(
        dcc.Graph(
            id=graph_id,
            config=GRAPH_CONFIG,
            style={"minHeight": f"{height}px"},
        ),
        type="dot",
        delay_show=400,
    )


def _chart_controls() -> dbc.Row:
    return dbc.Row(
        [
            dbc.Col(
                dcc.Dropdown(id=ids.SYMBOL, options=[], placeholder="Symbol", clearable=False),
                md=3,
            ),
            dbc.Col(
                dbc.RadioItems(
                    id=ids.TIMEFRAME,
                    options=[{"label": text, "value": key} for key, text in TIMEFRAMES.items()],
                    value="5m",
                    inline=True,
                    className="pt-1",
                ),
                md="auto",
            ),
        ],
        className="g-3 mb-2 align-items-center",
    )


def layout(**query: str) -> html.Div:
    return html.Div(
        [
            dcc.Store(id=ids.READY),
            page_header(
                "Market",
                "Composite mid candles (1 min to 1 hour) with the desk's fills, volatility by hour "
                "and the broker's result per LP.",
            ),
            FILTERS.layout(query, known=dimension_values),
            card("Price", [_chart_controls(), _graph(ids.PRICE, 640)]),
            dbc.Row(
                [
                    dbc.Col(card("Volatility", [_graph(ids.VOLATILITY, 420)]), xl=6),
                    dbc.Col(card("Broker P/L per LP", [_graph(ids.PNL, 420)]), xl=6),
                ],
                className="g-4",
            ),
        ]
    )
