"""Mailbox: the messages the local mail catcher received (demo and development), so that
scheduled reports can be opened without a real mail server."""

from __future__ import annotations

import dash
import dash_bootstrap_components as dbc
from dash import dcc, html

from pages.forms import card, grid, page_header
from pages.ids import admin_mailbox as ids

dash.register_page(__name__, path="/admin/mailbox", name="Mailbox", order=96, min_role="admin")

COLUMNS = [
    {"field": "received", "headerName": "Received", "flex": 2},
    {"field": "to", "headerName": "To", "flex": 2},
    {"field": "subject", "headerName": "Subject", "flex": 4},
    {"field": "attachments", "headerName": "Attachments", "flex": 2},
    {"field": "size", "headerName": "Size", "maxWidth": 110},
]


def layout(**_query: str) -> html.Div:
    return html.Div(
        [
            page_header(
                "Mailbox",
                "Messages caught by the local SMTP catcher (tradedash mail-catcher). "
                "Nothing here left this machine.",
            ),
            dbc.Alert(id=ids.NOTICE, is_open=False, color="info"),
            dbc.Row(
                [
                    dbc.Col(
                        card(
                            "Messages",
                            [
                                dbc.Button("Refresh", id=ids.REFRESH, size="sm", className="mb-2"),
                                grid(ids.GRID, COLUMNS, "name"),
                            ],
                        ),
                        lg=7,
                    ),
                    dbc.Col(
                        card(
                            "Message",
                            [
                                html.Pre(id=ids.HEADERS, className="small"),
                                html.Pre(id=ids.BODY, style={"whiteSpace": "pre-wrap"}),
                                dbc.Select(id=ids.ATTACHMENT, options=[], className="mb-2"),
                                dbc.ButtonGroup(
                                    [
                                        dbc.Button(
                                            "Download attachment", id=ids.DOWNLOAD_ATTACHMENT
                                        ),
                                        dbc.Button(
                                            "Download .eml", id=ids.DOWNLOAD_EML, outline=True
                                        ),
                                    ]
                                ),
                                dcc.Download(id=ids.DOWNLOAD),
                            ],
                        ),
                        lg=5,
                    ),
                ],
                className="g-4",
            ),
        ]
    )
