"""Reports & exports: the export form (validated field by field), a small export sent at once,
a large one started as a job and followed with a progress bar, and the export history."""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

import dash
from dash import Input, Output, State, html, no_update
from dash.dcc.express import send_bytes
from flask import current_app

from app.auth.permissions import Permission, role_at_least
from app.db.models.exports import ExportJob
from app.exports.datasets import DATASETS
from app.exports.history import export_history
from app.exports.jobs import create_job, estimate_rows
from app.exports.request import (
    ExportError,
    ExportForbidden,
    ExportRequest,
    build_request,
    check_permission,
    check_timezone,
)
from app.exports.service import ExportStream, record_export
from app.queries.filters import Filter, FilterError
from app.user_settings import timezone_names
from callbacks import local_text, signed_in_user, transaction
from pages.ids import reports_exports as ids
from tradedash.api.exports import downloads
from tradedash.auth import current_actor, current_principal, require_permission
from workers.tasks.exports import enqueue

FIELDS = ("dataset", "columns", "start", "end", "tz", "currency", "format")


def local_time(value: str | None, tz: str, name: str) -> dt.datetime:
    """A ``datetime-local`` value (``2026-11-24T12:00``) in ``tz`` as an aware time."""
    if not value:
        raise ExportError(name, "Enter a date and time.")
    try:
        naive = dt.datetime.fromisoformat(value)
    except ValueError:
        raise ExportError(name, f"Not a date and time: {value!r}.") from None
    return naive.replace(tzinfo=ZoneInfo(tz)).astimezone(dt.UTC)


def form_request(form: dict[str, Any], max_window_days: int) -> ExportRequest:
    """The export the form describes (ExportError naming the first bad field)."""
    tz = check_timezone((form.get("tz") or "UTC").strip())
    start = local_time(form.get("start"), tz, "start")
    end = local_time(form.get("end"), tz, "end")
    if start >= end:
        raise ExportError("end", "Must be after the start.")
    try:
        f = Filter(start=start, end=end)
    except FilterError as exc:
        raise ExportError("end", str(exc)) from None
    columns = form.get("columns") or []
    if not columns:
        raise ExportError("columns", "Choose at least one column.")
    return build_request(
        form.get("dataset") or "",
        form.get("format") or "csv",
        columns,
        f,
        tz=tz,
        currency=form.get("currency") or None,
        max_window_days=max_window_days,
    )


def feedback(problem: ExportError | None) -> dict[str, Any]:
    """The invalid flags and messages of the form's fields."""
    name = None
    if problem is not None:
        name = problem.parameter if problem.parameter in FIELDS else "end"
        message = str(problem).split(": ", 1)[-1]
    out: dict[str, Any] = {}
    for f in FIELDS:
        out[f"{f}_invalid"] = f == name
        out[f"{f}_feedback"] = message if f == name else ""
    return out


def _resources() -> Any:
    return current_app.extensions["tradedash"]


def export_now(request: ExportRequest) -> dict[str, Any]:
    """Produce a small export in this request and hand it to the browser."""
    resources = _resources()
    principal = current_principal()
    assert principal is not None
    stream = ExportStream(resources.engine, resources.settings, request, principal.name)
    data = b"".join(stream.blocks())
    with transaction() as db:
        record_export(db, current_actor(), stream, user_id=principal.id)
    return {
        "download": send_bytes(data, stream.file_name),
        "status": f"Exported {stream.rows:,} rows ({stream.size_bytes:,} bytes). "
        f"SHA-256 {stream.sha256}",
        "job": None,
    }


def start_job(request: ExportRequest, rows: int) -> dict[str, Any]:
    """Queue a large export on the workers."""
    resources = _resources()
    principal = current_principal()
    assert principal is not None
    with transaction() as db:
        job = create_job(db, current_actor(), request, user_id=principal.id)
        job_id = job.id
    enqueue(resources.settings, job_id)
    return {
        "download": no_update,
        "status": f"{rows:,} rows: the export runs in the background (job {job_id}).",
        "job": job_id,
    }


