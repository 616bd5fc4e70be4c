"""Audit trail: every sign-in, admin change, export and report run, searchable and paged on
the server, exportable to CSV, with a check of the hash chain."""

from __future__ import annotations

import dash
import dash_ag_grid as dag
import dash_bootstrap_components as dbc
from dash import dcc, html

from pages.forms import card, field, page_header, status
from pages.ids import audit_trail as ids

dash.register_page(
    __name__, path="/compliance/audit", name="Audit trail", order=81, min_role="compliance"
)

COLUMNS = [
    {"field": "id", "headerName": "#", "maxWidth": 90},
    {"field": "ts", "headerName": "Time (UTC)", "minWidth": 210},
    {"field": "actor", "headerName": "Actor"},
    {"field": "role", "headerName": "Role", "maxWidth": 120},
    {"field": "ip", "headerName": "IP", "maxWidth": 140},
    {"field": "action", "headerName": "Action"},
    {"field": "target", "headerName": "Target"},
    {"field": "details", "headerName": "Details", "flex": 2},
]


def _filters() -> dbc.Row:
    return dbc.Row(
        [
            dbc.Col(
                field(
                    "Search",
                    dbc.Input(
                        id=ids.SEARCH,
                        type="search",
                        debounce=True,
                        placeholder="actor, action or target",
                    ),  # noqa: E501
                ),
                md=4,
            ),
            dbc.Col(field("From (UTC)", dbc.Input(id=ids.START, type="date")), md=2),
            dbc.Col(field("To (UTC, inclusive)", dbc.Input(id=ids.END, type="date")), md=2),
            dbc.Col(
                html.Div(
                    [
                        dbc.Button(
                            "Export CSV", id=ids.EXPORT, color="secondary", className="me-2"
                        ),  # noqa: E501
                        dbc.Button("Verify chain", id=ids.VERIFY, color="primary"),
                    ],
                    className="mt-4",
                ),
                md=4,
            ),
        ]
    )


def layout(**_query: str) -> html.Div:
    return html.Div(
        [
            page_header(
                "Audit trail",
                "Append-only and hash-chained: each record holds the SHA-256 of the previous one, "
                "so an edit or deletion shows up as a broken link.",
            ),
            dcc.Store(id=ids.PAGE, data=0),
            dcc.Download(id=ids.DOWNLOAD),
            card(
                "Records",
                [
                    _filters(),
                    status(ids.VERIFY_STATUS),
                    dag.AgGrid(
                        id=ids.GRID,
                        columnDefs=COLUMNS,
                        rowData=[],
                        getRowId="params.data.id",
                        defaultColDef={"resizable": True, "sortable": False, "cellDataType": False},
                        columnSize="responsiveSizeToFit",
                        className="ag-grid-panel",
                        style={"height": "560px", "width": "100%"},
                    ),
                    html.Div(
                        [
                            dbc.Button("Previous", id=ids.PREVIOUS, color="link"),
                            html.Span(id=ids.PAGE_LABEL, className="mx-3"),
                            dbc.Button("Next", id=ids.NEXT, color="link"),
                        ],
                        className="d-flex align-items-center justify-content-end",
                    ),
                ],
            ),
        ]
    )
