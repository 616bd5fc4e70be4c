"""The scheduler against the real PostgreSQL with the clock passed in: due detection, no
double dispatch, stuck runs failed after their timeout without blocking the next slot, and the
owner e-mailed once when runs keep failing. Reports here are CSVs of an empty period (the
content is the delivery tests' business)."""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import orjson
import pytest
import sqlalchemy as sa
from conftest import add_users
from sqlalchemy.orm import Session

from app.audit import Actor
from app.config import Settings
from app.db.models.reports import ExportRun, ExportSchedule
from app.mail.catcher import MailCatcher, caught_messages, parse_eml, read_caught
from app.reports.runs import alert_failing_owners, execute_run
from app.reports.scheduler import FAILURE_ALERT_AFTER, create_due_runs, tick
from app.reports.schedules import validate_schedule
from app.reports.store import Caller, save_schedule
from app.reports.webhook import SIGNATURE_HEADER, verify

pytestmark = pytest.mark.integration

CREATED = dt.datetime(2026, 3, 27, 12, 0, tzinfo=dt.UTC)
# Daily 07:00 London: 07:00 UTC on Saturday 28 March, 06:00 UTC from Sunday 29 March (BST).
SLOT1 = dt.datetime(2026, 3, 28, 7, 0, tzinfo=dt.UTC)
SLOT2 = dt.datetime(2026, 3, 29, 6, 0, tzinfo=dt.UTC)
SLOT3 = dt.datetime(2026, 3, 30, 6, 0, tzinfo=dt.UTC)


@pytest.fixture
def owner(committed_db: sa.Engine) -> int:
    return add_users(committed_db, "manager")["manager"]


def make_schedule(engine: sa.Engine, owner: int, timeout_s: int = 600) -> int:
    spec = validate_schedule(
        {
            "name": "Morning CSV",
            "kind": "daily_desk",
            "format": "csv",
            "preset": "daily",
            "time": "07:00",
            "timezone": "Europe/London",
            "recipients": "desk@broker.example",
            "working_timeout_s": timeout_s,
        },
        ("daily_desk",),
    )
    with Session(engine) as db, db.begin():
        caller = Caller(owner, "manager")
        actor = Actor("manager@desk.example", "manager")
        return save_schedule(db, actor, caller, spec, now=CREATED).id


def run_tick(engine: sa.Engine, now: dt.datetime) -> tuple[list[int], list[int]]:
    with Session(engine) as db, db.begin():
        result = tick(db, now)
    return result.dispatched, result.stuck


def runs(engine: sa.Engine) -> list[tuple[dt.datetime | None, str]]:
    with Session(engine) as db:
        rows = db.execute(
            sa.select(ExportRun.scheduled_for, ExportRun.status).order_by(ExportRun.id)
        ).all()
    return [(r.scheduled_for, r.status) for r in rows]


def failures(engine: sa.Engine, schedule_id: int) -> int:
    with Session(engine) as db:
        schedule = db.get(ExportSchedule, schedule_id)
        assert schedule is not None
        return schedule.consecutive_failures


def test_due_runs_follow_the_timezone_and_are_dispatched_once(
    committed_db: sa.Engine, owner: int
) -> None:
    schedule_id = make_schedule(committed_db, owner)
    assert run_tick(committed_db, SLOT1 - dt.timedelta(seconds=1)) == ([], [])
    [first], _ = run_tick(committed_db, SLOT1 + dt.timedelta(seconds=5))
    assert run_tick(committed_db, SLOT1 + dt.timedelta(seconds=65)) == ([], [])

    # A second beat that read the schedule before the first one moved it on: the unique
    # (schedule_id, scheduled_for) constraint makes its insert a no-op.
    with Session(committed_db) as db, db.begin():
        db.get_one(ExportSchedule, schedule_id).next_run_at = SLOT1
    with Session(committed_db) as db, db.begin():
        assert create_due_runs(db, SLOT1 + dt.timedelta(seconds=70)) == []
        assert db.get_one(ExportSchedule, schedule_id).next_run_at == SLOT2

    # Nobody took the first run within its working timeout: failed, and the next slot runs.
    assert run_tick(committed_db, SLOT2 - dt.timedelta(seconds=1)) == ([], [first])
    [second], _ = run_tick(committed_db, SLOT2)
    assert runs(committed_db) == [(SLOT1, "failed"), (SLOT2, "queued")]
    assert second != first


