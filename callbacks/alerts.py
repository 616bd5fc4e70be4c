"""Alerts page: the alert list with its actions, the rules table with its toggles, and the rule
form (type-dependent inputs, templates, preview, save), all through ``app.alerts.store``.

Reading needs a signed-in user (``analyst`` and up). Acknowledge, snooze and false-positive
feedback are the desk's work on alerts and are open to every role that sees them; everything
that changes a rule (save, preview, enable/disable, the form itself) needs
``Permission.MANAGE_ALERT_RULES`` (admins). The store audits every change.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import dash
from dash import Input, Output, State, ctx, html, no_update
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.alerts.definitions import (
    SNOOZE_MINUTES,
    TEMPLATES,
    RuleDefinitionError,
    parse_rule,
    to_json,
)
from app.alerts.preview import PREVIEW_DAYS, PreviewResult
from app.alerts.store import (
    AlertNotFound,
    AlertView,
    RuleView,
    acknowledge,
    create_rule,
    get_rule,
    list_alerts,
    list_rules,
    mark_false_positive,
    preview,
    set_enabled,
    snooze,
    update_rule,
)
from app.auth.permissions import Permission
from app.db.models.notifications import NotificationChannel
from callbacks import transaction
from callbacks.alert_form import (
    condition_rows,
    definition_data,
    field_errors,
    form_values,
    labels_text,
    scope_for,
    shown_spec_fields,
    to_form_rows,
    without_knock_on,
)
from pages.ids import alerts as ids
from tradedash.auth import current_actor, require_permission, require_role

RECENT = dt.timedelta(days=7)
ALERT_ROWS = 500


def _time(value: dt.datetime | None) -> str:
    return value.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M:%S") if value else ""


def _number(value: float | None) -> str:
    return "" if value is None else f"{value:,.4g}"


# ------------------------------------------------------------------ rows


def alert_rows(alerts: Sequence[AlertView], now: dt.datetime) -> list[dict[str, Any]]:
    """The alert list's rows, correlated alerts next to each other.

    Alerts of different rules that fired within a minute of each other share an incident,
    named after its earliest alert id; the incidents are ordered newest first.
    """
    anchor = {a.id: min((a.id, *a.correlated_ids)) for a in alerts}
    latest: dict[int, dt.datetime] = {}
    for a in alerts:
        latest[anchor[a.id]] = max(latest.get(anchor[a.id], a.fired_at), a.fired_at)
    ordered = sorted(
        alerts,
        key=lambda a: (latest[anchor[a.id]], anchor[a.id], a.fired_at, a.id),
        reverse=True,
    )
    return [
        {
            "id": a.id,
            "group": f"incident #{anchor[a.id]}" if a.correlated_ids else "",
            "state": _alert_state(a, now),
            "severity": a.severity,
            "rule": a.rule_name + (f" · {a.instance_key}" if a.instance_key else ""),
            "labels": labels_text(_own_labels(a.labels)),
            "started": _time(a.fired_at),
            "value": _number(a.value),
            "acknowledged_by": (
                f"{a.acknowledged_by or 'someone'} at {_time(a.acknowledged_at)}"
                if a.acknowledged_at
                else ""
            ),
            "snoozed_until": _time(a.snoozed_until) if _snoozed(a.snoozed_until, now) else "",
            "message": a.message,
        }
        for a in ordered
    ]


def _own_labels(labels: Mapping[str, Any]) -> dict[str, Any]:
    # The engine adds alertname and severity to every alert's labels: columns of their own here.
    return {k: v for k, v in labels.items() if k not in ("alertname", "severity")}


def _snoozed(until: dt.datetime | None, now: dt.datetime) -> bool:
    return until is not None and until > now


def _alert_state(alert: AlertView, now: dt.datetime) -> str:
    if alert.state != "firing":
        return alert.state
    if alert.feedback == "false_positive":
        return "false positive"
    if alert.acknowledged_at is not None:
        return "acknowledged"
    if _snoozed(alert.snoozed_until, now):
        return "snoozed"
    return "firing"


def rule_rows(rules: Sequence[RuleView], now: dt.datetime) -> list[dict[str, Any]]:
    """The rules table's rows."""
    return [
        {
            "id": rule.id,
            "name": rule.name,
            "enabled": rule.enabled,
            "type": rule.definition.type,
            "severity": rule.definition.severity,
            "owner": rule.definition.owner,
            "labels": labels_text(rule.definition.labels),
            "version": rule.version,
            "false_positive_rate": (
                ""
                if rule.false_positive_share is None
                else f"{rule.false_positive_share:.0%} of {rule.rated_alerts}"
            ),
            **_rule_status(rule, now),
        }
        for rule in rules
    ]


