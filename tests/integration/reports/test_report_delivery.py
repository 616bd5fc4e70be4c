"""A scheduled report end to end on the simulated stream stored by the real ingest: the beat's
tick creates the run, the run builds the file and sends it through a real SMTP server
(aiosmtpd on loopback), and the message, its attachment and the run log are checked against
the query layer's own numbers."""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import subprocess
from collections.abc import Iterator
from pathlib import Path

import openpyxl
import pytest
import sqlalchemy as sa
from conftest import add_users, free_port
from page_data import STREAM_NOW, empty_tables, ingest_stream
from sqlalchemy.orm import Session

from app.audit import Actor
from app.compliance import order_routing
from app.config import Settings
from app.db.models.audit import AuditEntry
from app.db.models.reports import ExportRun
from app.mail.catcher import MailCatcher, caught_messages, parse_eml, read_caught
from app.queries.execution import lp_scorecard
from app.queries.filters import Filter
from app.queries.overview import desk_kpis
from app.queries.results import closed_positions, summary_row
from app.reports.build import build_report
from app.reports.kinds import count_text, ms_text, pct_text
from app.reports.runs import execute_run
from app.reports.scheduler import tick
from app.reports.schedules import validate_schedule
from app.reports.store import Caller, save_schedule

pytestmark = pytest.mark.integration

KINDS = ("daily_desk", "weekly_lp", "monthly_rules")
# The stream lies in the 72 minutes before 2026-11-24 14:00 UTC: Tuesday 24 November.
DAY_START = dt.datetime(2026, 11, 24, tzinfo=dt.UTC)
DAY_END = DAY_START + dt.timedelta(days=1)
CREATED = dt.datetime(2026, 11, 24, 15, 0, tzinfo=dt.UTC)


@pytest.fixture(scope="module")
def stream(base_settings: Settings, database_url: str, engine: sa.Engine) -> Iterator[sa.Engine]:
    """The simulated stream stored once for the module, emptied afterwards."""
    ingest_stream(base_settings, database_url, engine)
    yield engine
    empty_tables(engine)


@pytest.fixture
def owner(stream: sa.Engine) -> Iterator[int]:
    ids = add_users(stream, "manager")
    yield ids["manager"]
    with stream.begin() as conn:
        conn.execute(sa.text("DELETE FROM export_runs"))
        conn.execute(sa.text("DELETE FROM export_schedules"))
        conn.execute(sa.text("DELETE FROM users"))


def schedule(engine: sa.Engine, owner: int, **form: object) -> int:
    spec = validate_schedule(
        {
            "name": "Desk morning pack",
            "kind": "daily_desk",
            "format": "pdf",
            "preset": "daily",
            "time": "07:00",
            "timezone": "Europe/London",
            "recipients": "head.of.desk@broker.example, risk@broker.example",
            **form,
        },
        KINDS,
    )
    with Session(engine) as db, db.begin():
        saved = save_schedule(
            db,
            Actor("manager@desk.example", "manager"),
            Caller(owner, "manager"),
            spec,
            now=CREATED,
        )
        return saved.id


def dispatch(engine: sa.Engine, now: dt.datetime) -> list[int]:
    with Session(engine) as db, db.begin():
        return tick(db, now).dispatched


def pdf_text(data: bytes, tmp_path: Path) -> str:
    path = tmp_path / "report.pdf"
    path.write_bytes(data)
    out = subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], capture_output=True, check=True, text=True
    )
    return out.stdout


def test_daily_pdf_goes_out_by_smtp_with_the_query_layer_numbers(
    stream: sa.Engine, owner: int, smtp: MailCatcher, mail_settings: Settings, tmp_path: Path
) -> None:
    schedule_id = schedule(stream, owner)
    slot = dt.datetime(2026, 11, 25, 7, 0, tzinfo=dt.UTC)  # 07:00 London = 07:00 UTC in winter
    assert dispatch(stream, slot - dt.timedelta(seconds=1)) == []
    [run_id] = dispatch(stream, slot + dt.timedelta(seconds=20))

    outcome = execute_run(stream, mail_settings, run_id, now=slot + dt.timedelta(seconds=30))
    assert outcome.status == "succeeded", outcome.error

    [caught] = caught_messages(smtp.directory)
    message = parse_eml(read_caught(smtp.directory, caught.name))
    assert message["Subject"] == (
        "Desk morning pack: Daily desk summary, 2026-11-24 00:00 GMT to 2026-11-25 00:00 GMT"
    )
    assert message["To"] == "head.of.desk@broker.example, risk@broker.example"
    assert message["X-Envelope-To"] == "head.of.desk@broker.example, risk@broker.example"
    [attachment] = list(message.iter_attachments())
    assert attachment.get_filename() == "daily_desk_2026-11-24.pdf"
    assert attachment.get_content_type() == "application/pdf"
    data = attachment.get_content()

    text = pdf_text(data, tmp_path)
    flt = Filter(start=DAY_START, end=DAY_END)
    with stream.connect() as conn:
        desk = desk_kpis(conn, flt)
        pnl = summary_row(closed_positions(conn, flt))
        last_event = conn.execute(
            sa.text("SELECT max(ts) FROM orders WHERE ts >= :s AND ts < :e"),
            {"s": DAY_START, "e": DAY_END},
        ).scalar()
    assert desk.orders > 100 and desk.fill_ratio is not None
    assert "2026-11-24 00:00 GMT to 2026-11-25 00:00 GMT (Europe/London)" in text
    for label, shown in (
        ("Orders", count_text(desk.orders)),
        ("Fill ratio", pct_text(desk.fill_ratio)),
        ("Reject rate", pct_text(desk.reject_rate)),
        ("p99 latency", ms_text(desk.latency_p99_ms)),
        ("A-book share", pct_text(desk.a_book_share)),
        ("Net exposure", f"{desk.exposure_usd:,.2f} USD"),
        ("Broker P/L", f"{pnl['net_pnl']:,.2f} USD"),
    ):
        assert label in text and shown in text, (label, shown)
    assert "Page 1 of " in text and "LP scorecard" in text
    assert "generated 2026-11-25 07:00 GMT" in text
    assert last_event is not None and last_event > STREAM_NOW - dt.timedelta(minutes=1)

    with Session(stream) as db:
        run = db.get(ExportRun, run_id)
        assert run is not None
        assert run.status == "succeeded" and run.error is None and run.attempt == 1
        assert run.schedule_id == schedule_id and run.trigger == "schedule"
        assert run.scheduled_for == slot
        assert run.attachment_sha256 == hashlib.sha256(data).hexdigest()
        assert run.attachment_bytes == len(data)
        assert run.recipients == ["head.of.desk@broker.example", "risk@broker.example"]
        assert run.data_last_event_ts is not None and run.data_last_event_ts >= last_event
        actions = db.scalars(
            sa.select(AuditEntry.action).where(AuditEntry.target == f"export_run:{run_id}")
        ).all()
    assert actions == ["report_run.dispatch", "report_run.start", "report_run.succeed"]


