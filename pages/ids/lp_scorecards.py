"""Component IDs of the LP scorecards page (pages/lp_scorecards.py)."""

PREFIX = "lpsc"
WINDOW = f"{PREFIX}-window"
SYMBOLS = f"{PREFIX}-symbols"
LPS = f"{PREFIX}-lps"
BOOKS = f"{PREFIX}-books"
RULES = f"{PREFIX}-rules"

GRID = "lpsc-grid"
HEATMAP = "lpsc-heatmap"
MARKOUTS = "lpsc-markouts"
LATENCY = "lpsc-latency"
SLIPPAGE = "lpsc-slippage"
GAUGES = "lpsc-gauges"
QUOTES_GRID = "lpsc-quotes-grid"

REJECTS_TITLE = "lpsc-rejects-title"
REJECTS_GRID = "lpsc-rejects-grid"
REJECTS_PAGES = "lpsc-rejects-pages"
REJECTS_COUNT = "lpsc-rejects-count"

READY = "lpsc-ready"
LATER = "lpsc-later"
"""Stamped when the first charts under the main figure are drawn: the rest load then."""
"""A store set when the main figure is drawn: the figures below it load after it."""

LIVE = "lpsc"
"""Prefix of the live-update controls (``pages/live.py``)."""
