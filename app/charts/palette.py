"""The one palette: a fixed colour per book, per LP and per severity, the same on every chart.

LP colours come from the LP's name (a digest, not its rank among the LPs on screen), so an LP
keeps its colour whatever the filter and whichever chart, and an LP never seen before still
gets one. Two of many LPs can share a colour (the palette has 16); the legend tells them apart.
"""

from __future__ import annotations

import hashlib

BOOK = {"A": "#2563eb", "B": "#f59e0b"}
"""A-book blue (passed on to an LP), B-book amber (the broker carries the risk)."""
INTERNAL = "INTERNAL"
"""The venue name of B-book fills: drawn in the B-book's colour."""
SEVERITY = {"info": "#0ea5e9", "warning": "#f59e0b", "critical": "#dc2626"}
"""Alert severities."""
STATUS = {"up": "#16a34a", "degraded": "#f59e0b", "down": "#dc2626"}
"""LP connection states."""
UNKNOWN = "#94a3b8"
LP_COLOURS = (
    "#0d9488", "#7c3aed", "#db2777", "#65a30d", "#0891b2", "#ea580c", "#4f46e5", "#be123c",
    "#059669", "#c026d3", "#9333ea", "#0284c7", "#4d7c0f", "#15803d", "#6d28d9", "#475569",
)  # fmt: skip
"""Colours for LPs: none of them is a book's colour, so an LP is never mistaken for a book."""


def lp_colour(name: str) -> str:
    """The colour of the LP called ``name`` (B-book fills: the B-book's colour)."""
    if name == INTERNAL:
        return BOOK["B"]
    digest = hashlib.blake2b(name.encode("utf-8"), digest_size=4).digest()
    return LP_COLOURS[int.from_bytes(digest, "big") % len(LP_COLOURS)]


def lp_colours(names: list[str]) -> dict[str, str]:
    """Name → colour for each LP in ``names``."""
    return {name: lp_colour(name) for name in dict.fromkeys(names)}


def book_colour(book: str) -> str:
    """The colour of book ``A`` or ``B`` (grey for anything else)."""
    return BOOK.get(book, UNKNOWN)


def severity_colour(severity: str) -> str:
    """The colour of an alert severity (grey for an unknown one)."""
    return SEVERITY.get(severity, UNKNOWN)
