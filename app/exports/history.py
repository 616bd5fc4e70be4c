"""Past exports (``export_history``): who, when, what, format, rows, SHA-256."""

from __future__ import annotations

import datetime as dt
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from app.db.models.reports import ExportHistory

MAX_HISTORY = 500


def export_history(
    session: Session,
    *,
    user_id: int | None = None,
    actor: str | None = None,
    everyone: bool = False,
    limit: int = 100,
) -> list[dict[str, Any]]:
    """The newest exports of one user (``user_id``), one API token (``actor``, exports made
    without a user) or, with ``everyone``, of all; as plain rows."""
    query = (
        sa.select(ExportHistory).order_by(ExportHistory.id.desc()).limit(min(limit, MAX_HISTORY))
    )
    if not everyone:
        if user_id is not None:
            query = query.where(ExportHistory.requested_by == user_id)
        else:
            query = query.where(
                ExportHistory.requested_by.is_(None), ExportHistory.actor == (actor or "")
            )
    return [_row(h) for h in session.scalars(query)]


def _row(h: ExportHistory) -> dict[str, Any]:
    return {
        "id": h.id,
        "created_at": h.created_at.astimezone(dt.UTC),
        "actor": h.actor,
        "dataset": h.report,
        "format": h.format,
        "rows": h.row_count,
        "size_bytes": h.size_bytes,
        "sha256": h.sha256,
        "file_name": h.file_name,
        "job_id": h.job_id,
        "filter": h.filter,
    }
