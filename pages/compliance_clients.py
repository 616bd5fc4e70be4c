"""Client data rights (GDPR): subject access export and erasure of a client's identity."""

from __future__ import annotations

import dash
import dash_bootstrap_components as dbc
from dash import dcc, html

from pages.forms import card, field, page_header, status
from pages.ids import compliance_clients as ids

dash.register_page(
    __name__, path="/compliance/clients", name="Client data", order=82, min_role="compliance"
)


def _confirm() -> dbc.Modal:
    return dbc.Modal(
        [
            dbc.ModalHeader(dbc.ModalTitle("Erase this client's identity?")),
            dbc.ModalBody(html.P(id=ids.CONFIRM_TEXT)),
            dbc.ModalFooter(
                [
                    dbc.Button("Cancel", id=ids.CONFIRM_NO, color="secondary"),
                    dbc.Button("Erase", id=ids.CONFIRM_YES, color="danger"),
                ]
            ),
        ],
        id=ids.CONFIRM,
        is_open=False,
    )


def layout(**_query: str) -> html.Div:
    return html.Div(
        [
            page_header(
                "Client data",
                "Client ids are stored as keyed pseudonyms; only this page links them back. "
                "Both actions are audited.",
            ),
            dcc.Download(id=ids.DOWNLOAD),
            _confirm(),
            card(
                "Subject access and erasure",
                [
                    field(
                        "Client id or pseudonym",
                        dbc.Input(id=ids.CLIENT, type="text", autocomplete="off"),
                        ids.CLIENT_FEEDBACK,
                        hint="The trading engine's client id, or the 32-character pseudonym.",
                    ),
                    dbc.Button(
                        "Download subject access JSON",
                        id=ids.ACCESS,
                        color="primary",
                        className="me-2",
                    ),  # noqa: E501
                    dbc.Button("Erase identity...", id=ids.ERASE, color="danger"),
                    html.P(
                        "Erasure deletes the link between the pseudonym and the client id. "
                        "Orders, executions, positions and aggregates are regulatory records "
                        "and stay, under the pseudonym.",
                        className="small text-muted mt-3",
                    ),
                    status(ids.STATUS),
                ],
                style={"maxWidth": "720px"},
            ),
        ]
    )
