"""The Reports & exports page through the real Dash app (callbacks fired as the browser does):
validation next to the fields, a small export downloaded at once, a large one run by a real
Celery worker to 100 % and its file downloaded by its owner only; the history."""

from __future__ import annotations

import base64
import csv
import hashlib
import io
import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from page_data import add_analyst, clear_pages, fire, signed_in, updates
from sqlalchemy.orm import Session

from app.config import Settings
from app.db.models.audit import AuditEntry
from pages.ids import reports_exports as ids
from tradedash.web import create_app

pytestmark = pytest.mark.integration

FORM = {
    f"{ids.DATASET}.value": "executions",
    f"{ids.COLUMNS}.value": ["exec_id", "ts", "commission"],
    f"{ids.START}.value": "2026-03-29T00:00",
    f"{ids.END}.value": "2026-03-29T03:00",
    f"{ids.TIMEZONE}.value": "Europe/London",
    f"{ids.CURRENCY}.value": "",
    f"{ids.FORMAT}.value": "csv",
    f"{ids.CHANGES}.data": 0,
}


@pytest.fixture(scope="module")
def page_settings(export_settings: Settings) -> Settings:
    return export_settings.model_copy(update={"export_queue": f"exports-{uuid.uuid4().hex[:8]}"})


@pytest.fixture(scope="module")
def worker(page_settings: Settings) -> Iterator[None]:
    """A real Celery worker on a queue of this test run only."""
    env = {
        **os.environ,
        "TRADEDASH_DATABASE_URL": page_settings.database_url,
        "TRADEDASH_REDIS_URL": page_settings.redis_url,
        "TRADEDASH_EXPORT_DIR": str(page_settings.exports_path),
    }
    proc = subprocess.Popen(
        [sys.executable, "-m", "tradedash.cli", "worker", "--queues", page_settings.export_queue,
         "--concurrency", "1", "--loglevel", "WARNING"],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
    )  # fmt: skip
    yield
    os.killpg(proc.pid, signal.SIGTERM)
    proc.wait(timeout=30)


@pytest.fixture(scope="module")
def server(page_settings: Settings, stored: sa.Engine) -> Iterator[Flask]:
    clear_pages()
    app = create_app(page_settings)
    add_analyst(stored)
    yield app.server
    app.server.extensions["tradedash"].close()
    clear_pages()


def export(client: Any, **changes: Any) -> dict[str, Any]:
    return updates(
        fire(client, f"{ids.STATUS}.children", {**FORM, **changes}, f"{ids.EXPORT}.n_clicks")
    )


def test_bad_fields_are_marked_next_to_them(server: Flask) -> None:
    client = signed_in(server)
    out = export(client, **{f"{ids.TIMEZONE}.value": "Mars/Base"})
    assert out[f"{ids.TIMEZONE}.invalid"] is True
    assert "unknown timezone" in out[f"{ids.TIMEZONE_FEEDBACK}.children"]
    assert out[f"{ids.STATUS}.color"] == "danger"
    out = export(client, **{f"{ids.END}.value": "2026-03-28T00:00"})
    assert out[f"{ids.END}.invalid"] is True and out[f"{ids.START}.invalid"] is False
    out = export(client, **{f"{ids.DATASET}.value": "audit_log"})
    assert "may not export" in out[f"{ids.DATASET_FEEDBACK}.children"]


def test_a_small_export_downloads_at_once(server: Flask) -> None:
    client = signed_in(server)
    out = export(
        client,
        **{f"{ids.DATASET}.value": "positions", f"{ids.COLUMNS}.value": ["position_id", "ts"]},
    )
    download = out[f"{ids.DOWNLOAD}.data"]
    content = base64.b64decode(download["content"]).decode()
    # 00:00 and 03:00 London that day are 00:00Z (GMT) and 02:00Z (BST).
    assert content == "position_id,ts\nP1,2026-03-29T02:45:00.000000+01:00\n"
    assert download["filename"] == "positions_20260329T0000Z_20260329T0200Z.csv"
    assert out[f"{ids.JOB}.data"] is None


def test_a_large_export_runs_on_the_worker_and_downloads(
    server: Flask, worker: None, stored: sa.Engine
) -> None:
    client = signed_in(server)
    out = export(client)
    job_id = out[f"{ids.JOB}.data"]
    assert isinstance(job_id, int) and out[f"{ids.POLL}.disabled"] is False
    deadline = time.monotonic() + 90
    while True:
        poll = updates(
            fire(
                client, f"{ids.PROGRESS}.value",
                {f"{ids.POLL}.n_intervals": 1, f"{ids.JOB}.data": job_id, f"{ids.CHANGES}.data": 1},
                f"{ids.POLL}.n_intervals",
            )
        )  # fmt: skip
        if poll[f"{ids.POLL}.disabled"]:
            break
        assert time.monotonic() < deadline, poll
        time.sleep(0.5)
    assert poll[f"{ids.PROGRESS}.value"] == 100
    href = f"/exports/jobs/{job_id}/file"
    assert href in str(poll[f"{ids.JOB_LINK}.children"])
    response = client.get(href)
    assert response.status_code == 200
    data = response.get_data()
    response.close()  # send_file's file handle
    rows = list(csv.DictReader(io.StringIO(data.decode())))
    assert [r["exec_id"] for r in rows] == ["E1", "E2", "E3"]
    assert rows[1]["ts"] == "2026-03-29T02:30:00.000000+01:00"
    with Session(stored) as db:
        entry = db.scalars(
            sa.select(AuditEntry)
            .where(AuditEntry.action == "export.create")
            .order_by(AuditEntry.id.desc())
        ).first()
    assert entry is not None and entry.details["job_id"] == job_id
    assert entry.details["sha256"] == hashlib.sha256(data).hexdigest()
    assert entry.actor == "page-analyst@desk.example"
    # Someone else's job is not there for them (not even its existence).
    stranger = server.test_client()
    assert stranger.get(href).status_code in (302, 401)
    history = updates(
        fire(client, f"{ids.HISTORY}.rowData", {f"{ids.CHANGES}.data": 5}, f"{ids.CHANGES}.data")
    )
    rows = history[f"{ids.HISTORY}.rowData"]
    assert rows[0]["dataset"] == "executions" and rows[0]["rows"] == 3
