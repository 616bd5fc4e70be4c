"""GET /api/v1/export/{dataset}, /export/history and /export/jobs/{job_id}/file; and the
signed-in app's download of a finished job's file (``/exports/jobs/<id>/file``).

Thin: parameters in, :mod:`app.exports` called, the file streamed out. Every export is
recorded (history and audit log, with the SHA-256 of the bytes sent) when its last byte has
been produced; one the client abandons is recorded with ``complete: false``.
"""

from __future__ import annotations

import datetime as dt
import importlib.util
from collections.abc import Iterator
from pathlib import Path

import orjson
import sqlalchemy as sa
from flask import Blueprint, Response, current_app, request, send_file
from flask_login import current_user
from sqlalchemy.orm import Session

from app.audit import Actor
from app.auth.permissions import role_at_least
from app.config import Settings
from app.db.models.exports import ExportJob
from app.exports.history import export_history
from app.exports.jobs import may_download
from app.exports.request import (
    ExportError,
    ExportForbidden,
    ExportRequest,
    build_request,
    check_permission,
)
from app.exports.service import ExportStream, record_export

from ..auth.api import api_principal, require_api_role
from ..auth.principal import current_actor
from ..resources import Resources
from .errors import ApiError, bad_request
from .params import filter_from_request

blueprint = Blueprint("exports", __name__)
downloads = Blueprint("export_downloads", __name__)
"""Routes for signed-in people (session cookie), outside the token-only /api/."""

PDF_UNAVAILABLE = "pdf is produced by the reports module (not available yet)"


def _resources() -> Resources:
    resources: Resources = current_app.extensions["tradedash"]
    return resources


def _columns() -> list[str]:
    """``columns=a,b`` and/or ``columns=a&columns=b``."""
    return [name for value in request.args.getlist("columns") for name in value.split(",")]


def export_request(dataset: str, settings: Settings) -> ExportRequest:
    """The validated request of this call (400 naming a bad parameter)."""
    f = filter_from_request()
    try:
        export = build_request(
            dataset,
            request.args.get("format", "csv"),
            _columns(),
            f,
            tz=request.args.get("tz") or settings.timezone,
            currency=request.args.get("currency"),
            max_window_days=settings.max_export_window_days,
        )
    except ExportError as exc:
        raise bad_request(str(exc)) from None
    if export.format == "pdf" and importlib.util.find_spec("app.reports.build") is None:
        raise bad_request(PDF_UNAVAILABLE)
    return export


def streamed(
    stream: ExportStream, engine: sa.Engine, actor: Actor, user_id: int | None
) -> Response:
    """The export as a streamed download, recorded once its blocks have all been produced."""

    def body() -> Iterator[bytes]:
        try:
            yield from stream.blocks()
        finally:
            with Session(engine) as session, session.begin():
                record_export(session, actor, stream, user_id=user_id)

    response = Response(body(), mimetype=stream.media_type)
    response.headers["Content-Disposition"] = f'attachment; filename="{stream.file_name}"'
    response.headers["X-Export-Dataset"] = stream.request.dataset
    return response


@blueprint.get("/export/<dataset>")
@require_api_role("analyst")
def export(dataset: str) -> Response:
    """One dataset as CSV, Excel, JSON, Parquet or (reports) PDF, streamed and audited."""
    resources = _resources()
    principal = api_principal()
    export = export_request(dataset, resources.settings)
    try:
        check_permission(export.dataset, principal.role)
    except ExportForbidden as exc:
        raise ApiError(403, "forbidden", str(exc)) from None
    stream = ExportStream(resources.engine, resources.settings, export, principal.name)
    user_id = principal.id if principal.kind == "user" else None
    return streamed(stream, resources.engine, current_actor(), user_id)


@blueprint.get("/export/history")
@require_api_role("analyst")
def history() -> Response:
    """Past exports of this token (an admin token: everyone's), newest first."""
    principal = api_principal()
    limit = request.args.get("limit", "100")
    if not limit.isdigit() or not 1 <= int(limit) <= 500:
        raise bad_request(f"limit: an integer 1–500, got {limit!r}")
    with Session(_resources().engine) as session:
        rows = export_history(
            session,
            user_id=principal.id if principal.kind == "user" else None,
            actor=principal.name,
            everyone=role_at_least(principal.role, "admin"),
            limit=int(limit),
        )
    body = {"rows": [{**row, "created_at": _rfc3339(row["created_at"])} for row in rows]}
    return Response(orjson.dumps(body), mimetype="application/json")


def _rfc3339(value: dt.datetime) -> str:
    return value.isoformat().replace("+00:00", "Z")


def job_file(job_id: int, *, name: str, user_id: int | None, role: str | None) -> Response:
    """The file of a finished job, for its owner or an admin (404 otherwise: no hint that it
    exists)."""
    with Session(_resources().engine) as session:
        job = session.get(ExportJob, job_id)
    if job is None or not may_download(job, name=name, user_id=user_id, role=role):
        raise ApiError(404, "not_found", f"no export job {job_id} of yours")
    if job.status != "succeeded" or not job.storage_path or not Path(job.storage_path).is_file():
        raise ApiError(
            409,
            "not_ready",
            f"export job {job_id} is {job.status}: no file (not finished yet, or expired under "
            "the exports retention policy)",
        )
    media = {
        "csv": "text/csv",
        "json": "application/json",
        "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "parquet": "application/vnd.apache.parquet",
        "pdf": "application/pdf",
    }[job.format]
    response = send_file(
        job.storage_path, mimetype=media, as_attachment=True, download_name=job.file_name
    )
    response.headers["X-Export-SHA256"] = job.sha256 or ""
    return response


@blueprint.get("/export/jobs/<int:job_id>/file")
@require_api_role("analyst")
def api_job_file(job_id: int) -> Response:
    """A finished export job's file (its owner's token or an admin token)."""
    principal = api_principal()
    return job_file(
        job_id,
        name=principal.name,
        user_id=principal.id if principal.kind == "user" else None,
        role=principal.role,
    )


@downloads.get("/exports/jobs/<int:job_id>/file")
def app_job_file(job_id: int) -> Response:
    """The download link the Reports & exports page shows for a finished job."""
    try:
        return job_file(
            job_id, name=current_user.email, user_id=current_user.user_id, role=current_user.role
        )
    except ApiError as exc:
        return Response(exc.message, status=exc.status, mimetype="text/plain")
