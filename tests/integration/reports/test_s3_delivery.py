"""S3 delivery of scheduled reports against moto's S3 server on loopback (real HTTP, real
boto3) with the clock passed in: the uploaded object is byte-for-byte the e-mailed attachment,
its SHA-256 is in the run log, and a failing bucket neither loses the mail nor sends it twice."""

from __future__ import annotations

import datetime as dt
import hashlib
import urllib.request
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
import sqlalchemy as sa
from conftest import add_users
from moto.server import ThreadedMotoServer
from pydantic import SecretStr
from sqlalchemy.orm import Session

from app.audit import Actor
from app.config import Settings
from app.db.models.audit import AuditEntry
from app.db.models.reports import ExportRun, ExportRunDelivery, ReportS3Target
from app.mail.catcher import MailCatcher, caught_messages, parse_eml, read_caught
from app.reports.runs import execute_run, queue_test_run
from app.reports.s3_secret import open_secret
from app.reports.scheduler import tick
from app.reports.schedules import validate_schedule
from app.reports.store import Caller, save_schedule

pytestmark = pytest.mark.integration

CREATED = dt.datetime(2026, 3, 27, 12, 0, tzinfo=dt.UTC)
SLOT = dt.datetime(2026, 3, 28, 7, 0, tzinfo=dt.UTC)  # daily 07:00 London, still GMT
FILE = "daily_desk_2026-03-27.csv"
KEY = f"desk/morning-csv/2026/03/28/{FILE}"
ACCESS_KEY = "AKIATESTDESK0001"
SECRET_KEY = "desk-secret/for+moto"


@pytest.fixture
def s3_endpoint() -> Iterator[str]:
    """moto's S3 in server mode on a free loopback port, with the bucket ``desk-reports``."""
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    endpoint = f"http://{host}:{port}"
    # moto keeps its buckets in process-wide state: start each test from none.
    reset = urllib.request.Request(f"{endpoint}/moto-api/reset", method="POST")
    with urllib.request.urlopen(reset) as answer:  # noqa: S310 - loopback
        assert answer.status == 200
    client(endpoint).create_bucket(Bucket="desk-reports")
    yield endpoint
    server.stop()


def client(endpoint: str) -> Any:
    return boto3.client(
        "s3",
        endpoint_url=endpoint,
        region_name="us-east-1",
        aws_access_key_id=ACCESS_KEY,
        aws_secret_access_key=SECRET_KEY,
    )


@pytest.fixture
def owner(committed_db: sa.Engine) -> int:
    return add_users(committed_db, "manager")["manager"]


def s3_schedule(
    engine: sa.Engine, settings: Settings, owner: int, endpoint: str, bucket: str
) -> int:
    spec = validate_schedule(
        {
            "name": "Morning CSV",
            "kind": "daily_desk",
            "format": "csv",
            "preset": "daily",
            "time": "07:00",
            "timezone": "Europe/London",
            "recipients": "desk@broker.example",
            "s3_enabled": True,
            "s3_endpoint_url": endpoint,
            "s3_region": "",
            "s3_bucket": bucket,
            "s3_prefix": "desk/{schedule}/{date:%Y/%m/%d}/",
            "s3_access_key_id": ACCESS_KEY,
            "s3_secret_access_key": SECRET_KEY,
        },
        ("daily_desk",),
    )
    with Session(engine) as db, db.begin():
        actor = Actor("manager@desk.example", "manager")
        caller = Caller(owner, "manager")
        return save_schedule(db, actor, caller, spec, now=CREATED, settings=settings).id


def due_run(engine: sa.Engine) -> int:
    with Session(engine) as db, db.begin():
        [run_id] = tick(db, SLOT).dispatched
    return run_id


def deliveries(engine: sa.Engine, run_id: int) -> dict[str, ExportRunDelivery]:
    with Session(engine) as db:
        rows = db.scalars(sa.select(ExportRunDelivery).where(ExportRunDelivery.run_id == run_id))
        return {row.target: row for row in rows}


def mailed_attachment(smtp: MailCatcher) -> bytes:
    [caught] = caught_messages(smtp.directory)
    [attachment] = list(parse_eml(read_caught(smtp.directory, caught.name)).iter_attachments())
    assert attachment.get_filename() == FILE
    content = attachment.get_payload(decode=True)
    assert isinstance(content, bytes)
    return content


def test_each_run_uploads_the_mailed_file_under_the_templated_key(
    committed_db: sa.Engine,
    owner: int,
    smtp: MailCatcher,
    mail_settings: Settings,
    s3_endpoint: str,
) -> None:
    schedule_id = s3_schedule(committed_db, mail_settings, owner, s3_endpoint, "desk-reports")
    with Session(committed_db) as db:
        target = db.get_one(ReportS3Target, schedule_id)
        assert SECRET_KEY.encode() not in target.secret_encrypted
        assert open_secret(mail_settings, target.secret_encrypted) == SECRET_KEY
    run_id = due_run(committed_db)

    assert execute_run(committed_db, mail_settings, run_id, now=SLOT).status == "succeeded"

    obj = client(s3_endpoint).get_object(Bucket="desk-reports", Key=KEY, ChecksumMode="ENABLED")
    body = obj["Body"].read()
    digest = hashlib.sha256(body).hexdigest()
    assert body == mailed_attachment(smtp)
    assert obj["ContentType"] == "text/csv"
    assert obj["Metadata"] == {"sha256": digest, "schedule-id": str(schedule_id),
                               "run-id": str(run_id)}  # fmt: skip
    with Session(committed_db) as db:
        run = db.get_one(ExportRun, run_id)
        assert (run.status, run.error, run.attachment_sha256) == ("succeeded", None, digest)
    logged = deliveries(committed_db, run_id)
    assert logged["s3"].status == "succeeded" and logged["s3"].attempt == 1
    assert logged["s3"].location == f"s3://desk-reports/{KEY}"
    assert logged["s3"].sha256 == digest and logged["s3"].error is None
    assert logged["email"].status == "succeeded"
    assert logged["email"].location == "desk@broker.example"


