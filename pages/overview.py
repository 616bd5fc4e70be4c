"""Overview: the desk's state at a glance, refreshed every five seconds."""

from __future__ import annotations

import dash
import dash_bootstrap_components as dbc
from dash import dcc, html

from app.charts.theme import GRAPH_CONFIG
from pages.filter_bar import filter_bar
from pages.forms import card, page_header
from pages.ids import overview as ids

dash.register_page(__name__, path="/", name="Overview", order=0)

REFRESH_MS = 5_000
KPI_TITLES = {
    "orders_rate": "Orders / s",
    "ab_split": "A / B split",
    "fill_ratio": "Fill ratio",
    "reject_rate": "Reject rate",
    "latency_p99": "Latency p99",
    "exposure": "Net exposure",
    "pnl_today": "Broker P/L today",
}


def _kpi(name: str) -> dbc.Col:
    return dbc.Col(
        html.Div(
            [
                html.Div(KPI_TITLES[name], className="kpi-title"),
                html.Div("–", id=ids.KPI_VALUE[name], className="kpi-value"),
                html.Div("", id=ids.KPI_NOTE[name], className="kpi-note"),
            ],
            className="kpi",
        ),
        xs=6,
        md=4,
        xl=True,
    )


def layout(**_query: str) -> html.Div:
    return html.Div(
        [
            html.Div(
                [
                    page_header(
                        "Overview",
                        "The desk right now: flow, execution, exposure and the LPs' health.",
                    ),
                    html.Div(
                        [
                            html.Div(filter_bar(ids.PREFIX, books=False), className="kpi-window"),
                            html.Span(id=ids.UPDATED, className="overview-updated"),
                        ],
                        className="overview-controls",
                    ),
                ],
                className="overview-top",
            ),
            dcc.Interval(id=ids.TICK, interval=REFRESH_MS, n_intervals=0),
            dbc.Row([_kpi(name) for name in ids.KPI_NAMES], className="g-3 mb-4 kpi-row"),
            dbc.Row(
                [
                    dbc.Col(
                        card(
                            "Volume by hour",
                            [
                                dcc.Graph(
                                    id=ids.VOLUME,
                                    config=GRAPH_CONFIG,
                                    style={"height": "320px"},
                                )
                            ],
                        ),
                        lg=8,
                    ),
                    dbc.Col(
                        card(
                            "Liquidity providers",
                            [html.Div(id=ids.LP_BOARD, className="lp-board")],
                        ),
                        lg=4,
                    ),
                ],
                className="g-4",
            ),
            card("Latest alerts", [html.Div(id=ids.ALERTS)]),
        ]
    )
