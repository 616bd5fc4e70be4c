"""Retention policies: how long each class of data is kept before its partitions are dropped."""

from __future__ import annotations

from typing import Any

import dash
import dash_bootstrap_components as dbc
from dash import dcc, html

from app.compliance.retention import DATA_CLASSES
from pages.forms import card, field, grid, page_header, status, table_and_form
from pages.ids import admin_retention as ids

dash.register_page(
    __name__, path="/admin/retention", name="Retention policies", order=94, min_role="admin"
)

COLUMNS: list[dict[str, Any]] = [
    {"field": "label", "headerName": "Data", "flex": 2},
    {"field": "data_class", "headerName": "Class"},
    {"field": "keep_days", "headerName": "Keep (days)", "type": "rightAligned"},
    {"field": "minimum_days", "headerName": "Minimum", "type": "rightAligned"},
    {"field": "updated_at", "headerName": "Updated"},
    {"field": "updated_by", "headerName": "Updated by"},
]


def _form() -> dbc.Card:
    return card(
        "Change a policy",
        [
            field(
                "Data class",
                dbc.Select(
                    id=ids.DATA_CLASS,
                    options=[{"label": c.label, "value": c.name} for c in DATA_CLASSES.values()],
                ),
                ids.DATA_CLASS_FEEDBACK,
            ),
            field(
                "Keep (days)",
                dbc.Input(id=ids.KEEP_DAYS, type="text", inputmode="numeric"),
                ids.KEEP_DAYS_FEEDBACK,
                hint="Whole days; regulatory records keep at least 5 years.",
            ),
            dbc.Button("Save policy", id=ids.SAVE, color="primary", className="w-100"),
            status(ids.STATUS),
        ],
    )


def layout(**_query: str) -> html.Div:
    return html.Div(
        [
            page_header(
                "Retention policies",
                "A daily job drops whole partitions older than these periods; changes are audited.",
            ),
            dcc.Store(id=ids.CHANGES, data=0),
            table_and_form("Policies", grid(ids.GRID, COLUMNS, "data_class"), _form()),
        ]
    )
