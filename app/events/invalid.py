"""Why a message was refused: a short reason code for the dead-letter store plus a message.

The codes are part of the project's interface (dashboards count dead letters by them), so they
are listed here once and documented in ``docs/events.md``.
"""

from __future__ import annotations

import re
from typing import Literal

import msgspec
import orjson

ReasonCode = Literal[
    # the bytes
    "oversize",
    "not_json",
    "not_object",
    "too_deep",
    # one field
    "missing_field",
    "wrong_type",
    "negative_quantity",
    "out_of_range",
    "unknown_enum",
    "bad_timestamp",
    "wrong_event_type",
    "bad_schema_version",
    "bad_event_id",
    "bad_currency",
    # several fields
    "crossed_quote",
    "crossed_book",
    "missing_limit_price",
    "missing_reject_reason",
    "fill_mismatch",
    "overfill",
    "bad_margin_level",
    "lp_on_b_book",
    "missing_lp",
    "time_order",
    # anything msgspec reports that the rules above do not name
    "invalid",
]

REASON_CODES: tuple[ReasonCode, ...] = ReasonCode.__args__  # type: ignore[attr-defined]

TIMESTAMP_FIELDS = frozenset({"ts", "sent_ts", "open_ts", "effective_from"})
QUANTITY_FIELDS = frozenset({"qty", "requested_qty", "fill_qty", "bid_size", "ask_size"})

# Errors in these fields get their own code whatever msgspec says about them.
_FIELD_REASONS: dict[str, ReasonCode] = {
    "event_type": "wrong_event_type",
    "schema_version": "bad_schema_version",
    "event_id": "bad_event_id",
    "currency": "bad_currency",
}
_RULE_REASONS = frozenset(REASON_CODES)

_RULE = re.compile(r"^([a-z_]+)(?:\[([a-z_]+)\])?: (.+)$", re.DOTALL)
_PATH = re.compile(r" - at `\$\.?([A-Za-z0-9_]*)[^`]*`$")
_MISSING = re.compile(r"^Object missing required field `([^`]+)`")


class Invalid(msgspec.Struct, frozen=True, kw_only=True):
    """A refused message: ``reason`` is a code of :data:`ReasonCode`, ``field`` the culprit."""

    reason: ReasonCode
    message: str
    field: str | None = None

    @property
    def summary(self) -> str:
        """``reason: field`` (or the reason alone), e.g. ``missing_field: order_id``."""
        return f"{self.reason}: {self.field}" if self.field else self.reason

    def __str__(self) -> str:
        return f"{self.summary} ({self.message})"


def invalid_from_error(error: msgspec.ValidationError, raw: bytes) -> Invalid:
    """Translate a msgspec validation error (or a ``__post_init__`` rule) into an Invalid."""
    text = str(error)
    missing = _MISSING.match(text)
    if missing:
        return Invalid(reason="missing_field", field=missing.group(1), message=text)
    rule = _RULE.match(text)
    if rule and rule.group(1) in _RULE_REASONS:
        reason: ReasonCode = rule.group(1)  # type: ignore[assignment]
        return Invalid(reason=reason, field=rule.group(2), message=rule.group(3))
    path = _PATH.search(text)
    field = path.group(1) or None if path else None
    head = text[: path.start()] if path else text
    if field is None:
        if head.startswith("Expected `object`"):
            return Invalid(reason="not_object", message=text)
        return Invalid(reason="invalid", message=text)
    return Invalid(reason=_field_reason(field, head, raw), field=field, message=text)


def _field_reason(field: str, head: str, raw: bytes) -> ReasonCode:
    if field in _FIELD_REASONS:
        return _FIELD_REASONS[field]
    if field in TIMESTAMP_FIELDS and "length" in head:
        return "bad_timestamp"
    if head.startswith("Invalid enum value"):
        return "unknown_enum"
    if head.startswith("Expected `") and ", got `" in head:
        return "wrong_type"
    if head == "Number out of range" or " >" in head or " <" in head or "length" in head:
        if field in QUANTITY_FIELDS and _is_negative(raw, field):
            return "negative_quantity"
        return "out_of_range"
    return "invalid"


def _is_negative(raw: bytes, field: str) -> bool:
    # Only on the error path: msgspec's message says which bound failed, not the value.
    try:
        value = orjson.loads(raw).get(field)
    except (orjson.JSONDecodeError, AttributeError):
        return False
    return isinstance(value, int | float) and value < 0
