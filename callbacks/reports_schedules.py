"""Report schedules: list, edit, delete and test-send schedules (``app.reports.store``,
``app.reports.runs``) and show the run log. The S3 secret access key is write-only: the form
never gets it back, only whether one is stored.

Ownership is checked on every call, not only by what the page shows: a manager who posts the id
of someone else's schedule gets 403 (``ScheduleForbidden``), an analyst gets nothing.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any
from zoneinfo import ZoneInfo

import dash
from dash import Input, Output, State, ctx, no_update
from flask import abort, current_app

from app.auth.permissions import Permission
from app.db.models.reports import ExportRun, ExportRunDelivery, ExportSchedule, ReportS3Target
from app.reports.kinds import KINDS, kind_names
from app.reports.runs import execute_run, queue_test_run
from app.reports.schedules import ScheduleInvalid, describe, next_runs, validate_schedule
from app.reports.store import (
    Caller,
    ScheduleForbidden,
    ScheduleNotFound,
    delete_schedule,
    get_schedule,
    list_schedules,
    run_deliveries,
    run_log,
    s3_target,
    save_schedule,
)
from callbacks import status_outputs, transaction
from pages.ids import reports_schedules as ids
from tradedash.auth import current_actor, require_permission
from tradedash.auth.principal import current_principal
from tradedash.preferences import current_timezone

FORM_INPUTS = {
    "name": State(ids.NAME, "value"),
    "kind": State(ids.KIND, "value"),
    "format": State(ids.FORMAT, "value"),
    "preset": State(ids.PRESET, "value"),
    "time": State(ids.TIME, "value"),
    "weekday": State(ids.WEEKDAY, "value"),
    "day": State(ids.DAY, "value"),
    "cron": State(ids.CRON, "value"),
    "timezone": State(ids.TIMEZONE, "value"),
    "recipients": State(ids.RECIPIENTS, "value"),
    "symbols": State(ids.SYMBOLS, "value"),
    "lps": State(ids.LPS, "value"),
    "books": State(ids.BOOKS, "value"),
    "rules": State(ids.RULES, "value"),
    "currency": State(ids.CURRENCY, "value"),
    "working_timeout_s": State(ids.TIMEOUT, "value"),
    "enabled": State(ids.ENABLED, "value"),
    "webhook_url": State(ids.WEBHOOK, "value"),
    "s3_enabled": State(ids.S3_ENABLED, "value"),
    "s3_endpoint_url": State(ids.S3_ENDPOINT, "value"),
    "s3_region": State(ids.S3_REGION, "value"),
    "s3_bucket": State(ids.S3_BUCKET, "value"),
    "s3_prefix": State(ids.S3_PREFIX, "value"),
    "s3_access_key_id": State(ids.S3_ACCESS_KEY, "value"),
    "s3_secret_access_key": State(ids.S3_SECRET, "value"),
}
FIELD_CONTROLS = {
    "name": ids.NAME,
    "kind": ids.KIND,
    "format": ids.FORMAT,
    "preset": ids.PRESET,
    "time": ids.TIME,
    "cron": ids.CRON,
    "timezone": ids.TIMEZONE,
    "recipients": ids.RECIPIENTS,
    "filters": ids.SYMBOLS,
    "currency": ids.CURRENCY,
    "working_timeout_s": ids.TIMEOUT,
    "webhook_url": ids.WEBHOOK,
    "s3_endpoint_url": ids.S3_ENDPOINT,
    "s3_region": ids.S3_REGION,
    "s3_bucket": ids.S3_BUCKET,
    "s3_prefix": ids.S3_PREFIX,
    "s3_access_key_id": ids.S3_ACCESS_KEY,
    "s3_secret_access_key": ids.S3_SECRET,
}
SECRET_SET = "Secret access key: set. Leave the field empty to keep it, or type one to replace it."
SECRET_NOT_SET = "Secret access key: not set."


def caller() -> Caller:
    """The signed-in user as the schedule store's caller."""
    principal = current_principal()
    if principal is None or principal.kind != "user":
        raise dash.exceptions.PreventUpdate
    return Caller(principal.id, principal.role)


@contextmanager
def owned() -> Iterator[None]:
    """Turn the store's refusals into HTTP answers: 403 for someone else's, 404 for none."""
    try:
        yield
    except ScheduleForbidden:
        abort(403)
    except ScheduleNotFound:
        abort(404)


def local(value: dt.datetime | None, zone: str) -> str:
    """``2026-11-25 07:00 GMT`` in ``zone`` (empty for None)."""
    return value.astimezone(ZoneInfo(zone)).strftime("%Y-%m-%d %H:%M %Z") if value else ""


