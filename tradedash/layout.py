"""The frame around every page: navigation and the page container."""

from __future__ import annotations

import dash
from dash import html


def shell() -> html.Div:
    """Top navigation built from the page registry, then the current page."""
    links = [
        html.A(page["name"], href=page["relative_path"], className="nav-link")
        for page in dash.page_registry.values()
    ]
    return html.Div(
        [
            html.Nav([html.Span("TradeDash", className="brand"), *links], className="topnav"),
            html.Main(dash.page_container, className="page"),
        ]
    )