def test_weekly_lp_review_as_excel(
    stream: sa.Engine, owner: int, smtp: MailCatcher, mail_settings: Settings
) -> None:
    schedule(
        stream,
        owner,
        name="LP week",
        kind="weekly_lp",
        format="xlsx",
        preset="weekly",
        weekday="mon",
        time="08:30",
        timezone="America/New_York",
        recipients="lp.desk@broker.example",
    )
    slot = dt.datetime(2026, 11, 30, 13, 30, tzinfo=dt.UTC)  # Monday 08:30 New York (EST)
    [run_id] = dispatch(stream, slot)
    assert execute_run(stream, mail_settings, run_id, now=slot).status == "succeeded"

    [caught] = caught_messages(smtp.directory)
    message = parse_eml(read_caught(smtp.directory, caught.name))
    [attachment] = list(message.iter_attachments())
    assert attachment.get_filename() == "weekly_lp_2026-11-23_2026-11-29.xlsx"
    book = openpyxl.load_workbook(io.BytesIO(attachment.get_content()))
    summary = {row[0]: row[1:] for row in book["Summary"].iter_rows(values_only=True) if row[0]}
    assert summary["Period"][0] == (
        "2026-11-23 00:00 EST to 2026-11-30 00:00 EST (America/New_York)"
    )
    week = Filter(
        start=dt.datetime(2026, 11, 23, 5, tzinfo=dt.UTC),
        end=dt.datetime(2026, 11, 30, 5, tzinfo=dt.UTC),
    )
    with stream.connect() as conn:
        rows = lp_scorecard(conn, week)
    assert summary["Attempts"][0] == sum(r["attempts"] for r in rows) > 0
    assert summary["LPs"][0] == len(rows)
    sheet = list(book["LP scorecard"].iter_rows(values_only=True))
    assert sheet[0][0] == "LP" and [r[0] for r in sheet[1:]] == [r["lp"] for r in rows]


def test_a_refused_send_is_retried_and_then_delivered(
    stream: sa.Engine, owner: int, smtp: MailCatcher, mail_settings: Settings
) -> None:
    schedule(stream, owner, format="csv")
    slot = dt.datetime(2026, 11, 25, 7, 0, tzinfo=dt.UTC)
    [run_id] = dispatch(stream, slot)
    down = mail_settings.model_copy(update={"smtp_port": free_port(), "smtp_timeout_s": 2.0})

    first = execute_run(stream, down, run_id, attempt=1, now=slot)
    assert first.status == "retry" and first.retry_in == 30
    with Session(stream) as db:
        run = db.get(ExportRun, run_id)
        assert run is not None and run.status == "queued"
        assert run.error is not None and run.error.startswith("attempt 1: SMTP 127.0.0.1:")

    second = execute_run(
        stream, mail_settings, run_id, attempt=2, now=slot + dt.timedelta(seconds=30)
    )
    assert second.status == "succeeded"
    [caught] = caught_messages(smtp.directory)
    assert caught.attachments == ("daily_desk_2026-11-24.csv",)
    with Session(stream) as db:
        run = db.get(ExportRun, run_id)
        assert run is not None and (run.status, run.attempt, run.error) == ("succeeded", 2, None)


def test_the_compliance_order_routing_disclosure_is_a_report_kind(
    stream: sa.Engine, base_settings: Settings
) -> None:
    quarter = Filter(
        start=dt.datetime(2026, 10, 1, tzinfo=dt.UTC), end=dt.datetime(2027, 1, 1, tzinfo=dt.UTC)
    )
    report = build_report(
        stream, base_settings, "order_routing", quarter, fmt="csv", tz="UTC", currency="USD"
    )
    with stream.connect() as conn:
        table = order_routing.build(conn, quarter)
    november = table[table["month"] == "2026-11"]
    assert len(november) > 0
    rows = list(csv.reader(io.StringIO(report.content.decode())))
    start = rows.index(["# Month 2026-11"])
    assert rows[start + 1] == [c for c in november.columns if c != "month"]
    assert len(rows[start + 2 : start + 2 + len(november)]) == len(november)
    assert rows[start + 2][0] == str(november.iloc[0, 1])
