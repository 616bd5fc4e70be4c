"""The alert engine's API: rules (read by analysts, written by admins), alerts, and the
actions on them (acknowledge, snooze, false-positive feedback). Thin: body in, one function of
:mod:`app.alerts.store` called in an audited transaction, JSON out.

A bad rule definition is a 400 whose ``error.fields`` maps each invalid field to its reason.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any, TypeVar

import orjson
from flask import Blueprint, Response, current_app, jsonify, request
from sqlalchemy.orm import Session

from app.alerts import store
from app.alerts.definitions import (
    METRICS,
    RULE_TYPES,
    SCOPES,
    SEVERITIES,
    TEMPLATES,
    RuleDefinitionError,
    parse_rule,
)
from app.auth.permissions import Permission

from ..auth.api import require_api_permission, require_api_role
from ..auth.principal import current_actor
from ..resources import Resources
from .errors import ApiError, bad_request

blueprint = Blueprint("alerts", __name__)

T = TypeVar("T")
ALERT_FILTERS = ("all", "open", "firing", "resolved", "unacknowledged")


def _resources() -> Resources:
    resources: Resources = current_app.extensions["tradedash"]
    return resources


def _in_session(work: Callable[[Session], T]) -> T:
    with Session(_resources().engine) as session, session.begin():
        return work(session)


def _body() -> dict[str, Any]:
    try:
        payload = orjson.loads(request.get_data() or b"null")
    except orjson.JSONDecodeError:
        raise bad_request("body must be a JSON object") from None
    if not isinstance(payload, dict):
        raise bad_request("body must be a JSON object")
    return payload


def _invalid(exc: RuleDefinitionError) -> tuple[Response, int]:
    message = "invalid rule: " + "; ".join(f"{k}: {v}" for k, v in exc.errors.items())
    return jsonify(
        {"error": {"code": "invalid_rule", "message": message, "fields": exc.errors}}
    ), 400


def _rule_id(value: str) -> int:
    if not value.isdigit():
        raise ApiError(404, "not_found", f"no alert rule {value}")
    return int(value)


def _id_field(body: dict[str, Any], name: str) -> int:
    value = body.get(name)
    if not isinstance(value, int) or isinstance(value, bool) or value <= 0:
        raise bad_request(f"{name}: must be a positive whole number")
    return value


def _not_found(exc: store.AlertNotFound) -> ApiError:
    return ApiError(404, "not_found", str(exc))


@blueprint.get("/alerts/catalogue")
@require_api_role("analyst")
def catalogue() -> Response:
    """Rule types, scopes, severities, the metric catalogue and the built-in templates."""
    return jsonify(
        {
            "rule_types": list(RULE_TYPES),
            "scopes": list(SCOPES),
            "severities": list(SEVERITIES),
            "metrics": [
                {
                    "name": m.name,
                    "unit": m.unit,
                    "scopes": list(m.scopes),
                    "description": m.description,
                }
                for m in METRICS.values()
            ],
            "templates": [{"key": key, "definition": value} for key, value in TEMPLATES.items()],
        }
    )


@blueprint.get("/alerts/rules")
@require_api_role("analyst")
def list_rules() -> Response:
    """Every rule with its current definition, instance states and feedback statistics."""
    rules = _in_session(store.list_rules)
    return jsonify({"rules": [rule.as_json() for rule in rules]})


@blueprint.post("/alerts/rules")
@require_api_permission(Permission.MANAGE_ALERT_RULES)
def create_rule() -> Response | tuple[Response, int]:
    """Create a rule from its definition (audited)."""
    try:
        definition = parse_rule(_body())
        rule = _in_session(lambda s: store.create_rule(s, current_actor(), definition))
    except RuleDefinitionError as exc:
        return _invalid(exc)
    return jsonify(rule.as_json())


@blueprint.post("/alerts/rules/preview")
@require_api_permission(Permission.MANAGE_ALERT_RULES)
def preview_rule() -> Response | tuple[Response, int]:
    """How often a definition would have fired over the last 7 days of stored history."""
    try:
        definition = parse_rule(_body())
    except RuleDefinitionError as exc:
        return _invalid(exc)
    now = dt.datetime.now(dt.UTC)
    result = _in_session(lambda s: store.preview(s, definition, now))
    return jsonify({"definition_name": definition.name, **result.as_json()})


@blueprint.get("/alerts/rules/<rule_id>")
@require_api_role("analyst")
def get_rule(rule_id: str) -> Response:
    """One rule."""
    try:
        rule = _in_session(lambda s: store.get_rule(s, _rule_id(rule_id)))
    except store.AlertNotFound as exc:
        raise _not_found(exc) from None
    return jsonify(rule.as_json())


@blueprint.put("/alerts/rules/<rule_id>")
@require_api_permission(Permission.MANAGE_ALERT_RULES)
def update_rule(rule_id: str) -> Response | tuple[Response, int]:
    """Replace a rule's definition: a new version (audited)."""
    ident = _rule_id(rule_id)
    try:
        definition = parse_rule(_body())
        rule = _in_session(lambda s: store.update_rule(s, current_actor(), ident, definition))
    except RuleDefinitionError as exc:
        return _invalid(exc)
    except store.AlertNotFound as exc:
        raise _not_found(exc) from None
    return jsonify(rule.as_json())