def job_view(job: ExportJob | None) -> tuple[int, str, Any, bool]:
    """Progress (0–100), its label, the link or error and whether polling stops."""
    if job is None:
        return 0, "", "", True
    if job.status == "succeeded":
        link = html.A(
            f"Download {job.file_name}",
            href=f"/exports/jobs/{job.id}/file",
            className="btn btn-success",
            id=f"exports-job-{job.id}-link",
        )
        return 100, "100 %", link, True
    if job.status == "failed":
        return 0, "failed", html.Span(f"Export failed: {job.error}", className="text-danger"), True
    percent = round(100 * job.progress)
    return percent, f"{job.status} {percent} %", "", False


def _stored_time(value: str) -> str:
    """A time stored as ISO text in an export's filter, in the signed-in user's timezone."""
    try:
        return local_text(dt.datetime.fromisoformat(value))
    except ValueError:
        return value[:16].replace("T", " ")


def history_rows(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The history grid's rows, times in the signed-in user's timezone."""
    out = []
    for row in rows:
        f = row["filter"] or {}
        window = f"{_stored_time(f.get('start', ''))} – {_stored_time(f.get('end', ''))}"
        out.append(
            {
                "id": row["id"],
                "created": local_text(row["created_at"]),
                "actor": row["actor"],
                "dataset": row["dataset"],
                "format": row["format"],
                "rows": row["rows"],
                "window": window,
                "sha256": row["sha256"],
            }
        )
    return out


def _outputs() -> dict[str, Output]:
    out = {}
    control = {"dataset": ids.DATASET, "columns": ids.COLUMNS, "start": ids.START}
    control |= {"end": ids.END, "tz": ids.TIMEZONE, "currency": ids.CURRENCY}
    control |= {"format": ids.FORMAT}
    for name, component in control.items():
        out[f"{name}_invalid"] = Output(component, "invalid")
        out[f"{name}_feedback"] = Output(f"{component}-feedback", "children")
    return out


def register(app: dash.Dash) -> None:
    if downloads.name not in app.server.blueprints:
        app.server.register_blueprint(downloads)

    @app.callback(
        Output(ids.COLUMNS, "options"),
        Output(ids.COLUMNS, "value"),
        Input(ids.DATASET, "value"),
    )
    @require_permission(Permission.EXPORT_OWN)
    def on_dataset(dataset: str | None) -> tuple[list[dict[str, str]], list[str]]:
        spec = DATASETS.get(dataset or "")
        if spec is None:
            return [], []
        names = list(spec.column_names)
        return [{"label": n, "value": n} for n in names], names

    @app.callback(
        Output(ids.TIMEZONE, "value"),
        Output(ids.TIMEZONE_OPTIONS, "children"),
        Output(ids.START, "value"),
        Output(ids.END, "value"),
        Input(ids.CHANGES, "data"),
        State(ids.TIMEZONE, "value"),
    )
    @require_permission(Permission.EXPORT_OWN)
    def on_load(changes: int, tz: str | None) -> tuple[Any, ...]:
        if changes:
            raise dash.exceptions.PreventUpdate
        with transaction() as db:
            tz = signed_in_user(db).timezone or "UTC"
        now = dt.datetime.now(ZoneInfo(tz)).replace(second=0, microsecond=0)
        options = [html.Option(value=name) for name in timezone_names()]
        start = (now - dt.timedelta(hours=24)).strftime("%Y-%m-%dT%H:%M")
        return tz, options, start, now.strftime("%Y-%m-%dT%H:%M")

    @app.callback(
        output={
            **_outputs(),
            "status": Output(ids.STATUS, "children"),
            "status_color": Output(ids.STATUS, "color"),
            "status_open": Output(ids.STATUS, "is_open"),
            "download": Output(ids.DOWNLOAD, "data"),
            "job": Output(ids.JOB, "data"),
            "poll_off": Output(ids.POLL, "disabled"),
            "changes": Output(ids.CHANGES, "data"),
        },
        inputs={
            "_clicks": Input(ids.EXPORT, "n_clicks"),
            "dataset": State(ids.DATASET, "value"),
            "columns": State(ids.COLUMNS, "value"),
            "start": State(ids.START, "value"),
            "end": State(ids.END, "value"),
            "tz": State(ids.TIMEZONE, "value"),
            "currency": State(ids.CURRENCY, "value"),
            "format": State(ids.FORMAT, "value"),
            "changes": State(ids.CHANGES, "data"),
        },
        prevent_initial_call=True,
    )
    @require_permission(Permission.EXPORT_OWN)
    def on_export(_clicks: int, changes: int | None, **form: Any) -> dict[str, Any]:
        return export(form, changes or 0)

    @app.callback(
        Output(ids.PROGRESS, "value"),
        Output(ids.PROGRESS, "label"),
        Output(ids.PROGRESS, "className"),
        Output(ids.JOB_LINK, "children"),
        Output(ids.POLL, "disabled", allow_duplicate=True),
        Output(ids.CHANGES, "data", allow_duplicate=True),
        Input(ids.POLL, "n_intervals"),
        Input(ids.JOB, "data"),
        State(ids.CHANGES, "data"),
        prevent_initial_call=True,
    )
    @require_permission(Permission.EXPORT_OWN)
    def on_poll(_n: int, job_id: int | None, changes: int | None) -> tuple[Any, ...]:
        if not job_id:
            return 0, "", "mt-3 d-none", "", True, no_update
        with transaction() as db:
            job = db.get(ExportJob, job_id)
            user = signed_in_user(db)
            if job is not None and job.requested_by != user.id:
                job = None
            percent, label, link, done = job_view(job)
        return percent, label, "mt-3", link, done, (changes or 0) + 1 if done else no_update

    @app.callback(Output(ids.HISTORY, "rowData"), Input(ids.CHANGES, "data"))
    @require_permission(Permission.EXPORT_OWN)
    def on_history(_changes: int) -> list[dict[str, Any]]:
        principal = current_principal()
        assert principal is not None
        with transaction() as db:
            rows = export_history(
                db, user_id=principal.id, everyone=role_at_least(principal.role, "admin")
            )
        return history_rows(rows)


def export(form: dict[str, Any], changes: int) -> dict[str, Any]:
    """Validate the form, then export at once (small) or start a job (large)."""
    settings = _resources().settings
    principal = current_principal()
    assert principal is not None
    try:
        if form.get("dataset") in DATASETS:  # a refusal says so before any other problem
            check_permission(form["dataset"], principal.role)
        request = form_request(form, settings.max_export_window_days)
    except ExportError as problem:
        return {
            **feedback(problem),
            "status": "Nothing was exported: correct the marked field.",
            "status_color": "danger",
            "status_open": True,
            "download": no_update,
            "job": no_update,
            "poll_off": no_update,
            "changes": no_update,
        }
    except ExportForbidden as exc:
        return {
            **feedback(ExportError("dataset", f"Your role may not export this: {exc}.")),
            "status": "Nothing was exported.",
            "status_color": "danger",
            "status_open": True,
            "download": no_update,
            "job": no_update,
            "poll_off": no_update,
            "changes": no_update,
        }
    rows = estimate_rows(_resources().engine, request)
    done = (
        export_now(request) if rows <= settings.sync_export_row_limit else start_job(request, rows)
    )
    return {
        **feedback(None),
        "status": done["status"],
        "status_color": "success",
        "status_open": True,
        "download": done["download"],
        "job": done["job"],
        "poll_off": done["job"] is None,
        "changes": changes + 1,
    }
