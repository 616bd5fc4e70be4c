"""Expiry of export files: the ``exports`` retention class (default 365 days).

Files of export jobs older than the policy are deleted from the exports folder and their
``storage_path`` cleared; the job and ``export_history`` rows stay (they are the record of who
exported what, with the file's SHA-256), so the download answers "not available" afterwards.
Only files inside the exports folder are ever deleted.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from sqlalchemy import Connection, text

_EXPIRED_JOBS = """
SELECT id, storage_path FROM export_jobs
WHERE storage_path IS NOT NULL AND created_at < :cutoff
ORDER BY id
"""


def expire_export_files(
    conn: Connection, exports_dir: Path, keep_days: int, now: dt.datetime
) -> list[str]:
    """Delete the files of export jobs created more than ``keep_days`` before ``now``; returns
    the names of the files deleted (the caller's transaction clears their paths)."""
    cutoff = now - dt.timedelta(days=keep_days)
    root = exports_dir.resolve()
    expired = conn.execute(text(_EXPIRED_JOBS), {"cutoff": cutoff}).all()
    removed: list[str] = []
    for _job_id, stored in expired:
        path = Path(stored).resolve()
        if path.is_relative_to(root) and path.is_file():
            path.unlink()
            removed.append(path.name)
    ids = [int(job_id) for job_id, _ in expired]
    if ids:
        conn.execute(
            text("UPDATE export_jobs SET storage_path = NULL WHERE id = ANY(:ids)"), {"ids": ids}
        )
        conn.execute(
            text("UPDATE export_history SET storage_path = NULL WHERE job_id = ANY(:ids)"),
            {"ids": ids},
        )
    return removed
