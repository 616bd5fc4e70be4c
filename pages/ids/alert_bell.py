"""Component IDs of the alert bell and toast in the top bar (pages/alert_bell.py), present on
every page for a signed-in user."""

BELL = "alert-bell"
BELL_COUNT = "alert-bell-count"
TICK = "alert-bell-tick"
"""The ~1 s poll."""
SEEN = "alert-bell-seen"
"""The newest alert id this tab has seen (session storage: a reload repeats no toast)."""
SHOWN = "alert-bell-shown"
"""The count and severity the bell shows (memory: an unchanged bell is not re-rendered)."""
TOAST = "alert-toast"
TOAST_BODY = "alert-toast-body"