def test_a_stuck_run_fails_after_its_timeout_and_the_next_one_runs(
    committed_db: sa.Engine, owner: int, smtp: MailCatcher, mail_settings: Settings
) -> None:
    schedule_id = make_schedule(committed_db, owner, timeout_s=600)
    [stuck_id], _ = run_tick(committed_db, SLOT1)
    # The worker took it and died: the run stays "running".
    with Session(committed_db) as db, db.begin():
        run = db.get_one(ExportRun, stuck_id)
        run.status, run.started_at = "running", SLOT1 + dt.timedelta(seconds=2)

    assert run_tick(committed_db, SLOT1 + dt.timedelta(seconds=600)) == ([], [])
    assert run_tick(committed_db, SLOT1 + dt.timedelta(seconds=603)) == ([], [stuck_id])
    with Session(committed_db) as db:
        run = db.get_one(ExportRun, stuck_id)
        assert run.status == "failed" and run.finished_at is not None
        assert run.error == "stuck: no result within the working timeout of 600 s"
    assert failures(committed_db, schedule_id) == 1

    # The late worker wakes up: the run is over, it does nothing.
    assert execute_run(committed_db, mail_settings, stuck_id, now=SLOT1).status == "skipped"

    [next_id], _ = run_tick(committed_db, SLOT2)
    assert execute_run(committed_db, mail_settings, next_id, now=SLOT2).status == "succeeded"
    assert failures(committed_db, schedule_id) == 0
    [caught] = caught_messages(smtp.directory)
    assert caught.to == "desk@broker.example"


def test_the_owner_hears_once_when_runs_keep_failing(
    committed_db: sa.Engine, owner: int, smtp: MailCatcher, mail_settings: Settings
) -> None:
    schedule_id = make_schedule(committed_db, owner, timeout_s=60)
    day = dt.timedelta(days=1)
    late = dt.timedelta(seconds=90)
    for n, slot in enumerate((SLOT1, SLOT2, SLOT3, SLOT3 + day), start=1):
        run_tick(committed_db, slot)
        _, stuck = run_tick(committed_db, slot + late)
        assert len(stuck) == 1
        assert failures(committed_db, schedule_id) == n
        told = alert_failing_owners(committed_db, mail_settings, slot + late)
        assert told == ([schedule_id] if n == FAILURE_ALERT_AFTER else [])

    [caught] = caught_messages(smtp.directory)
    message = parse_eml(read_caught(smtp.directory, caught.name))
    assert message["To"] == "manager@desk.example"
    assert message["Subject"] == "Report schedule 'Morning CSV' failed 3 times in a row"
    assert "Last error: stuck: no result within the working timeout of 60 s" in str(
        message.get_body(preferencelist=("plain",)).get_content()  # type: ignore[union-attr]
    )


@pytest.fixture
def webhook_receiver() -> Iterator[tuple[str, list[tuple[bytes, str]]]]:
    """A local HTTP server that records each POST's body and signature header."""
    received: list[tuple[bytes, str]] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802
            body = self.rfile.read(int(self.headers["Content-Length"]))
            received.append((body, self.headers[SIGNATURE_HEADER]))
            self.send_response(204)
            self.end_headers()

        def log_message(self, *_args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/hooks/reports", received
    server.shutdown()
    server.server_close()


def test_a_finished_run_posts_a_signed_completion_webhook(
    committed_db: sa.Engine,
    owner: int,
    smtp: MailCatcher,
    mail_settings: Settings,
    webhook_receiver: tuple[str, list[tuple[bytes, str]]],
) -> None:
    url, received = webhook_receiver
    spec = validate_schedule(
        {"name": "Hooked", "kind": "daily_desk", "format": "csv", "preset": "daily",
         "time": "07:00", "timezone": "Europe/London", "recipients": "desk@broker.example",
         "webhook_url": url},
        ("daily_desk",),
    )  # fmt: skip
    with Session(committed_db) as db, db.begin():
        actor = Actor("manager@desk.example", "manager")
        schedule_id = save_schedule(db, actor, Caller(owner, "manager"), spec, now=CREATED).id
    [run_id], _ = run_tick(committed_db, SLOT1)
    assert execute_run(committed_db, mail_settings, run_id, now=SLOT1).status == "succeeded"

    [(body, header)] = received
    assert verify(mail_settings.report_webhook_key, body, header)
    payload = orjson.loads(body)
    with Session(committed_db) as db:
        run = db.get_one(ExportRun, run_id)
        assert payload == {
            "run_id": run_id,
            "schedule_id": schedule_id,
            "schedule": "Hooked",
            "trigger": "schedule",
            "kind": "daily_desk",
            "status": "succeeded",
            "scheduled_for": "2026-03-28T07:00:00+00:00",
            "finished_at": "2026-03-28T07:00:00+00:00",
            "recipients": ["desk@broker.example"],
            "attachment": "daily_desk_2026-03-27.csv",
            "sha256": run.attachment_sha256,
            "error": None,
        }
