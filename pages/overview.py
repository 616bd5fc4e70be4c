"""Overview: the desk's state at a glance."""

from __future__ import annotations

import dash
from dash import html

dash.register_page(__name__, path="/", name="Overview", order=0)


def layout(**_query: str) -> html.Div:
    return html.Div([html.H1("Overview"), html.P("Live KPIs appear here once data flows.")])
