"""Component IDs of the Alerts page (pages/alerts.py).

The rule form's inputs are named after the definition fields that
``app.alerts.definitions.parse_rule`` reads and reports errors for (``spec.value``,
``spec.conditions.1.weight``, ...): ``FIELD[name]`` is the input, ``FEEDBACK[name]`` the
message under it.
"""

from __future__ import annotations

# ------------------------------------------------------------------ alert list

ALERT_GRID = "alerts-grid"
ALERT_TICK = "alerts-tick"
"""Reloads the alert list every few seconds."""
ALERT_CHANGES = "alerts-changes"
"""A counter the actions bump so that the list reloads at once."""
ALERT_FILTER = "alerts-filter"
ACKNOWLEDGE = "alerts-acknowledge"
SNOOZE_MINUTES = "alerts-snooze-minutes"
SNOOZE = "alerts-snooze"
FALSE_POSITIVE = "alerts-false-positive"
ALERT_STATUS = "alerts-action-status"

# ------------------------------------------------------------------ rules

RULE_GRID = "alerts-rules-grid"
RULE_CHANGES = "alerts-rules-changes"
"""A counter saves and toggles bump so that the rules table reloads."""
RULE_STATUS = "alerts-rules-status"
READ_ONLY_NOTE = "alerts-read-only"
RULE_DETAIL = "alerts-rule-detail"
"""The selected rule's definition, for every role."""

# ------------------------------------------------------------------ the rule form (admins)

FORM = "alerts-form"
EDITING = "alerts-editing"
"""The id of the rule the form edits (None: a new rule)."""
EDITING_NOTE = "alerts-editing-note"
NEW_RULE = "alerts-new-rule"
TEMPLATE = "alerts-template"
PREVIEW = "alerts-preview"
PREVIEW_RESULT = "alerts-preview-result"
SAVE = "alerts-save"
FORM_STATUS = "alerts-form-status"

COMPOSITE_ROWS = 4
"""Conditions a composite rule can have in the form (an empty row is left out)."""
CONDITION_KEYS = ("metric", "operator", "value", "window_s", "weight")

COMMON_FIELDS = (
    "name",
    "type",
    "scope",
    "severity",
    "owner",
    "labels",
    "description",
    "runbook_url",
    "pending_s",
    "keep_firing_s",
    "cooldown_s",
    "active_hours",
    "channel_ids",
    "enabled",
)
SPEC_FIELDS = (
    "spec.metric",
    "spec.operator",
    "spec.value",
    "spec.recovery_value",
    "spec.window_s",
    "spec.sigma",
    "spec.direction",
    "spec.baseline_days",
    "spec.seasonal",
    "spec.count",
    "spec.horizon_s",
    "spec.lookback_s",
    "spec.score_threshold",
    "spec.expression",
    "spec.checks",
    "spec.wait_s",
    "spec.skew_s",
    "spec.min_count",
)
CONDITION_FIELDS = tuple(
    f"spec.conditions.{row}.{key}" for row in range(COMPOSITE_ROWS) for key in CONDITION_KEYS
)
TYPE_FIELDS: dict[str, tuple[str, ...]] = {
    "threshold": (
        "spec.metric", "spec.operator", "spec.value", "spec.recovery_value", "spec.window_s",
    ),
    "anomaly": (
        "spec.metric", "spec.sigma", "spec.direction", "spec.baseline_days", "spec.seasonal",
        "spec.window_s",
    ),
    "pattern": ("spec.metric", "spec.count", "spec.window_s"),
    "predictive": (
        "spec.metric", "spec.operator", "spec.value", "spec.horizon_s", "spec.lookback_s",
        "spec.window_s",
    ),
    "composite": ("spec.conditions", "spec.score_threshold"),
    "expression": ("spec.expression", "spec.window_s"),
    "completeness": (
        "spec.checks", "spec.wait_s", "spec.skew_s", "spec.min_count", "spec.window_s",
    ),
}  # fmt: skip
"""The spec inputs each rule type shows (and sends to the parser)."""
FORM_FIELDS = COMMON_FIELDS + SPEC_FIELDS + CONDITION_FIELDS
"""Every input of the form, by the definition field it fills."""


def _dom_id(name: str) -> str:
    return "alerts-f-" + name.replace(".", "-").replace("_", "-")


NO_INVALID = ("channel_ids", "enabled", "spec.seasonal", "spec.conditions", "spec.checks")
"""Fields whose input has no ``invalid`` state: their message is shown on its own."""

FIELD = {name: _dom_id(name) for name in FORM_FIELDS}
FEEDBACK = {name: _dom_id(name) + "-feedback" for name in (*FORM_FIELDS, "spec.conditions")}
WRAP = {name: _dom_id(name) + "-wrap" for name in (*SPEC_FIELDS, "spec.conditions")}
"""The block around each spec input: the type selector shows those its type uses."""
