"""Report periods, retry backoff, stuck detection and the three file writers on hand-made
content (no database; the PDF without charts, so no browser)."""

from __future__ import annotations

import csv
import datetime as dt
import io
import subprocess
from pathlib import Path
from zoneinfo import ZoneInfo

import openpyxl
import pytest

from app.db.models.reports import ExportRun
from app.queries.filters import Filter
from app.reports.build import RenderContext, csv_bytes, file_name, pdf_bytes, xlsx_bytes
from app.reports.kinds import (
    Kpi,
    Money,
    ReportContent,
    Table,
    count_text,
    kind_names,
    ms_text,
    pct_text,
    previous_day,
    previous_month,
    previous_quarter,
    previous_week,
    previous_year,
)
from app.reports.runs import report_filter, retry_delay
from app.reports.scheduler import is_stuck

pytestmark = pytest.mark.unit

U = dt.UTC
LONDON = ZoneInfo("Europe/London")
NEW_YORK = ZoneInfo("America/New_York")


def utc(
    year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0
) -> dt.datetime:
    return dt.datetime(year, month, day, hour, minute, second, tzinfo=U)


@pytest.mark.parametrize(
    ("period", "at", "zone", "start", "end"),
    [
        (previous_day, utc(2026, 11, 25, 7), LONDON, utc(2026, 11, 24), utc(2026, 11, 25)),
        # The day London springs forward has 23 hours, the autumn one 25.
        (previous_day, utc(2026, 3, 30, 6), LONDON, utc(2026, 3, 29), utc(2026, 3, 29, 23)),
        (previous_day, utc(2026, 10, 26, 7), LONDON, utc(2026, 10, 24, 23), utc(2026, 10, 26)),
        (previous_day, utc(2026, 11, 25, 3), NEW_YORK, utc(2026, 11, 23, 5), utc(2026, 11, 24, 5)),
        (
            previous_week,
            utc(2026, 11, 30, 13, 30),
            NEW_YORK,
            utc(2026, 11, 23, 5),
            utc(2026, 11, 30, 5),
        ),
        (previous_week, utc(2026, 11, 26, 9), LONDON, utc(2026, 11, 16), utc(2026, 11, 23)),
        (previous_month, utc(2026, 4, 1, 6), LONDON, utc(2026, 3, 1), utc(2026, 3, 31, 23)),
        (previous_month, utc(2026, 1, 1, 8), U, utc(2025, 12, 1), utc(2026, 1, 1)),
        (previous_quarter, utc(2026, 11, 24), U, utc(2026, 7, 1), utc(2026, 10, 1)),
        (previous_quarter, utc(2026, 2, 1), NEW_YORK, utc(2025, 10, 1, 4), utc(2026, 1, 1, 5)),
        (previous_year, utc(2026, 1, 1, 9), LONDON, utc(2025, 1, 1), utc(2026, 1, 1)),
    ],
)
def test_report_periods_are_whole_local_days_weeks_and_months(
    period: object, at: dt.datetime, zone: ZoneInfo, start: dt.datetime, end: dt.datetime
) -> None:
    assert period(at, zone) == (start, end)  # type: ignore[operator]


def test_regulatory_kinds_are_for_compliance_and_up() -> None:
    assert kind_names("manager") == ("daily_desk", "weekly_lp", "monthly_rules")
    regulatory = ("best_execution", "order_routing")
    assert kind_names("compliance") == kind_names("admin") == (*kind_names("manager"), *regulatory)


def test_a_run_filter_carries_the_schedule_dimensions() -> None:
    f = report_filter(
        "daily_desk", utc(2026, 11, 25, 7), "UTC", {"symbols": ["EURUSD"], "books": ["A"]}
    )
    assert (f.start, f.end, f.symbols, f.books, f.lps) == (
        utc(2026, 11, 24),
        utc(2026, 11, 25),
        ("EURUSD",),
        ("A",),
        (),
    )


def test_retries_back_off_exponentially_up_to_ten_minutes() -> None:
    assert [retry_delay(n) for n in range(1, 8)] == [30, 60, 120, 240, 480, 600, 600]


