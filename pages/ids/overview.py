"""Component IDs of the Overview page (pages/overview.py)."""

from app.user_settings import OVERVIEW_CARDS

PREFIX = "overview"
WINDOW = f"{PREFIX}-window"
TICK = "overview-tick"
"""The interval that refreshes the page: every REFRESH_MS while polling, every LIVE_REFRESH_MS
(a safety net) while updates are pushed."""
REFRESH_MS = 5_000
LIVE_REFRESH_MS = 30_000
UPDATED = "overview-updated"

KPI_NAMES = OVERVIEW_CARDS
"""Every KPI card, in the default order (a user picks and orders theirs in Settings)."""
KPI_VALUE = {name: f"overview-kpi-{name.replace('_', '-')}" for name in KPI_NAMES}
"""KPI name → id of the element that shows its value."""
KPI_NOTE = {name: f"{KPI_VALUE[name]}-note" for name in KPI_NAMES}
"""KPI name → id of the small line under its value."""
KPI_CARD = {name: f"{KPI_VALUE[name]}-card" for name in KPI_NAMES}
"""KPI name → id of its card (hidden when the user did not choose it)."""
STALE = "overview-stale"
"""The "stale since …" banner shown when the database is unreachable."""

VOLUME = "overview-volume"
LP_BOARD = "overview-lp-board"
ALERTS = "overview-alerts"
LIVE = "overview-live"
"""Store the push channel (assets/live.js) writes each batch of live deltas into."""
LIVE_STATUS = "overview-live-status"
"""Store: "up" while the push channel is connected, else "down" (polling)."""
LIVE_BADGE = "overview-live-badge"
VOLUME_SHAPE = "overview-volume-shape"
"""Store: what the volume chart on screen shows (window, traces), to patch only its data."""