def _minutes(body: dict[str, Any]) -> int:
    minutes = body.get("minutes")
    if not isinstance(minutes, int) or isinstance(minutes, bool) or not 5 <= minutes <= 60:
        raise bad_request("minutes: must be a whole number between 5 and 60")
    return minutes


@blueprint.post("/alerts/rules/<rule_id>/snooze")
@require_api_permission(Permission.MANAGE_ALERT_RULES)
def snooze_rule(rule_id: str) -> Response:
    """Hold back every notification of a rule for 5–60 minutes (audited)."""
    ident, minutes = _rule_id(rule_id), _minutes(_body())
    try:
        until = _in_session(
            lambda s: store.snooze(s, current_actor(), minutes=minutes, rule_id=ident)
        )
    except store.AlertNotFound as exc:
        raise _not_found(exc) from None
    return jsonify({"snoozed_until": store.rfc3339(until)})


@blueprint.get("/alerts/events")
@require_api_role("analyst")
def list_alerts() -> Response:
    """Alerts, newest first (``state``: all, open, firing, resolved, unacknowledged)."""
    state = request.args.get("state", "all")
    if state not in ALERT_FILTERS:
        raise bad_request(f"state: must be one of {', '.join(ALERT_FILTERS)}")
    limit_text = request.args.get("limit", "100")
    if not limit_text.isdigit() or not 1 <= int(limit_text) <= 1000:
        raise bad_request("limit: must be a whole number between 1 and 1000")
    severity = request.args.get("severity")
    if severity is not None and severity not in SEVERITIES:
        raise bad_request(f"severity: must be one of {', '.join(SEVERITIES)}")

    def read(session: Session) -> dict[str, Any]:
        alerts = store.list_alerts(session, state, int(limit_text), severity=severity)  # type: ignore[arg-type]
        return {
            "alerts": [alert.as_json() for alert in alerts],
            "unacknowledged": store.count_unacknowledged(session),
        }

    return jsonify(_in_session(read))


def _alert_action(action: Callable[[Session, int, dict[str, Any]], store.AlertView]) -> Response:
    body = _body()
    alert_id = _id_field(body, "alert_id")
    try:
        view = _in_session(lambda s: action(s, alert_id, body))
    except store.AlertNotFound as exc:
        raise _not_found(exc) from None
    return jsonify(view.as_json())


@blueprint.post("/alerts/events/ack")
@require_api_role("analyst")
def acknowledge() -> Response:
    """Acknowledge ``{"alert_id"}``: no repeats or escalations until it resolves (audited)."""
    return _alert_action(lambda s, alert_id, _: store.acknowledge(s, current_actor(), alert_id))


@blueprint.post("/alerts/events/snooze")
@require_api_role("analyst")
def snooze_alert() -> Response:
    """Snooze ``{"alert_id", "minutes"}`` (5–60) (audited)."""

    def act(session: Session, alert_id: int, body: dict[str, Any]) -> store.AlertView:
        store.snooze(session, current_actor(), minutes=_minutes(body), alert_id=alert_id)
        return store.alert_view(session, alert_id)

    return _alert_action(act)


@blueprint.post("/alerts/events/feedback")
@require_api_role("analyst")
def feedback() -> Response:
    """Rate ``{"alert_id", "false_positive": true|false}`` (audited)."""

    def act(session: Session, alert_id: int, body: dict[str, Any]) -> store.AlertView:
        value = body.get("false_positive")
        if not isinstance(value, bool):
            raise bad_request("false_positive: must be true or false")
        return store.mark_false_positive(session, current_actor(), alert_id, value)

    return _alert_action(act)