def test_a_run_is_stuck_only_past_its_timeout() -> None:
    now = utc(2026, 11, 24, 12)
    running = ExportRun(status="running", started_at=now - dt.timedelta(seconds=901), queued_at=now)
    assert is_stuck(running, 900, now) and not is_stuck(running, 901, now)
    queued = ExportRun(status="queued", queued_at=now - dt.timedelta(seconds=61))
    assert is_stuck(queued, 60, now) and not is_stuck(queued, 120, now)
    done = ExportRun(status="succeeded", started_at=now - dt.timedelta(days=1), queued_at=now)
    assert not is_stuck(done, 60, now)


def test_number_texts() -> None:
    assert (count_text(12345), pct_text(0.93456), ms_text(1234.56)) == (
        "12,345",
        "93.46 %",
        "1,234.6 ms",
    )
    assert (count_text(None), pct_text(None)) == ("n/a", "n/a")
    eur = Money("EUR", 1.25)
    assert (eur.of(125.0), eur.text(-1250.0)) == (100.0, "-1,000.00 EUR")


CONTENT = ReportContent(
    kind="daily_desk",
    title="Daily desk summary",
    flt=Filter(start=utc(2026, 11, 24), end=utc(2026, 11, 25), symbols=("EURUSD",)),
    currency="USD",
    kpis=[Kpi("Orders", 1234, "1,234"), Kpi("Fill ratio", 0.5, "50.00 %")],
    tables=[Table("LP scorecard", ("LP", "Attempts"), [(f"LP{i}", str(i)) for i in range(120)])],
    notes=["No EUR rate at the period's end: amounts are in USD."],
    last_event_ts=utc(2026, 11, 24, 13, 59, 58),
)
CTX = RenderContext(LONDON, utc(2026, 11, 25, 7, 0, 30), renderer=None)  # type: ignore[arg-type]


def test_the_pdf_has_cover_kpis_tables_and_page_numbers(tmp_path: Path) -> None:
    path = tmp_path / "r.pdf"
    path.write_bytes(pdf_bytes(CONTENT, CTX))
    text = subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], capture_output=True, check=True, text=True
    ).stdout
    pages = text.split("\f")
    assert "2026-11-24 00:00 GMT to 2026-11-25 00:00 GMT (Europe/London)" in pages[0]
    assert "Symbols: EURUSD" in pages[0] and "No EUR rate" in pages[0]
    assert "Generated at" in pages[0] and "2026-11-25 07:00 GMT" in pages[0]
    assert "Data's last event" in pages[0] and "2026-11-24 13:59 GMT" in pages[0]
    assert "Orders" in pages[1] and "1,234" in pages[1] and "50.00 %" in pages[1]
    real = [p for p in pages if p.strip()]
    assert len(real) >= 4  # cover, summary, a table over two pages at least
    for number, page in enumerate(real, start=1):
        assert f"Page {number} of {len(real)}" in page
        assert "data to 2026-11-24 13:59 GMT" in page
    assert "LP119" in text


def test_excel_and_csv_hold_the_same_numbers() -> None:
    book = openpyxl.load_workbook(io.BytesIO(xlsx_bytes(CONTENT, CTX)))
    summary = list(book["Summary"].iter_rows(values_only=True))
    assert ("Orders", 1234, "1,234") in summary and ("Fill ratio", 0.5, "50.00 %") in summary
    assert len(list(book["LP scorecard"].iter_rows())) == 121
    rows = list(csv.reader(io.StringIO(csv_bytes(CONTENT, CTX).decode())))
    assert ["Orders", "1234", "1,234"] in rows and ["# LP scorecard"] in rows
    assert ["# Period", "2026-11-24 00:00 GMT to 2026-11-25 00:00 GMT (Europe/London)"] in rows


def test_file_names_use_local_dates() -> None:
    assert file_name(CONTENT, LONDON, "pdf") == "daily_desk_2026-11-24.pdf"
    assert file_name(CONTENT, NEW_YORK, "csv") == "daily_desk_2026-11-23_2026-11-24.csv"