def _rule_status(rule: RuleView, now: dt.datetime) -> dict[str, str]:
    if rule.suppressed:
        share = rule.false_positive_share or 0
        note = f"{share:.0%} of {rule.rated_alerts} rated alerts were false positives"
        return {"status": "suppressed", "status_note": note}
    if not rule.enabled:
        return {"status": "disabled", "status_note": ""}
    if _snoozed(rule.snoozed_until, now):
        return {"status": "snoozed", "status_note": f"until {_time(rule.snoozed_until)} UTC"}
    if rule.open_alerts:
        return {"status": f"firing ({rule.open_alerts})", "status_note": ""}
    return {"status": "ok", "status_note": ""}


def rule_detail(rule: RuleView) -> list[Any]:
    """The selected rule's definition as the read-only roles see it."""
    definition = rule.definition
    spec = to_json(definition)["spec"]
    parts: list[Any] = [
        html.H6(f"{rule.name} — version {rule.version}", className="mt-3"),
        html.P(definition.description or "No description.", className="mb-1"),
    ]
    if definition.runbook_url:
        parts.append(html.A("Runbook", href=definition.runbook_url, target="_blank"))
    spec_text = ", ".join(f"{key} {value}" for key, value in spec.items() if key != "conditions")
    parts.append(
        html.Pre(
            f"{definition.type} per {definition.scope}: {spec_text}"
            + "".join(
                f"\n  {c['weight']:g} × {c['metric']} {c['operator']} {c['value']:g}"
                for c in spec.get("conditions", [])
            )
            + f"\npending {definition.pending_s} s, severity {definition.severity}",
            className="small mt-2 mb-0",
        )
    )
    return parts


# ------------------------------------------------------------------ form


def _form_outputs() -> dict[str, Any]:
    return {
        "values": {name: Output(ids.FIELD[name], "value") for name in ids.FORM_FIELDS},
    }


def _feedback_outputs(duplicate: bool = False) -> dict[str, Any]:
    return {
        "invalid": {
            name: Output(ids.FIELD[name], "invalid", allow_duplicate=duplicate)
            for name in ids.FORM_FIELDS
            if name not in ids.NO_INVALID
        },
        "messages": {
            name: Output(ids.FEEDBACK[name], "children", allow_duplicate=duplicate)
            for name in ids.FEEDBACK
        },
    }


def feedback_for(errors: Mapping[str, str]) -> dict[str, Any]:
    """``invalid`` flags and messages for every input, from field → message."""
    return {
        "invalid": {name: name in errors for name in ids.FORM_FIELDS if name not in ids.NO_INVALID},
        "messages": {name: errors.get(name, "") for name in ids.FEEDBACK},
    }


def submit(values: Mapping[str, Any], editing: int | None, action: str) -> dict[str, Any]:
    """Preview or save the form; the messages next to the fields and the outcome."""
    data, problems = definition_data(values)
    errors: dict[str, str] = dict(problems)
    definition = None
    try:
        definition = parse_rule(data)
    except RuleDefinitionError as error:
        errors |= without_knock_on(to_form_rows(error.errors, condition_rows(values)))
    out: dict[str, Any] = {"preview": no_update, "editing": no_update, "changes": no_update}
    if errors or definition is None:
        shown, rest = field_errors(errors)
        summary = (
            "Nothing was saved: correct the marked fields."
            if action == "save"
            else ("No preview: correct the marked fields.")
        )
        if rest:
            summary += " " + "; ".join(f"{name}: {message}" for name, message in rest.items())
        return {**out, **feedback_for(shown), **_status(summary, "danger")}
    if action == "preview":
        with transaction() as db:
            result = preview(db, definition)
        return {**out, **feedback_for({}), "preview": preview_text(result), "status_open": False,
                "status": no_update, "status_color": no_update}  # fmt: skip
    try:
        with transaction() as db:
            saved = _save(db, definition, editing)
    except RuleDefinitionError as error:  # the name is taken: shown next to it
        shown, _rest = field_errors(error.errors)
        return {**out, **feedback_for(shown), **_status("Nothing was saved.", "danger")}
    message = f"Saved {saved.name!r}, version {saved.version}."
    return {
        **out,
        **feedback_for({}),
        **_status(message, "success"),
        "editing": saved.id,
        "changes": 1,
    }