def schedule_rows(rows: list[tuple[ExportSchedule, str]], zone: str) -> list[dict[str, Any]]:
    """The schedules table."""
    return [
        {
            "id": s.id,
            "name": s.name,
            "owner": owner,
            "kind": KINDS[s.report].title if s.report in KINDS else s.report,
            "format": s.format.upper(),
            "when": describe(s.preset, s.cron, s.timezone),
            "next_run": local(s.next_run_at, zone) if s.enabled else "disabled",
            "enabled": "yes" if s.enabled else "no",
            "failures": s.consecutive_failures,
        }
        for s, owner in rows
    ]


def delivered_text(targets: dict[str, ExportRunDelivery]) -> str:
    """``e-mail ok, s3 failed`` for a run's delivery outcomes."""
    names = {"email": "e-mail", "s3": "S3"}
    return ", ".join(
        f"{names.get(t, t)} {'ok' if d.status == 'succeeded' else 'failed'}"
        for t, d in sorted(targets.items())
    )


def run_rows(
    runs: list[ExportRun],
    names: dict[int, str],
    zone: str,
    deliveries: dict[int, dict[str, ExportRunDelivery]] | None = None,
) -> list[dict[str, Any]]:
    """The run log table."""
    outcomes = deliveries or {}
    return [
        {
            "id": r.id,
            "schedule": names.get(r.schedule_id or 0, ""),
            "trigger": r.trigger,
            "scheduled_for": local(r.scheduled_for, zone),
            "started_at": local(r.started_at, zone),
            "finished_at": local(r.finished_at, zone),
            "status": r.status,
            "attempt": r.attempt,
            "recipients": ", ".join(r.recipients),
            "attachment": r.attachment_name or "",
            "sha256": r.attachment_sha256 or "",
            "delivered": delivered_text(outcomes.get(r.id, {})),
            "s3_object": _s3_object(outcomes.get(r.id, {})),
            "error": r.error or "",
        }
        for r in runs
    ]


def _s3_object(targets: dict[str, ExportRunDelivery]) -> str:
    upload = targets.get("s3")
    return upload.location or "" if upload is not None and upload.status == "succeeded" else ""


def split(value: str | None) -> list[str]:
    """Comma- or space-separated values."""
    return [v for v in (value or "").replace(",", " ").split() if v]


def form_of(values: dict[str, Any]) -> dict[str, Any]:
    """The form's values as :func:`validate_schedule` takes them."""
    form = {k: v for k, v in values.items() if k not in ("symbols", "lps", "books", "rules")}
    form["filters"] = {
        "symbols": [s.upper() for s in split(values.get("symbols"))],
        "lps": split(values.get("lps")),
        "books": list(values.get("books") or []),
        "rule_ids": split(values.get("rules")),
    }
    form["enabled"] = bool(values.get("enabled"))
    form["s3_enabled"] = bool(values.get("s3_enabled"))
    return form


def s3_form_values(target: ReportS3Target | None) -> dict[str, Any]:
    """The S3 fields filled from ``target``; the secret field is always left empty."""
    if target is None:
        return {"s3_enabled": False, "s3_endpoint_url": "", "s3_region": "", "s3_bucket": "",
                "s3_prefix": "", "s3_access_key_id": "", "s3_secret_access_key": ""}  # fmt: skip
    return {
        "s3_enabled": True,
        "s3_endpoint_url": target.endpoint_url,
        "s3_region": target.region,
        "s3_bucket": target.bucket,
        "s3_prefix": target.key_prefix,
        "s3_access_key_id": target.access_key_id,
        "s3_secret_access_key": "",
    }


def form_values(
    schedule: ExportSchedule | None, target: ReportS3Target | None = None
) -> dict[str, Any]:
    """The form filled from ``schedule`` and its S3 target (defaults for a new one)."""
    if schedule is None:
        return {
            "name": "", "kind": "daily_desk", "format": "pdf", "preset": "daily",
            "time": "07:00", "weekday": "mon", "day": 1, "cron": "",
            "timezone": current_timezone(), "recipients": "", "symbols": "", "lps": "",
            "books": [], "rules": "", "currency": "USD", "working_timeout_s": "900",
            "enabled": True, "webhook_url": "", **s3_form_values(None),
        }  # fmt: skip
    minute, hour, day, _month, weekday = schedule.cron.split(" ")
    filters = schedule.filters
    return {
        "name": schedule.name,
        "kind": schedule.report,
        "format": schedule.format,
        "preset": schedule.preset,
        "time": f"{int(hour):02d}:{int(minute):02d}" if f"{minute}{hour}".isdigit() else "",
        "weekday": weekday if schedule.preset == "weekly" else "mon",
        "day": int(day) if day.isdigit() else 1,
        "cron": schedule.cron if schedule.preset == "cron" else "",
        "timezone": schedule.timezone,
        "recipients": ", ".join(schedule.recipients),
        "symbols": ", ".join(filters.get("symbols", [])),
        "lps": ", ".join(filters.get("lps", [])),
        "books": list(filters.get("books", [])),
        "rules": ", ".join(filters.get("rule_ids", [])),
        "currency": schedule.currency,
        "working_timeout_s": str(schedule.working_timeout_s),
        "enabled": schedule.enabled,
        "webhook_url": str((schedule.params or {}).get("webhook_url") or ""),
        **s3_form_values(target),
    }


