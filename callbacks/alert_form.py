"""The Alerts page's rule form as data: form values → the mapping ``parse_rule`` reads, its
errors → the message under each input, a template or stored definition → form values.

Pure functions (no request, no database), so they are tested on their own; the callbacks in
``callbacks/alerts.py`` wire them to the page.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from app.alerts.definitions import CHECKS
from pages.ids import alerts as ids

LABELS_HINT = "write labels as name=value pairs separated by commas"
SPEC_NUMBERS = (
    "spec.value",
    "spec.recovery_value",
    "spec.sigma",
    "spec.baseline_days",
    "spec.count",
    "spec.horizon_s",
    "spec.lookback_s",
    "spec.score_threshold",
    "spec.window_s",
    "spec.wait_s",
    "spec.skew_s",
    "spec.min_count",
)
SECONDS = ("pending_s", "keep_firing_s", "cooldown_s")
DEFAULTS: dict[str, Any] = {
    "type": "threshold",
    "scope": "global",
    "severity": "warning",
    "active_hours": "always",
    "enabled": True,
    "spec.metric": "reject_rate",
    "spec.operator": ">",
    "spec.direction": "above",
    "spec.seasonal": True,
    "spec.checks": list(CHECKS),
    **{f"spec.conditions.{row}.operator": ">" for row in range(ids.COMPOSITE_ROWS)},
    **{f"spec.conditions.{row}.metric": "" for row in range(ids.COMPOSITE_ROWS)},
}
"""What a new, blank form shows (anything else is empty)."""


class LabelsError(ValueError):
    """Label text that is not ``name=value, name=value``."""


def parse_labels(text: str | None) -> dict[str, str]:
    """``"team=risk, desk=fx"`` → ``{"team": "risk", "desk": "fx"}``; raises LabelsError."""
    labels: dict[str, str] = {}
    for part in (text or "").split(","):
        if not part.strip():
            continue
        name, sep, value = part.partition("=")
        if not sep or not name.strip() or not value.strip():
            raise LabelsError(f"{part.strip()!r}: {LABELS_HINT}")
        labels[name.strip()] = value.strip()
    return labels


def labels_text(labels: Mapping[str, Any] | None) -> str:
    """The labels as the form and the tables show them, by name: ``desk=fx, team=risk``."""
    return ", ".join(f"{name}={value}" for name, value in sorted((labels or {}).items()))


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def definition_data(values: Mapping[str, Any]) -> tuple[dict[str, Any], dict[str, str]]:
    """The mapping for ``parse_rule`` from form values (definition field → input value), and the
    problems found before parsing (labels that are not ``name=value``).

    Only the spec inputs of the chosen type are sent; blank optional inputs are left out, so
    the definition's defaults apply (a blank required one is sent as None: "is required").
    """
    rule_type = values.get("type") or "threshold"
    data: dict[str, Any] = {}
    problems: dict[str, str] = {}
    for name in ids.COMMON_FIELDS:
        value = values.get(name)
        if name == "labels":
            try:
                data["labels"] = parse_labels(value)
            except LabelsError as error:
                problems["labels"] = str(error)
        elif name == "channel_ids":
            data["channel_ids"] = [int(v) for v in value or []]
        elif name in SECONDS:
            if not _blank(value):
                data[name] = value
        elif name == "enabled":
            data[name] = bool(value)
        else:
            data[name] = value
    data["spec"] = _spec(rule_type, values)
    return data, problems


def _spec(rule_type: str, values: Mapping[str, Any]) -> dict[str, Any]:
    spec: dict[str, Any] = {}
    for name in ids.TYPE_FIELDS.get(rule_type, ()):
        key = name.removeprefix("spec.")
        if name == "spec.conditions":
            spec["conditions"] = _conditions(values)
        elif name == "spec.seasonal":
            spec[key] = bool(values.get(name))
        elif name == "spec.checks":
            spec[key] = list(values.get(name) or [])
        elif name in (
            "spec.recovery_value", "spec.window_s", "spec.baseline_days", "spec.wait_s",
            "spec.skew_s", "spec.min_count",
        ):  # fmt: skip
            if not _blank(values.get(name)):
                spec[key] = values[name]
        else:
            value = values.get(name)
            spec[key] = None if _blank(value) else value
    return spec


def _conditions(values: Mapping[str, Any]) -> list[dict[str, Any]]:
    rows = []
    for row in range(ids.COMPOSITE_ROWS):
        prefix = f"spec.conditions.{row}."
        if _blank(values.get(prefix + "metric")):
            continue
        condition = {
            "metric": values.get(prefix + "metric"),
            "operator": values.get(prefix + "operator") or ">",
            "value": values.get(prefix + "value"),
        }
        for optional in ("window_s", "weight"):
            if not _blank(values.get(prefix + optional)):
                condition[optional] = values[prefix + optional]
        rows.append(condition)
    return rows


def field_errors(errors: Mapping[str, str]) -> tuple[dict[str, str], dict[str, str]]:
    """Split parser errors into those shown under an input and the rest (shown in the summary).

    The composite form leaves out empty rows, so the parser's ``conditions.<n>`` counts only
    the filled ones; the callers pass the row numbers through :func:`condition_rows`.
    """
    shown: dict[str, str] = {}
    rest: dict[str, str] = {}
    for name, message in errors.items():
        if name in ids.FEEDBACK:
            shown[name] = message
        else:
            rest[name] = message
    return shown, rest


def without_knock_on(errors: Mapping[str, str]) -> dict[str, str]:
    """Errors without the recovery threshold's comparison against a threshold that is itself
    missing or invalid (the parser compares with 0 then; the threshold's own message says it).
    """
    kept = dict(errors)
    recovery = kept.get("spec.recovery_value", "")
    if "spec.value" in kept and recovery.startswith(("must not be above", "must not be below")):
        del kept["spec.recovery_value"]
    return kept


def condition_rows(values: Mapping[str, Any]) -> list[int]:
    """The form rows of the conditions sent to the parser, in order (empty rows left out)."""
    return [
        row
        for row in range(ids.COMPOSITE_ROWS)
        if not _blank(values.get(f"spec.conditions.{row}.metric"))
    ]


def to_form_rows(errors: Mapping[str, str], rows: list[int]) -> dict[str, str]:
    """Parser errors with ``spec.conditions.<n>`` renumbered to the form's rows."""
    renamed: dict[str, str] = {}
    for name, message in errors.items():
        parts = name.split(".")
        if parts[:2] == ["spec", "conditions"] and len(parts) > 2 and parts[2].isdigit():
            index = int(parts[2])
            if index < len(rows):
                parts[2] = str(rows[index])
        renamed[".".join(parts)] = message
    return renamed


def form_values(definition: Mapping[str, Any]) -> dict[str, Any]:
    """Form values (definition field → input value) showing a stored definition or a template;
    inputs the definition does not mention get the blank form's value."""
    values: dict[str, Any] = {name: DEFAULTS.get(name) for name in ids.FORM_FIELDS}
    for name in ids.COMMON_FIELDS:
        if name in definition:
            values[name] = definition[name]
    values["labels"] = labels_text(definition.get("labels"))
    values["channel_ids"] = list(definition.get("channel_ids") or [])
    spec = definition.get("spec") or {}
    for name in ids.SPEC_FIELDS:
        key = name.removeprefix("spec.")
        if key in spec:
            values[name] = spec[key]
    for row, condition in enumerate((spec.get("conditions") or [])[: ids.COMPOSITE_ROWS]):
        for key in ids.CONDITION_KEYS:
            if key in condition:
                values[f"spec.conditions.{row}.{key}"] = condition[key]
    return values


def scope_for(rule_type: str | None, scope: str | None) -> str:
    """The scope once ``rule_type`` is chosen: completeness rules are evaluated per check, and
    only they are."""
    if rule_type == "completeness":
        return "check"
    return "global" if scope in (None, "check") else scope


def shown_spec_fields(rule_type: str | None) -> dict[str, bool]:
    """Spec block → hidden, for the chosen type."""
    used = set(ids.TYPE_FIELDS.get(rule_type or "threshold", ()))
    return {name: name not in used for name in ids.WRAP}
