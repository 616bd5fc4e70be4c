"""Producing an export: the file's blocks with their SHA-256 computed while streaming, and the
record of it in ``export_history`` and the audit log."""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterator
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from app.audit import Actor, record
from app.config import Settings
from app.db.models.reports import ExportHistory
from app.exports.formats import ExportMeta, writer_for
from app.exports.request import ExportError, ExportRequest
from app.exports.rows import OnRows, row_source

PDF_MEDIA_TYPE = "application/pdf"
AUDIT_ACTION = "export.create"


def media_type(request: ExportRequest) -> str:
    """The MIME type of the request's file."""
    return PDF_MEDIA_TYPE if request.format == "pdf" else writer_for(request.format).media_type


def file_name(request: ExportRequest) -> str:
    """``<dataset>_<start>_<end>.<format>`` with the window in UTC, e.g.
    ``executions_20261124T1200Z_20261124T1500Z.csv``."""
    f = request.filter

    def stamp(at: dt.datetime) -> str:
        return at.astimezone(dt.UTC).strftime("%Y%m%dT%H%MZ")

    return f"{request.dataset}_{stamp(f.start)}_{stamp(f.end)}.{request.format}"


def describe(request: ExportRequest) -> dict[str, str]:
    """The facts a file states about its export, for people (Excel summary, Parquet metadata)."""
    f = request.filter
    facts = {
        "Window (UTC)": f"{f.start.isoformat()} to {f.end.isoformat()} (end exclusive)",
        "Timezone of the times": request.tz,
        "Currency": request.currency or "as stored (each amount in its own currency)",
        "Columns": ", ".join(request.columns),
    }
    for label, values in (
        ("Symbols", f.symbols),
        ("LPs", f.lps),
        ("Books", f.books),
        ("Rules", f.rule_ids),
        ("Segments", f.segments),
    ):
        if values:
            facts[label] = ", ".join(values)
    return facts


class ExportStream:
    """One export's bytes; after they have all been read, its row count, size and SHA-256."""

    def __init__(
        self,
        engine: sa.Engine,
        settings: Settings,
        request: ExportRequest,
        requested_by: str,
        on_rows: OnRows | None = None,
    ) -> None:
        self.engine, self.settings, self.request = engine, settings, request
        self.meta = ExportMeta(
            title=f"{request.spec.title} export",
            dataset=request.dataset,
            generated_at=dt.datetime.now(dt.UTC),
            requested_by=requested_by,
            facts=describe(request),
        )
        self.on_rows = on_rows
        self.rows = 0
        self.size_bytes = 0
        self.complete = False
        self._hash = hashlib.sha256()

    @property
    def sha256(self) -> str:
        return self._hash.hexdigest()

    @property
    def media_type(self) -> str:
        return media_type(self.request)

    @property
    def file_name(self) -> str:
        return file_name(self.request)

    def blocks(self) -> Iterator[bytes]:
        """The file, block by block (hashed and counted on the way)."""
        for block in self._produce():
            if block:
                self._hash.update(block)
                self.size_bytes += len(block)
                yield block
        self.complete = True

    def _produce(self) -> Iterator[bytes]:
        if self.request.format == "pdf":
            yield self._pdf()
            return
        writer = writer_for(self.request.format)
        with self.engine.connect() as conn, conn.begin():
            source = row_source(conn, self.request, self.on_rows)
            try:
                yield from writer.write(source, self.meta)
            finally:
                self.rows = source.rows

    def _pdf(self) -> bytes:
        try:
            from app.reports.build import build_report
        except ImportError:  # pragma: no cover - the reports module ships with the app
            raise ExportError(
                "format", "pdf is produced by the reports module (not available yet)"
            ) from None
        kind = self.request.spec.report_kind
        assert kind is not None
        report = build_report(
            self.engine,
            self.settings,
            kind,
            self.request.filter,
            fmt="pdf",
            tz=self.request.tz,
            currency=self.request.currency or self.settings.reporting_currency,
        )
        with self.engine.connect() as conn:
            spec = self.request.spec
            assert spec.report is not None
            self.rows = len(spec.report(conn, self.request.filter))
        return report.content


def record_export(
    session: Session,
    actor: Actor,
    stream: ExportStream,
    *,
    user_id: int | None = None,
    job_id: int | None = None,
    storage_path: str | None = None,
) -> ExportHistory:
    """Write the export to ``export_history`` and the audit log (user, role, IP, time, dataset,
    filter, format, rows, SHA-256) in ``session``'s transaction."""
    request = stream.request
    params = request.params()
    history = ExportHistory(
        requested_by=user_id,
        actor=actor.name,
        report=request.dataset,
        format=request.format,
        file_name=stream.file_name,
        size_bytes=stream.size_bytes,
        sha256=stream.sha256,
        storage_path=storage_path,
        row_count=stream.rows,
        filter=params,
        job_id=job_id,
    )
    session.add(history)
    session.flush()
    details: dict[str, Any] = {
        "dataset": request.dataset,
        "format": request.format,
        "filter": params,
        "rows": stream.rows,
        "sha256": stream.sha256,
        "size_bytes": stream.size_bytes,
        "file_name": stream.file_name,
        "history_id": history.id,
        "job_id": job_id,
        "complete": stream.complete,
    }
    record(session, actor, AUDIT_ACTION, request.dataset, details)
    return history