def feedback_outputs(problems: dict[str, str]) -> dict[str, Any]:
    """Each field's invalid flag and message."""
    out: dict[str, Any] = {}
    for name in ids.FIELDS:
        out[f"{name}_invalid"] = name in problems
        out[f"{name}_feedback"] = problems.get(name, "")
    return out


def _status(message: str, color: str) -> dict[str, Any]:
    return {"status": message, "status_color": color, "status_open": True}


def _has_stored_secret(selected: int | None) -> bool:
    if selected is None:
        return False
    with owned(), transaction() as db:
        get_schedule(db, caller(), selected)
        return s3_target(db, selected) is not None


def save(values: dict[str, Any], selected: int | None) -> dict[str, Any]:
    """Validate and save the form; the outputs of the Save button."""
    stored_secret = _has_stored_secret(selected)
    try:
        spec = validate_schedule(
            form_of(values), kind_names(caller().role), stored_s3_secret=stored_secret
        )
    except ScheduleInvalid as invalid:
        return {
            **feedback_outputs(invalid.problems),
            **_status("Nothing was saved: correct the marked fields.", "danger"),
            "changes": no_update,
            "selected": no_update,
            "secret": no_update,
            "secret_state": no_update,
        }
    settings = current_app.extensions["tradedash"].settings
    with owned(), transaction() as db:
        saved = save_schedule(
            db, current_actor(), caller(), spec, schedule_id=selected, settings=settings
        )
        message = f"Saved '{saved.name}': next run {local(saved.next_run_at, current_timezone())}."
        saved_id = saved.id
    return {
        **feedback_outputs({}),
        **_status(message, "success"),
        "changes": 1,
        "selected": saved_id,
        "secret": "",
        "secret_state": SECRET_SET if spec.s3 is not None else "",
    }


def test_send(selected: int | None) -> tuple[str, str]:
    """Queue and run a test send of the selected schedule to the signed-in user."""
    if selected is None:
        return "Save the schedule first, then send a test.", "warning"
    principal = current_principal()
    assert principal is not None
    with owned(), transaction() as db:
        get_schedule(db, caller(), selected)
        run_id = queue_test_run(
            db, current_actor(), selected, principal.name, dt.datetime.now(dt.UTC)
        )
    resources = current_app.extensions["tradedash"]
    outcome = execute_run(resources.engine, resources.settings, run_id, retries=False)
    if outcome.status == "succeeded":
        with transaction() as db:
            upload = run_deliveries(db, [run_id]).get(run_id, {}).get("s3")
            uploaded = f" and uploaded to {upload.location}" if upload is not None else ""
        return f"Test report sent to {principal.name}{uploaded} (run {run_id}).", "success"
    return f"The test send failed (run {run_id}): {outcome.error}", "danger"


def next_runs_text(preset: str, time: str, weekday: str, day: Any, cron: str, zone: str) -> str:
    """The next three runs of the form's timetable, or what is wrong with it."""
    form = {"name": "x", "kind": "daily_desk", "format": "pdf", "recipients": "a@b.co",
            "preset": preset, "time": time, "weekday": weekday, "day": day, "cron": cron,
            "timezone": zone}  # fmt: skip
    try:
        spec = validate_schedule(form, ("daily_desk",))
    except ScheduleInvalid:
        return ""
    upcoming = next_runs(spec.cron, spec.timezone, dt.datetime.now(dt.UTC), 3)
    return "Next runs: " + "; ".join(local(t, spec.timezone) for t in upcoming)


