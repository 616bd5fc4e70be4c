"""Component IDs of the Overview page (pages/overview.py)."""

PREFIX = "overview"
WINDOW = f"{PREFIX}-window"
TICK = "overview-tick"
"""The 5-second interval that refreshes the page."""
UPDATED = "overview-updated"

KPI_NAMES = (
    "orders_rate",
    "ab_split",
    "fill_ratio",
    "reject_rate",
    "latency_p99",
    "exposure",
    "pnl_today",
)
KPI_VALUE = {name: f"overview-kpi-{name.replace('_', '-')}" for name in KPI_NAMES}
"""KPI name → id of the element that shows its value."""
KPI_NOTE = {name: f"{KPI_VALUE[name]}-note" for name in KPI_NAMES}
"""KPI name → id of the small line under its value."""

VOLUME = "overview-volume"
LP_BOARD = "overview-lp-board"
ALERTS = "overview-alerts"
