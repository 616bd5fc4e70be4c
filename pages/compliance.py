"""Compliance: best-execution monitoring, order routing disclosure, transaction report and
data-completeness findings (the builders of ``app.compliance``)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import dash
import dash_bootstrap_components as dbc
from dash import dcc, html

from app.compliance.best_execution import RTS28_NOTE
from app.compliance.order_routing import recent_quarters
from pages.forms import card, field, grid, page_header
from pages.ids import compliance as ids

dash.register_page(__name__, path="/compliance", name="Compliance", order=80, min_role="compliance")


def _number(field_name: str, header: str, digits: int = 2) -> dict[str, Any]:
    return {
        "field": field_name,
        "headerName": header,
        "type": "rightAligned",
        "valueFormatter": {
            "function": f"params.value == null ? '' : d3.format(',.{digits}f')(params.value)"
        },
    }


TOP_COLUMNS: list[dict[str, Any]] = [
    {"field": "asset_class", "headerName": "Class", "rowGroup": False},
    {"field": "rank", "headerName": "#", "maxWidth": 70},
    {"field": "venue", "headerName": "Venue"},
    _number("volume_usd", "Volume (USD)", 0),
    _number("volume_share_pct", "% of volume"),
    _number("orders", "Orders", 0),
    _number("order_share_pct", "% of orders"),
    _number("passive_pct", "% passive"),
    _number("aggressive_pct", "% aggressive"),
    _number("directed_pct", "% directed"),
]
QUALITY_COLUMNS: list[dict[str, Any]] = [
    {"field": "venue", "headerName": "Venue"},
    _number("attempts", "Attempts", 0),
    _number("fill_ratio_pct", "Fill ratio %"),
    _number("price_improvement_pips", "Improvement (pips)", 3),
    _number("slippage_pips", "Slippage (pips)", 3),
    _number("commission_per_million_usd", "Commission / USD m"),
    _number("pfof_per_million_usd", "PFOF / USD m"),
    _number("latency_median_ms", "Latency p50 (ms)", 1),
    _number("latency_p95_ms", "Latency p95 (ms)", 1),
]
FINDING_COLUMNS: list[dict[str, Any]] = [
    {"field": "ts", "headerName": "Time (UTC)"},
    {"field": "kind", "headerName": "Finding"},
    {"field": "reference", "headerName": "Record"},
    {"field": "detail", "headerName": "Detail", "flex": 2},
]


def _window() -> dbc.Card:
    today = dt.datetime.now(dt.UTC).date()
    return card(
        "Period",
        [
            dbc.Row(
                [
                    dbc.Col(
                        field(
                            "From (UTC)",
                            dbc.Input(
                                id=ids.START, type="date", value=str(today - dt.timedelta(days=29))
                            ),
                        ),
                        md=3,
                    ),  # noqa: E501
                    dbc.Col(
                        field(
                            "To (UTC, inclusive)",
                            dbc.Input(id=ids.END, type="date", value=str(today)),
                        ),
                        md=3,
                    ),  # noqa: E501
                    dbc.Col(html.Div(id=ids.WINDOW_FEEDBACK, className="text-danger mt-4"), md=6),
                ]
            )
        ],
    )


def _best_execution() -> dbc.Card:
    return card(
        "Best execution: top five venues per class of instrument",
        [
            dbc.Alert(RTS28_NOTE, color="info", className="small"),
            grid(ids.TOP_GRID, TOP_COLUMNS, "key"),
            html.H6("Execution quality per venue", className="mt-3"),
            grid(ids.QUALITY_GRID, QUALITY_COLUMNS, "venue"),
        ],
        footer=dbc.ButtonGroup(
            [
                dbc.Button("Download CSV", id=ids.BEST_CSV, color="secondary"),
                dbc.Button("Download PDF", id=ids.BEST_PDF, color="secondary"),
            ]
        ),
    )


def _order_routing() -> dbc.Card:
    quarters = recent_quarters(dt.datetime.now(dt.UTC).date())
    return card(
        "Order routing disclosure (Rule 606-shaped, quarterly)",
        [
            field("Quarter", dbc.Select(id=ids.QUARTER, options=quarters, value=quarters[0])),
            dcc.Loading(html.Div(id=ids.ROUTING_SECTIONS)),
        ],
        footer=dbc.ButtonGroup(
            [
                dbc.Button("Download CSV", id=ids.ROUTING_CSV, color="secondary"),
                dbc.Button("Download PDF", id=ids.ROUTING_PDF, color="secondary"),
            ]
        ),
    )


def _transactions() -> dbc.Card:
    return card(
        "Transaction report (MiFIR RTS 22-shaped)",
        [
            html.P(id=ids.TX_COUNT),
            dbc.ButtonGroup(
                [
                    dbc.Button("Download CSV", id=ids.TX_CSV, color="secondary"),
                    dbc.Button("Download XML", id=ids.TX_XML, color="secondary"),
                ]
            ),
        ],
    )


def layout(**_query: str) -> html.Div:
    return html.Div(
        [
            page_header(
                "Compliance",
                "Regulatory monitoring records: best execution, order routing, transactions "
                "and the completeness of the stored data. Every run and download is audited.",
            ),
            dcc.Download(id=ids.DOWNLOAD),
            _window(),
            dbc.Row(dbc.Col(_best_execution()), className="mt-4"),
            dbc.Row(
                [dbc.Col(_order_routing(), lg=8), dbc.Col(_transactions(), lg=4)],
                className="mt-4 g-4",
            ),
            dbc.Row(
                dbc.Col(
                    card("Data completeness", [grid(ids.FINDINGS_GRID, FINDING_COLUMNS, "key")])
                ),
                className="mt-4",
            ),
        ]
    )