def register(app: dash.Dash) -> None:
    @app.callback(
        Output(ids.GRID, "rowData"),
        Output(ids.RUNS, "rowData"),
        Input(ids.CHANGES, "data"),
    )
    @require_permission(Permission.SCHEDULE_OWN_REPORTS)
    def show_tables(_changes: int) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
        zone = current_timezone()
        with transaction() as db:
            schedules = list_schedules(db, caller())
            runs = run_log(db, caller())
            names = {s.id: s.name for s, _ in schedules}
            outcomes = run_deliveries(db, [r.id for r in runs])
            return schedule_rows(schedules, zone), run_rows(runs, names, zone, outcomes)

    form_outputs = {
        name: Output(state.component_id, "value") for name, state in FORM_INPUTS.items()
    }

    @app.callback(
        output={
            "form": form_outputs,
            "selected": Output(ids.SELECTED, "data"),
            "title": Output(ids.FORM_TITLE, "children"),
            "secret_state": Output(ids.S3_SECRET_STATE, "children"),
        },
        inputs={"rows": Input(ids.GRID, "selectedRows"), "_new": Input(ids.NEW, "n_clicks")},
        prevent_initial_call=True,
    )
    @require_permission(Permission.SCHEDULE_OWN_REPORTS)
    def on_pick(rows: list[dict[str, Any]] | None, _new: int | None) -> dict[str, Any]:
        if ctx.triggered_id == ids.NEW or not rows:
            new = form_values(None)
            return {"form": new, "selected": None, "title": "New schedule", "secret_state": ""}
        with owned(), transaction() as db:
            schedule = get_schedule(db, caller(), int(rows[0]["id"]))
            target = s3_target(db, schedule.id)
            values = form_values(schedule, target)
            title = f"Editing #{schedule.id}"
            state = SECRET_SET if target is not None else SECRET_NOT_SET
            return {
                "form": values, "selected": schedule.id, "title": title, "secret_state": state
            }  # fmt: skip

    feedback = {}
    for name in ids.FIELDS:
        feedback[f"{name}_invalid"] = Output(FIELD_CONTROLS[name], "invalid")
        feedback[f"{name}_feedback"] = Output(ids.feedback(name), "children")

    @app.callback(
        output={
            **feedback,
            "status": Output(ids.STATUS, "children"),
            "status_color": Output(ids.STATUS, "color"),
            "status_open": Output(ids.STATUS, "is_open"),
            "changes": Output(ids.CHANGES, "data", allow_duplicate=True),
            "selected": Output(ids.SELECTED, "data", allow_duplicate=True),
            "secret": Output(ids.S3_SECRET, "value", allow_duplicate=True),
            "secret_state": Output(ids.S3_SECRET_STATE, "children", allow_duplicate=True),
        },
        inputs={
            "_clicks": Input(ids.SAVE, "n_clicks"),
            "selected": State(ids.SELECTED, "data"),
            "changes": State(ids.CHANGES, "data"),
            **FORM_INPUTS,
        },
        prevent_initial_call=True,
    )
    @require_permission(Permission.SCHEDULE_OWN_REPORTS)
    def on_save(
        _clicks: int | None, selected: int | None, changes: int | None, **values: Any
    ) -> dict[str, Any]:
        out = save(values, selected)
        if out["changes"] is not no_update:
            out["changes"] = (changes or 0) + 1
        return out

    @app.callback(
        *status_outputs(ids.STATUS, allow_duplicate=True),
        Output(ids.CHANGES, "data", allow_duplicate=True),
        Output(ids.SELECTED, "data", allow_duplicate=True),
        Input(ids.DELETE, "n_clicks"),
        State(ids.SELECTED, "data"),
        State(ids.CHANGES, "data"),
        prevent_initial_call=True,
    )
    @require_permission(Permission.SCHEDULE_OWN_REPORTS)
    def on_delete(
        _clicks: int | None, selected: int | None, changes: int | None
    ) -> tuple[str, str, bool, Any, Any]:
        if selected is None:
            return "Select a schedule to delete.", "warning", True, no_update, no_update
        with owned(), transaction() as db:
            delete_schedule(db, current_actor(), caller(), selected)
        return f"Schedule #{selected} deleted.", "success", True, (changes or 0) + 1, None

    @app.callback(
        *status_outputs(ids.STATUS, allow_duplicate=True),
        Output(ids.CHANGES, "data", allow_duplicate=True),
        Input(ids.TEST, "n_clicks"),
        State(ids.SELECTED, "data"),
        State(ids.CHANGES, "data"),
        prevent_initial_call=True,
    )
    @require_permission(Permission.SCHEDULE_OWN_REPORTS)
    def on_test(
        _clicks: int | None, selected: int | None, changes: int | None
    ) -> tuple[str, str, bool, int]:
        message, color = test_send(selected)
        return message, color, True, (changes or 0) + 1

    @app.callback(
        Output(ids.NEXT_RUNS, "children"),
        Input(ids.PRESET, "value"),
        Input(ids.TIME, "value"),
        Input(ids.WEEKDAY, "value"),
        Input(ids.DAY, "value"),
        Input(ids.CRON, "value"),
        Input(ids.TIMEZONE, "value"),
    )
    @require_permission(Permission.SCHEDULE_OWN_REPORTS)
    def on_timing(preset: str, time: str, weekday: str, day: Any, cron: str, zone: str) -> str:
        return next_runs_text(preset or "", time or "", weekday or "", day, cron or "", zone or "")
