"""Retention enforcement on the plain PostgreSQL tier: whole partitions dropped by age."""

from __future__ import annotations

import datetime as dt
import uuid
from pathlib import Path

import pytest
from sqlalchemy import Connection, Engine, text
from sqlalchemy.orm import Session

from app.audit import Actor
from app.compliance.retention import (
    DATA_CLASSES,
    enforce,
    policies,
    range_partitions,
    set_policy,
)
from app.db.partitions import partition_names

pytestmark = pytest.mark.integration

ADMIN = Actor("admin@desk.example", "admin")


def _mid(conn: Connection, ts: dt.datetime) -> None:
    conn.execute(
        text(
            "INSERT INTO quote_mid_1s (symbol, ts, best_bid, best_ask, mid, quote_count) "
            "VALUES ('EURUSD', :ts, 1.0, 1.0002, 1.0001, 1)"
        ),
        {"ts": ts},
    )


def test_a_past_dated_partition_is_dropped_and_a_recent_one_kept(db: Connection) -> None:
    now = dt.datetime.now(dt.UTC)
    old, recent = now - dt.timedelta(days=45), now - dt.timedelta(days=1)
    _mid(db, old)
    _mid(db, recent)
    before = set(partition_names(db, "quote_mid_1s"))
    old_partition = [p for p in range_partitions(db, "quote_mid_1s") if p.upper > old][0]

    result = enforce(db, now)

    dropped = set(result.dropped["quote_mids"])
    assert old_partition.name in dropped
    after = set(partition_names(db, "quote_mid_1s"))
    assert after == before - dropped
    assert "quote_mid_1s_default" in after
    stored = db.execute(text("SELECT ts FROM quote_mid_1s ORDER BY ts")).scalars().all()
    assert stored == [recent]
    # 7-year classes lose nothing; classes without a time table are reported, not touched.
    assert result.dropped["orders"] == []
    assert set(result.skipped) == {"audit", "exports"}


def test_an_admin_change_is_audited_and_used_by_the_next_run(committed_db: Engine) -> None:
    with Session(committed_db) as db:
        assert [p.data_class for p in policies(db)] == list(DATA_CLASSES)
    with Session(committed_db) as db, db.begin():
        set_policy(db, ADMIN, "lp_status", "40", updated_by=None)
    with committed_db.connect() as conn:
        trans = conn.begin()
        try:
            now = dt.datetime.now(dt.UTC)
            conn.execute(
                text("INSERT INTO lp_status VALUES (:id, :ts, 'LP1', 'up', NULL)"),
                {"id": uuid.uuid4(), "ts": now - dt.timedelta(days=50)},
            )
            result = enforce(conn, now)
            assert result.dropped["lp_status"]  # 50 days > 40: its partition is gone
            assert conn.execute(text("SELECT count(*) FROM lp_status")).scalar() == 0
        finally:
            trans.rollback()  # keep the partitions for the other tests of the session
        audit = conn.execute(
            text("SELECT details FROM audit_log WHERE action = 'retention.update'")
        ).scalar_one()
    # ``before`` is None when an earlier test's table cleanup removed the seeded row.
    assert audit["after"] == 40 and audit["before"] in (90, None)
    with Session(committed_db) as db, db.begin():
        set_policy(db, ADMIN, "lp_status", 90, updated_by=None)


def _export_job(conn: Connection, created: dt.datetime, path: Path) -> int:
    path.write_bytes(b"symbol,qty\nEURUSD,1\n")
    job_id = conn.execute(
        text(
            "INSERT INTO export_jobs (actor, role, dataset, format, status, storage_path, "
            "created_at) VALUES ('a@desk.example', 'analyst', 'orders', 'csv', 'succeeded', "
            ":path, :created) RETURNING id"
        ),
        {"path": str(path), "created": created},
    ).scalar_one()
    conn.execute(
        text(
            "INSERT INTO export_history (report, format, file_name, size_bytes, sha256, "
            "storage_path, job_id) VALUES ('orders', 'csv', :name, 21, 'x', :path, :job)"
        ),
        {"name": path.name, "path": str(path), "job": job_id},
    )
    return int(job_id)


def test_export_files_older_than_the_policy_are_deleted_and_their_record_kept(
    db: Connection, tmp_path: Path
) -> None:
    now = dt.datetime.now(dt.UTC)
    outside = tmp_path / "not-an-export.csv"
    exports = tmp_path / "exports"
    exports.mkdir()
    old = _export_job(db, now - dt.timedelta(days=366), exports / "old.csv")
    young = _export_job(db, now - dt.timedelta(days=364), exports / "young.csv")
    stray = _export_job(db, now - dt.timedelta(days=400), outside)  # never outside the folder

    result = enforce(db, now, exports_dir=exports)

    assert result.dropped["exports"] == ["old.csv"]
    assert not (exports / "old.csv").exists()
    assert (exports / "young.csv").exists() and outside.exists()
    paths = dict(db.execute(text("SELECT id, storage_path FROM export_jobs")).all())
    assert paths[old] is None and paths[young] is not None and paths[stray] is None
    history = db.execute(text("SELECT count(*) FROM export_history")).scalar_one()
    assert history == 3  # the record of each export stays
    assert "exports" not in result.skipped
