"""The in-dashboard alert channel in the top bar: a bell with the number of open alerts that
links to the Alerts page, and a toast for each new alert while any page is open.

``tradedash.layout`` puts :func:`alert_bell` in the signed-in user's corner; the callbacks in
``callbacks/alert_bell.py`` poll every ``POLL_MS``.
"""

from __future__ import annotations

from typing import Any

import dash_bootstrap_components as dbc
from dash import dcc, html

from pages.ids import alert_bell as ids

POLL_MS = 1_000
"""How often an open page asks for new alerts: a toast shows within about a second."""
TOAST_MS = 10_000
"""How long a toast stays before it fades (it can be closed earlier)."""

_BELL_SVG = (
    "M8 16a2 2 0 0 0 2-2H6a2 2 0 0 0 2 2zm.995-14.901a1 1 0 1 0-1.99 0A5.002 5.002 0 0 0 3 6"
    "c0 1.098-.5 6-2 7h14c-1.5-1-2-5.902-2-7 0-2.42-1.72-4.44-4.005-4.901z"
)


def alert_bell() -> html.Div:
    """The bell (with its count badge), the poll, the last alert seen and the toast."""
    aria: dict[str, Any] = {"aria-label": "Open alerts"}
    return html.Div(
        [
            html.A(
                [
                    html.Span(_bell_icon(), className="alert-bell-icon"),
                    html.Span(
                        "", id=ids.BELL_COUNT, className="alert-bell-count", hidden=True, title=""
                    ),
                ],
                id=ids.BELL,
                href="/alerts",
                className="alert-bell",
                title="Open alerts",
                **aria,
            ),
            dcc.Interval(id=ids.TICK, interval=POLL_MS, n_intervals=0),
            dcc.Store(id=ids.SEEN, storage_type="session"),
            dcc.Store(id=ids.SHOWN),
            dbc.Toast(
                html.Div(id=ids.TOAST_BODY),
                id=ids.TOAST,
                header="Alert",
                is_open=False,
                dismissable=True,
                duration=TOAST_MS,
                className="alert-toast",
            ),
        ],
        className="alert-bell-area",
    )


def _bell_icon() -> html.Img:
    # An inline SVG would need dangerouslySetInnerHTML; a data URI keeps it one request-free image.
    svg = (
        "data:image/svg+xml;utf8,<svg xmlns='http://www.w3.org/2000/svg' viewBox='0 0 16 16' "
        f"fill='%23cbd5e1'><path d='{_BELL_SVG}'/></svg>"
    )
    return html.Img(src=svg, width="18", height="18", alt="")