def _save(db: Session, definition: Any, editing: int | None) -> RuleView:
    if editing is None:
        return create_rule(db, current_actor(), definition)
    return update_rule(db, current_actor(), editing, definition)


def preview_text(result: PreviewResult) -> str:
    """``Would have fired N times in the last 7 days`` (and for which instances, when split)."""
    count = result.fired_count
    times = "once" if count == 1 else f"{count:,} times"
    text = f"Would have fired {times} in the last {PREVIEW_DAYS} days"
    instances = sorted(result.by_instance.items(), key=lambda item: (-item[1], item[0]))
    shown = [f"{key} {n:,}" for key, n in instances if key][:5]
    if shown:
        more = len([key for key, _ in instances if key]) - len(shown)
        text += " (" + ", ".join(shown) + (f", {more} more" if more > 0 else "") + ")"
    if result.last_fired_at is not None:
        text += f"; last at {_time(result.last_fired_at)} UTC"
    return text + "."


def _status(message: str, color: str) -> dict[str, Any]:
    return {"status": message, "status_color": color, "status_open": True}


def _selected_ids(selected: list[dict[str, Any]] | None) -> list[int]:
    return [int(row["id"]) for row in selected or [] if "id" in row]


def act_on_alerts(
    selected: list[dict[str, Any]] | None,
    verb: str,
    action: Callable[[Session, int], object],
) -> dict[str, Any]:
    """Run ``action`` on each selected alert in one transaction; the status line."""
    alert_ids = _selected_ids(selected)
    if not alert_ids:
        return {**_status("Select one or more alerts first.", "warning"), "changes": no_update}
    try:
        with transaction() as db:
            for alert_id in alert_ids:
                action(db, alert_id)
    except AlertNotFound as error:
        return {**_status(str(error), "danger"), "changes": no_update}
    listed = ", ".join(f"#{i}" for i in alert_ids)
    return {**_status(f"{verb} {listed}.", "success"), "changes": 1}


def channel_options() -> list[dict[str, Any]]:
    """The enabled notification channels, for the rule form."""
    with transaction() as db:
        rows = db.execute(
            select(NotificationChannel.id, NotificationChannel.name, NotificationChannel.kind)
            .where(NotificationChannel.enabled)
            .order_by(NotificationChannel.name)
        ).all()
    return [{"label": f"{name} ({kind})", "value": cid} for cid, name, kind in rows]


# ------------------------------------------------------------------ wiring


def register(app: dash.Dash) -> None:
    _register_lists(app)
    _register_alert_actions(app)
    _register_form(app)


