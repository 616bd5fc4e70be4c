"""Component IDs of the Exposure limits page (pages/admin_limits.py)."""

GRID = "limits-grid"
CHANGES = "limits-changes"
"""A counter the save bumps so that the grid reloads."""

SYMBOL = "limits-symbol"
SYMBOL_FEEDBACK = "limits-symbol-feedback"
SYMBOL_OPTIONS = "limits-symbol-options"
LIMIT = "limits-limit-usd"
LIMIT_FEEDBACK = "limits-limit-usd-feedback"
SAVE = "limits-save"
STATUS = "limits-status"