def test_a_missing_bucket_fails_the_upload_not_the_mail_and_is_retried(
    committed_db: sa.Engine,
    owner: int,
    smtp: MailCatcher,
    mail_settings: Settings,
    s3_endpoint: str,
) -> None:
    s3_schedule(committed_db, mail_settings, owner, s3_endpoint, "late-bucket")
    run_id = due_run(committed_db)

    first = execute_run(committed_db, mail_settings, run_id, attempt=1, now=SLOT)
    assert first.status == "retry" and first.retry_in == 30
    assert first.error is not None and "NoSuchBucket" in first.error
    mailed = mailed_attachment(smtp)
    logged = deliveries(committed_db, run_id)
    assert logged["email"].status == "succeeded"
    assert logged["s3"].status == "failed" and logged["s3"].attempt == 1
    assert logged["s3"].error == first.error
    assert first.error.startswith(
        f"S3 upload to s3://late-bucket/desk/morning-csv/2026/03/28/{FILE}"
    )
    with Session(committed_db) as db:
        run = db.get_one(ExportRun, run_id)
        assert run.status == "queued" and run.error == f"attempt 1: {first.error}"

    # The bucket appears; the retry uploads and does not e-mail again.
    client(s3_endpoint).create_bucket(Bucket="late-bucket")
    later = SLOT + dt.timedelta(seconds=30)
    second = execute_run(committed_db, mail_settings, run_id, attempt=2, now=later)
    assert second.status == "succeeded"
    assert len(caught_messages(smtp.directory)) == 1
    body = client(s3_endpoint).get_object(Bucket="late-bucket", Key=KEY)["Body"].read()
    assert body == mailed
    logged = deliveries(committed_db, run_id)
    assert (logged["s3"].status, logged["s3"].attempt, logged["s3"].error) == ("succeeded", 2, None)
    assert logged["email"].attempt == 1


def test_an_upload_failing_every_attempt_fails_the_run_with_the_mail_sent_once(
    committed_db: sa.Engine,
    owner: int,
    smtp: MailCatcher,
    mail_settings: Settings,
    s3_endpoint: str,
) -> None:
    s3_schedule(committed_db, mail_settings, owner, s3_endpoint, "no-such-bucket")
    run_id = due_run(committed_db)
    outcomes = [
        execute_run(committed_db, mail_settings, run_id, attempt=n, now=SLOT).status
        for n in (1, 2, 3, 4)
    ]
    assert outcomes == ["retry", "retry", "retry", "failed"]
    assert len(caught_messages(smtp.directory)) == 1
    with Session(committed_db) as db:
        run = db.get_one(ExportRun, run_id)
        assert run.status == "failed" and run.error is not None
        assert (
            run.error.startswith("S3 upload to s3://no-such-bucket/")
            and "NoSuchBucket" in run.error
        )
        actions = db.scalars(
            sa.select(AuditEntry.action)
            .where(AuditEntry.target == f"export_run:{run_id}")
            .order_by(AuditEntry.id)
        ).all()
    assert actions.count("report_run.retry") == 3 and actions[-1] == "report_run.fail"
    logged = deliveries(committed_db, run_id)
    assert (logged["s3"].status, logged["s3"].attempt) == ("failed", 4)
    assert (logged["email"].status, logged["email"].attempt) == ("succeeded", 1)


def test_a_secret_sealed_under_another_key_fails_at_once_and_says_why(
    committed_db: sa.Engine,
    owner: int,
    smtp: MailCatcher,
    mail_settings: Settings,
    s3_endpoint: str,
) -> None:
    s3_schedule(committed_db, mail_settings, owner, s3_endpoint, "desk-reports")
    run_id = due_run(committed_db)
    rotated = mail_settings.model_copy(
        update={"secret_key": SecretStr("another-secret-key-" + "x" * 32)}
    )
    outcome = execute_run(committed_db, rotated, run_id, attempt=1, now=SLOT)
    assert outcome.status == "failed"
    assert outcome.error is not None and outcome.error.startswith(
        "s3: S3SecretUnreadableError: the S3 secret access key cannot be decrypted"
    )
    assert len(caught_messages(smtp.directory)) == 1
    listed = client(s3_endpoint).list_objects_v2(Bucket="desk-reports")
    assert listed["KeyCount"] == 0


def test_a_test_send_uploads_beside_the_scheduled_files_never_over_them(
    committed_db: sa.Engine,
    owner: int,
    smtp: MailCatcher,
    mail_settings: Settings,
    s3_endpoint: str,
) -> None:
    schedule_id = s3_schedule(committed_db, mail_settings, owner, s3_endpoint, "desk-reports")
    with Session(committed_db) as db, db.begin():
        actor = Actor("manager@desk.example", "manager")
        run_id = queue_test_run(db, actor, schedule_id, "manager@desk.example", SLOT)
    outcome = execute_run(committed_db, mail_settings, run_id, now=SLOT, retries=False)
    assert outcome.status == "succeeded"
    key = f"desk/morning-csv/2026/03/28/test-run{run_id}-{FILE}"
    listed = client(s3_endpoint).list_objects_v2(Bucket="desk-reports")
    assert [item["Key"] for item in listed["Contents"]] == [key]
    assert deliveries(committed_db, run_id)["s3"].location == f"s3://desk-reports/{key}"
