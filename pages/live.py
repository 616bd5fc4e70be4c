"""What a page lays out to update itself as data arrives: a badge saying whether updates are
pushed, the store the push channel (``assets/live.js``) writes each batch of deltas into, and
a ``dcc.Interval`` that polls while the channel is down (``callbacks.live_updates`` switches it
between polling and a slow safety net).

Ids are ``f"{prefix}-live-badge"``, ``f"{prefix}-live"``, ``f"{prefix}-live-status"`` and
``f"{prefix}-tick"``: ``assets/live.js`` finds the page by its badge.
"""

from __future__ import annotations

from dash import dcc, html

REFRESH_MS = 5_000
"""Polling while the push channel is down."""
LIVE_REFRESH_MS = 30_000
"""The safety net while updates are pushed."""


def badge_id(prefix: str) -> str:
    return f"{prefix}-live-badge"


def live_id(prefix: str) -> str:
    """The store each batch of pushed deltas is written into."""
    return f"{prefix}-live"


def status_id(prefix: str) -> str:
    """The store holding ``up`` or ``down``: the push channel's state."""
    return f"{prefix}-live-status"


def tick_id(prefix: str) -> str:
    """The polling interval."""
    return f"{prefix}-tick"


def shape_id(graph: str) -> str:
    """The store of what ``graph`` shows apart from its numbers (``callbacks.live_updates``)."""
    return f"{graph}-shape"


def live_controls(prefix: str, graphs: tuple[str, ...] = ()) -> html.Div:
    """The badge, the stores and the interval of a live page; ``graphs``: the figures the page
    patches in place (their zoom and selection stay)."""
    return html.Div(
        [
            html.Span(
                "polling",
                id=badge_id(prefix),
                className="live-badge live-down",
                title=f"Updates pushed as data arrives (else polled every {REFRESH_MS // 1000} s)",
            ),
            dcc.Interval(id=tick_id(prefix), interval=REFRESH_MS, n_intervals=0),
            dcc.Store(id=live_id(prefix)),
            dcc.Store(id=status_id(prefix), data="down"),
            *(dcc.Store(id=shape_id(graph)) for graph in graphs),
        ],
        className="live-controls",
    )
