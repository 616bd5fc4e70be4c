"""Reports & exports: export a dataset (columns, window, timezone, currency, format); small
exports download at once, large ones run as a job with a progress bar and a download link;
the history of the user's exports (an admin sees everyone's)."""

from __future__ import annotations

import dash
import dash_bootstrap_components as dbc
from dash import dcc, html

from app.exports.datasets import DATASETS
from app.user_settings import REPORTING_CURRENCIES
from pages.forms import card, field, grid, page_header, status
from pages.ids import reports_exports as ids

dash.register_page(__name__, path="/reports", name="Reports & exports", order=80)

FORMAT_LABELS = {
    "csv": "CSV",
    "xlsx": "Excel",
    "json": "JSON",
    "parquet": "Parquet",
    "pdf": "PDF (reports)",
}
HISTORY_COLUMNS = [
    {"field": "created", "headerName": "When", "flex": 2, "minWidth": 140},
    {"field": "actor", "headerName": "Who", "flex": 2, "minWidth": 140},
    {"field": "dataset", "headerName": "Dataset", "flex": 2, "minWidth": 110},
    {"field": "format", "headerName": "Format", "flex": 1, "minWidth": 80},
    {"field": "rows", "headerName": "Rows", "flex": 1, "minWidth": 80},
    {"field": "window", "headerName": "Window", "flex": 3, "minWidth": 200},
    {"field": "sha256", "headerName": "SHA-256", "flex": 3, "minWidth": 200},
]


def _form() -> dbc.Card:
    return card(
        "Export",
        [
            field(
                "Dataset",
                dbc.Select(
                    id=ids.DATASET,
                    options=[{"label": d.title, "value": d.name} for d in DATASETS.values()],
                    value="executions",
                ),
                ids.DATASET_FEEDBACK,
            ),
            field(
                "Columns",
                dbc.Checklist(id=ids.COLUMNS, options=[], value=[], inline=True),
                ids.COLUMNS_FEEDBACK,
                hint="Untick the columns you do not need.",
            ),
            dbc.Row(
                [
                    dbc.Col(
                        field(
                            "From",
                            dbc.Input(id=ids.START, type="datetime-local"),
                            ids.START_FEEDBACK,
                        )
                    ),
                    dbc.Col(
                        field(
                            "To (exclusive)",
                            dbc.Input(id=ids.END, type="datetime-local"),
                            ids.END_FEEDBACK,
                        )
                    ),
                ]
            ),
            field(
                "Timezone",
                dbc.Input(
                    id=ids.TIMEZONE, type="text", list=ids.TIMEZONE_OPTIONS, autocomplete="off"
                ),
                ids.TIMEZONE_FEEDBACK,
                hint="The window above and the exported times are in this zone.",
            ),
            html.Datalist(id=ids.TIMEZONE_OPTIONS),
            field(
                "Currency",
                dbc.Select(
                    id=ids.CURRENCY,
                    options=[{"label": "As stored", "value": ""}]
                    + [{"label": code, "value": code} for code in REPORTING_CURRENCIES],
                    value="",
                ),
                ids.CURRENCY_FEEDBACK,
                hint="Money converted at each row's time; unknown rates are flagged.",
            ),
            field(
                "Format",
                dbc.RadioItems(
                    id=ids.FORMAT,
                    options=[{"label": v, "value": k} for k, v in FORMAT_LABELS.items()],
                    value="csv",
                    inline=True,
                ),
                ids.FORMAT_FEEDBACK,
            ),
            dbc.Button("Export", id=ids.EXPORT, color="primary", className="w-100"),
            status(ids.STATUS),
            dcc.Download(id=ids.DOWNLOAD),
            dcc.Store(id=ids.JOB),
            dcc.Interval(id=ids.POLL, interval=1000, disabled=True),
            dbc.Progress(id=ids.PROGRESS, value=0, label="", className="mt-3 d-none"),
            html.Div(id=ids.JOB_LINK, className="mt-2"),
        ],
    )


def layout(**_query: str) -> html.Div:
    return html.Div(
        [
            page_header(
                "Reports & exports",
                "Download any dataset as CSV, Excel, JSON or Parquet (reports also as PDF). "
                "Every export is written to the audit log with the SHA-256 of its file.",
            ),
            dcc.Store(id=ids.CHANGES, data=0),
            dbc.Row(
                [
                    dbc.Col(_form(), lg=5),
                    dbc.Col(
                        card("Export history", [grid(ids.HISTORY, HISTORY_COLUMNS, "id")]), lg=7
                    ),
                ],
                className="g-4",
            ),
        ]
    )