def _register_lists(app: dash.Dash) -> None:
    @app.callback(
        Output(ids.ALERT_GRID, "rowData"),
        Input(ids.ALERT_TICK, "n_intervals"),
        Input(ids.ALERT_CHANGES, "data"),
        Input(ids.ALERT_FILTER, "value"),
    )
    @require_role("analyst")
    def load_alerts(_tick: int, _changes: int, which: str | None) -> list[dict[str, Any]]:
        now = dt.datetime.now(dt.UTC)
        with transaction() as db:
            if which == "recent":
                alerts = [
                    a for a in list_alerts(db, "all", ALERT_ROWS) if a.fired_at >= now - RECENT
                ]
            else:
                alerts = list_alerts(db, "open", ALERT_ROWS)
        return alert_rows(alerts, now)

    @app.callback(Output(ids.RULE_GRID, "rowData"), Input(ids.RULE_CHANGES, "data"))
    @require_role("analyst")
    def load_rules(_changes: int) -> list[dict[str, Any]]:
        with transaction() as db:
            return rule_rows(list_rules(db), dt.datetime.now(dt.UTC))

    @app.callback(
        Output(ids.RULE_DETAIL, "children"),
        Input(ids.RULE_GRID, "selectedRows"),
        prevent_initial_call=True,
    )
    @require_role("analyst")
    def show_rule(selected: list[dict[str, Any]] | None) -> list[Any]:
        rule_ids = _selected_ids(selected)
        if not rule_ids:
            return []
        with transaction() as db:
            return rule_detail(get_rule(db, rule_ids[0]))

    @app.callback(
        Output(ids.RULE_STATUS, "children"),
        Output(ids.RULE_STATUS, "color"),
        Output(ids.RULE_STATUS, "is_open"),
        Output(ids.RULE_CHANGES, "data", allow_duplicate=True),
        Input(ids.RULE_GRID, "cellValueChanged"),
        State(ids.RULE_CHANGES, "data"),
        prevent_initial_call=True,
    )
    @require_permission(Permission.MANAGE_ALERT_RULES)
    def toggle_rule(
        changes: list[dict[str, Any]] | None, count: int | None
    ) -> tuple[str, str, bool, int]:
        toggled = [c for c in changes or [] if c.get("colId") == "enabled"]
        if not toggled:
            raise dash.exceptions.PreventUpdate
        names = []
        with transaction() as db:
            for change in toggled:
                rule = set_enabled(
                    db, current_actor(), int(change["data"]["id"]), bool(change["value"])
                )
                names.append(f"{rule.name!r} {'enabled' if rule.enabled else 'disabled'}")
        return "; ".join(names) + ".", "success", True, (count or 0) + 1


def _register_alert_actions(app: dash.Dash) -> None:
    @app.callback(
        output={
            "status": Output(ids.ALERT_STATUS, "children"),
            "status_color": Output(ids.ALERT_STATUS, "color"),
            "status_open": Output(ids.ALERT_STATUS, "is_open"),
            "changes": Output(ids.ALERT_CHANGES, "data"),
        },
        inputs={
            "_ack": Input(ids.ACKNOWLEDGE, "n_clicks"),
            "_snooze": Input(ids.SNOOZE, "n_clicks"),
            "_false": Input(ids.FALSE_POSITIVE, "n_clicks"),
            "selected": State(ids.ALERT_GRID, "selectedRows"),
            "minutes": State(ids.SNOOZE_MINUTES, "value"),
            "changes": State(ids.ALERT_CHANGES, "data"),
        },
        prevent_initial_call=True,
    )
    @require_role("analyst")
    def on_alert_action(
        _ack: int | None,
        _snooze: int | None,
        _false: int | None,
        selected: list[dict[str, Any]] | None,
        minutes: str | None,
        changes: int | None,
    ) -> dict[str, Any]:
        actor = current_actor()
        if ctx.triggered_id == ids.ACKNOWLEDGE:
            out = act_on_alerts(selected, "Acknowledged", lambda db, i: acknowledge(db, actor, i))
        elif ctx.triggered_id == ids.SNOOZE:
            low, high = SNOOZE_MINUTES
            try:
                length = int(minutes or "")
            except ValueError:
                length = 0
            if not low <= length <= high:
                return {**_status(f"Snooze for {low}–{high} minutes.", "danger"),
                        "changes": no_update}  # fmt: skip
            out = act_on_alerts(
                selected,
                f"Snoozed for {length} min:",
                lambda db, i: snooze(db, actor, minutes=length, alert_id=i),
            )
        else:
            out = act_on_alerts(
                selected,
                "Marked as false positives:",
                lambda db, i: mark_false_positive(db, actor, i),
            )
        if out["changes"] is not no_update:
            out["changes"] = (changes or 0) + 1
        return out


