"""Build one report file (PDF, Excel or CSV) from a report kind and a filter.

The formats sit in a registry (``WRITERS``): each takes the same :class:`ReportContent` and
returns bytes, so the numbers in the PDF, the workbook and the CSV are the same ones.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from openpyxl import Workbook
from openpyxl.styles import Font

from app.config import Settings
from app.queries.filters import Filter
from app.reports.kinds import ReportContent, build_content
from app.reports.pdf import ChartRenderer, KaleidoRenderer, filters_text, local_text, render_pdf
from app.reports.pdf import period_text as pdf_period_text

Format = Literal["pdf", "xlsx", "csv"]
MEDIA_TYPES: dict[str, str] = {
    "pdf": "application/pdf",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "csv": "text/csv",
}


@dataclass(frozen=True)
class ReportFile:
    """A built report: its file name, media type, bytes, their SHA-256 and the data's age."""

    file_name: str
    media_type: str
    content: bytes
    sha256: str
    last_event_ts: dt.datetime | None


@dataclass(frozen=True)
class RenderContext:
    """What a writer needs besides the content: the display zone and the generation time."""

    zone: ZoneInfo
    generated_at: dt.datetime
    renderer: ChartRenderer


Writer = Callable[[ReportContent, RenderContext], bytes]


def pdf_bytes(content: ReportContent, ctx: RenderContext) -> bytes:
    """The PDF document."""
    return render_pdf(content, zone=ctx.zone, generated_at=ctx.generated_at, renderer=ctx.renderer)


def _cover_rows(content: ReportContent, ctx: RenderContext) -> list[tuple[str, str]]:
    return [
        ("Report", content.title),
        ("Period", pdf_period_text(content, ctx.zone)),
        ("Filters", filters_text(content)),
        ("Currency", content.currency),
        ("Generated at", local_text(ctx.generated_at, ctx.zone)),
        ("Data's last event", local_text(content.last_event_ts, ctx.zone)),
        *(("Note", note) for note in content.notes),
    ]


def xlsx_bytes(content: ReportContent, ctx: RenderContext) -> bytes:
    """A workbook: a Summary sheet (cover and KPIs as numbers) and one sheet per table."""
    book = Workbook()
    summary = book.active
    assert summary is not None
    summary.title = "Summary"
    for label, value in _cover_rows(content, ctx):
        summary.append([label, value])
    summary.append([])
    summary.append(["KPI", "Value", "As shown"])
    for kpi in content.kpis:
        summary.append([kpi.label, kpi.value, kpi.text])
    for row in summary.iter_rows(max_col=1):
        row[0].font = Font(bold=True)
    summary.column_dimensions["A"].width = 22
    summary.column_dimensions["B"].width = 60
    for table in content.tables:
        sheet = book.create_sheet(table.title[:31])
        sheet.append(list(table.columns))
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        for values in table.rows:
            sheet.append(list(values))
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def csv_bytes(content: ReportContent, ctx: RenderContext) -> bytes:
    """One CSV: the cover lines, the KPIs, then each table under a ``# title`` line."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    for label, value in _cover_rows(content, ctx):
        writer.writerow([f"# {label}", value])
    writer.writerow([])
    writer.writerow(["kpi", "value", "as_shown"])
    for kpi in content.kpis:
        writer.writerow([kpi.label, "" if kpi.value is None else kpi.value, kpi.text])
    for table in content.tables:
        writer.writerow([])
        writer.writerow([f"# {table.title}"])
        writer.writerow(list(table.columns))
        writer.writerows(table.rows)
    return out.getvalue().encode("utf-8")


WRITERS: dict[str, Writer] = {"pdf": pdf_bytes, "xlsx": xlsx_bytes, "csv": csv_bytes}
"""The file formats a report can be sent in."""


def file_name(content: ReportContent, zone: ZoneInfo, fmt: str) -> str:
    """``daily_desk_2026-11-23.pdf`` or ``weekly_lp_2026-11-16_2026-11-23.xlsx`` (local dates)."""
    start = content.flt.start.astimezone(zone).date()
    last_day = (content.flt.end.astimezone(zone) - dt.timedelta(microseconds=1)).date()
    span = start.isoformat() if start == last_day else f"{start}_{last_day}"
    return f"{content.kind}_{span}.{fmt}"


def build_report(
    engine: sa.Engine,
    settings: Settings,
    kind: str,
    flt: Filter,
    *,
    fmt: Format,
    tz: str,
    currency: str,
    renderer: ChartRenderer | None = None,
    now: dt.datetime | None = None,
) -> ReportFile:
    """Read report ``kind`` for ``flt`` and write it as ``fmt``; times shown in ``tz``."""
    if fmt not in WRITERS:
        raise ValueError(f"unknown report format {fmt!r}")
    zone = ZoneInfo(tz)
    with engine.connect() as conn:
        content = build_content(conn, kind, flt, currency or settings.reporting_currency)
    ctx = RenderContext(zone, now or dt.datetime.now(dt.UTC), renderer or KaleidoRenderer())
    data = WRITERS[fmt](content, ctx)
    return ReportFile(
        file_name=file_name(content, zone, fmt),
        media_type=MEDIA_TYPES[fmt],
        content=data,
        sha256=hashlib.sha256(data).hexdigest(),
        last_event_ts=content.last_event_ts,
    )
