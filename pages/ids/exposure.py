"""Component IDs of the Exposure page (pages/exposure.py)."""

FILTERS = "exposure-filter"
"""Prefix of the shared filter bar's ids (``pages/filter_bar.py``)."""
WINDOW = f"{FILTERS}-window"
SYMBOLS = f"{FILTERS}-symbols"
BUCKET = f"{FILTERS}-bucket"

MEASURE = "exposure-measure"
HEATMAP = "exposure-heatmap"
UTILISATION = "exposure-utilisation"
CONCENTRATION = "exposure-concentration"
OVER_TIME = "exposure-over-time"
TOTAL = "exposure-total"

CELL_TITLE = "exposure-cell-title"
CELL_GRID = "exposure-cell-grid"
CELL_PAGES = "exposure-cell-pages"

LIMITS_CHANGED = "exposure-limits-changed"
"""A counter the limit form bumps so that the charts reload."""
LIMIT_SYMBOL = "exposure-limit-symbol"
LIMIT_SYMBOL_FEEDBACK = "exposure-limit-symbol-feedback"
LIMIT_SYMBOL_OPTIONS = "exposure-limit-symbol-options"
LIMIT_USD = "exposure-limit-usd"
LIMIT_USD_FEEDBACK = "exposure-limit-usd-feedback"
LIMIT_SAVE = "exposure-limit-save"
LIMIT_STATUS = "exposure-limit-status"

READY = "exposure-ready"
"""A store set when the main figure is drawn: the figures below it load after it."""

LIVE = "exposure"
"""Prefix of the live-update controls (``pages/live.py``)."""
