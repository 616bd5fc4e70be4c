"""The audit trail viewer's read model: search, date filter, pages, CSV export.

Search text matches the actor, action or target (case-insensitive substring) through bind
parameters only; the LIKE wildcards typed by a user are escaped so they match literally.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import orjson
import pandas as pd
from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import Session

from app.db.models.audit import AuditEntry

PAGE_SIZE = 50
MAX_PAGE_SIZE = 500
EXPORT_LIMIT = 100_000
COLUMNS = ["id", "ts", "actor", "role", "ip", "action", "target", "details"]


@dataclass(frozen=True)
class TrailQuery:
    """What the viewer asks for: a search text and a ``[start, end)`` time range (optional)."""

    text: str = ""
    start: dt.datetime | None = None
    end: dt.datetime | None = None


def _escape_like(value: str) -> str:
    return value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _filtered(query: TrailQuery) -> Select[AuditEntry]:
    stmt = select(AuditEntry)
    words = query.text.strip()
    if words:
        pattern = f"%{_escape_like(words)}%"
        stmt = stmt.where(
            or_(
                AuditEntry.actor.ilike(pattern, escape="\\"),
                AuditEntry.action.ilike(pattern, escape="\\"),
                AuditEntry.target.ilike(pattern, escape="\\"),
            )
        )
    if query.start is not None:
        stmt = stmt.where(AuditEntry.ts >= query.start)
    if query.end is not None:
        stmt = stmt.where(AuditEntry.ts < query.end)
    return stmt


def _row(entry: AuditEntry) -> dict[str, object]:
    return {
        "id": entry.id,
        "ts": entry.ts.astimezone(dt.UTC).isoformat(timespec="microseconds"),
        "actor": entry.actor,
        "role": entry.role,
        "ip": str(entry.ip) if entry.ip is not None else "",
        "action": entry.action,
        "target": entry.target or "",
        "details": orjson.dumps(entry.details, option=orjson.OPT_SORT_KEYS).decode(),
    }


def page(
    session: Session, query: TrailQuery, page_number: int, size: int = PAGE_SIZE
) -> tuple[list[dict[str, object]], int]:
    """One page (0-based) of matching records, newest first, and the number of matches."""
    size = max(1, min(size, MAX_PAGE_SIZE))
    stmt = _filtered(query)
    total = session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
    rows = session.scalars(
        stmt.order_by(AuditEntry.id.desc()).offset(max(page_number, 0) * size).limit(size)
    )
    return [_row(entry) for entry in rows], int(total)


def export_frame(session: Session, query: TrailQuery) -> pd.DataFrame:
    """Every matching record (oldest first, at most ``EXPORT_LIMIT``) for the CSV export."""
    rows = session.scalars(_filtered(query).order_by(AuditEntry.id).limit(EXPORT_LIMIT))
    return pd.DataFrame([_row(entry) for entry in rows], columns=COLUMNS)