def _register_form(app: dash.Dash) -> None:
    @app.callback(
        output={
            "hidden": {name: Output(ids.WRAP[name], "hidden") for name in ids.WRAP},
            "scope": Output(ids.FIELD["scope"], "value", allow_duplicate=True),
        },
        inputs={"rule_type": Input(ids.FIELD["type"], "value")},
        state={"scope": State(ids.FIELD["scope"], "value")},
        prevent_initial_call=True,
    )
    @require_permission(Permission.MANAGE_ALERT_RULES)
    def show_type_fields(rule_type: str | None, scope: str | None) -> dict[str, Any]:
        # the layout shows the threshold's inputs; completeness rules go per check
        return {"hidden": shown_spec_fields(rule_type), "scope": scope_for(rule_type, scope)}

    @app.callback(
        Output(ids.FIELD["channel_ids"], "options"),
        Input(ids.FORM, "id"),
    )
    @require_permission(Permission.MANAGE_ALERT_RULES)
    def load_channels(_form: str) -> list[dict[str, Any]]:
        return channel_options()

    @app.callback(
        output={
            **_form_outputs(),
            **_feedback_outputs(duplicate=True),
            "editing": Output(ids.EDITING, "data", allow_duplicate=True),
            "note": Output(ids.EDITING_NOTE, "children"),
            "preview": Output(ids.PREVIEW_RESULT, "children", allow_duplicate=True),
            "template": Output(ids.TEMPLATE, "value"),
        },
        inputs={
            "template": Input(ids.TEMPLATE, "value"),
            "selected": Input(ids.RULE_GRID, "selectedRows"),
            "_new": Input(ids.NEW_RULE, "n_clicks"),
            "editing": State(ids.EDITING, "data"),
        },
        prevent_initial_call=True,
    )
    @require_permission(Permission.MANAGE_ALERT_RULES)
    def fill_form(
        template: str | None,
        selected: list[dict[str, Any]] | None,
        _new: int | None,
        editing: int | None,
    ) -> dict[str, Any]:
        return fill(ctx.triggered_id, template, selected, editing)

    @app.callback(
        output={
            **_feedback_outputs(),
            "status": Output(ids.FORM_STATUS, "children"),
            "status_color": Output(ids.FORM_STATUS, "color"),
            "status_open": Output(ids.FORM_STATUS, "is_open"),
            "preview": Output(ids.PREVIEW_RESULT, "children"),
            "editing": Output(ids.EDITING, "data"),
            "changes": Output(ids.RULE_CHANGES, "data"),
        },
        inputs={
            "_preview": Input(ids.PREVIEW, "n_clicks"),
            "_save": Input(ids.SAVE, "n_clicks"),
            "values": {name: State(ids.FIELD[name], "value") for name in ids.FORM_FIELDS},
            "editing": State(ids.EDITING, "data"),
            "changes": State(ids.RULE_CHANGES, "data"),
        },
        prevent_initial_call=True,
    )
    @require_permission(Permission.MANAGE_ALERT_RULES)
    def on_submit(
        _preview: int | None,
        _save: int | None,
        values: dict[str, Any],
        editing: int | None,
        changes: int | None,
    ) -> dict[str, Any]:
        action = "preview" if ctx.triggered_id == ids.PREVIEW else "save"
        out = submit(values, editing, action)
        if out["changes"] is not no_update:
            out["changes"] = (changes or 0) + 1
        return out


def fill(
    trigger: str | None,
    template: str | None,
    selected: list[dict[str, Any]] | None,
    editing: int | None,
) -> dict[str, Any]:
    """The form after a template was chosen, a rule selected or "New" pressed."""
    out: dict[str, Any] = {**feedback_for({}), "preview": "", "template": no_update}
    if trigger == ids.TEMPLATE:
        if template not in TEMPLATES:
            raise dash.exceptions.PreventUpdate
        # A template starts a new rule, whatever was being edited.
        return {**out, "values": form_values(TEMPLATES[template]), "editing": None,
                "note": f"New rule from template “{TEMPLATES[template]['name']}”"}  # fmt: skip
    if trigger == ids.RULE_GRID:
        rule_ids = _selected_ids(selected)
        if not rule_ids or rule_ids[0] == editing:
            raise dash.exceptions.PreventUpdate
        with transaction() as db:
            rule = get_rule(db, rule_ids[0])
        values = form_values(to_json(rule.definition))
        note = f"Editing {rule.name!r} (version {rule.version}); saving creates version " + str(
            rule.version + 1
        )
        return {**out, "values": values, "editing": rule.id, "note": note, "template": None}
    return {**out, "values": form_values({}), "editing": None, "note": "New rule",
            "template": None}  # fmt: skip
