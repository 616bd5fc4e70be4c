"""Building blocks the admin and settings pages share: the page header, a card, a labelled
field with its validation message underneath, a status line and an AG Grid table."""

from __future__ import annotations

from typing import Any

import dash_ag_grid as dag
import dash_bootstrap_components as dbc
from dash import html


def page_header(title: str, lead: str) -> html.Div:
    """The page's title with one line saying what it is for."""
    return html.Div([html.H1(title), html.P(lead, className="page-lead")], className="page-header")


def card(title: str, body: list[Any], *, footer: Any = None, **kwargs: Any) -> dbc.Card:
    """A titled panel."""
    parts: list[Any] = [dbc.CardHeader(title), dbc.CardBody(body)]
    if footer is not None:
        parts.append(dbc.CardFooter(footer))
    return dbc.Card(parts, className="panel", **kwargs)


def table_and_form(title: str, table: Any, form: Any) -> dbc.Row:
    """A titled table (8 of 12 columns on large screens) with its edit form beside it (4)."""
    return dbc.Row([dbc.Col(card(title, [table]), lg=8), dbc.Col(form, lg=4)], className="g-4")


def field(label: str, control: Any, feedback_id: str | None = None, hint: str = "") -> html.Div:
    """A label, its input and, right under the input, the message shown when it is invalid.

    Bootstrap shows ``.invalid-feedback`` only after a sibling marked ``invalid=True``, so the
    message sits in the same wrapper as the control.
    """
    control_id = getattr(control, "id", None)
    parts: list[Any] = [dbc.Label(label, html_for=control_id), control]
    if feedback_id is not None:
        parts.append(dbc.FormFeedback(id=feedback_id, type="invalid"))
    if hint:
        parts.append(dbc.FormText(hint))
    return html.Div(parts, className="mb-3")


def status(status_id: str) -> dbc.Alert:
    """A closed alert the callbacks open with a success or error message."""
    return dbc.Alert(id=status_id, is_open=False, dismissable=True, className="status")


def role_options(roles: tuple[str, ...]) -> list[dict[str, str]]:
    """``dbc.Select`` options for roles, labelled with a capital letter."""
    return [{"label": role.title(), "value": role} for role in roles]


def grid(grid_id: str, columns: list[dict[str, Any]], row_id: str, **kwargs: Any) -> dag.AgGrid:
    """A sortable, filterable table whose rows are selected by a click."""
    return dag.AgGrid(
        id=grid_id,
        columnDefs=columns,
        rowData=[],
        getRowId=f"params.data.{row_id}",
        # No type inference: a column whose first row holds a date would blank out "never".
        defaultColDef={"sortable": True, "filter": True, "resizable": True, "cellDataType": False},
        columnSize="responsiveSizeToFit",
        dashGridOptions={
            "rowSelection": {
                "mode": "singleRow",
                "checkboxes": False,
                "enableClickSelection": True,
            },
            "animateRows": False,
            "domLayout": "normal",
        },
        className="ag-grid-panel",
        style={"height": "420px", "width": "100%"},
        **kwargs,
    )
