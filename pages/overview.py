"""Overview: the desk's state at a glance, pushed as new data arrives (``assets/live.js``), else
refreshed every five seconds."""

from __future__ import annotations

import dash
import dash_bootstrap_components as dbc
from dash import dcc, html

from app.charts.theme import GRAPH_CONFIG
from app.user_settings import OVERVIEW_CARD_TITLES
from callbacks.filter_inputs import dimension_values
from pages.filter_bar import url_bar
from pages.forms import card, page_header
from pages.ids import overview as ids
from tradedash.preferences import current_preferences

dash.register_page(__name__, path="/", name="Overview", order=0)
FILTERS = url_bar(ids.PREFIX, books=False)

KPI_TITLES = OVERVIEW_CARD_TITLES


def _kpi(name: str, position: int | None) -> dbc.Col:
    # Every card is laid out (the refresh callback fills them all); the user's choice and
    # order (Settings) decide which show, and where, through CSS order.
    style = {"display": "none"} if position is None else {"order": position}
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
        style=style,
        id=ids.KPI_CARD[name],
    )


def kpi_cards() -> list[dbc.Col]:
    """Every KPI card, those the user did not choose hidden, in the order they chose."""
    chosen = current_preferences().overview_cards
    return [_kpi(name, chosen.index(name) if name in chosen else None) for name in ids.KPI_NAMES]


def layout(**query: str) -> html.Div:
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
                            html.Div(
                                FILTERS.layout(query, known=dimension_values),
                                className="kpi-window",
                            ),
                            html.Span(id=ids.UPDATED, className="overview-updated"),
                            html.Span(
                                "polling",
                                id=ids.LIVE_BADGE,
                                className="live-badge live-down",
                                title="Updates pushed as data arrives (else polled every 5 s)",
                            ),
                        ],
                        className="overview-controls",
                    ),
                ],
                className="overview-top",
            ),
            dcc.Interval(id=ids.TICK, interval=ids.REFRESH_MS, n_intervals=0),
            dcc.Store(id=ids.LIVE),
            dcc.Store(id=ids.LIVE_STATUS, data="down"),
            dcc.Store(id=ids.VOLUME_SHAPE),
            dbc.Alert(id=ids.STALE, is_open=False, color="warning", className="stale-banner"),
            dbc.Row(kpi_cards(), className="g-3 mb-4 kpi-row"),
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
