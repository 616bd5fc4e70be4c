"""The PDF report: cover, KPI summary, charts, tables, "page X of Y" footers (fpdf2).

Charts become PNGs through Kaleido. Starting Kaleido's Chromium costs seconds, so each process
keeps one Kaleido sync server (``kaleido.start_sync_server``) for its whole life and renders
every chart through it (about 0.2 s a chart once it runs) instead of one browser per chart.
The renderer sits behind :class:`ChartRenderer` so a test or another engine can swap it.
"""

from __future__ import annotations

import atexit
import datetime as dt
import io
import os
import shutil
import threading
from collections.abc import Sequence
from typing import Protocol
from zoneinfo import ZoneInfo

import plotly.graph_objects as go
from fpdf import FPDF
from fpdf.fonts import FontFace

from app.reports.kinds import ReportContent, Table

CHART_WIDTH_PX = 1100
CHART_HEIGHT_PX = 520
CHROMIUM_CANDIDATES = ("/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome")
_INK = (33, 37, 41)
_MUTED = (108, 117, 125)
_ACCENT = (13, 110, 253)
_LIGHT = (233, 236, 239)


class ChartRenderer(Protocol):
    """Turns Plotly figures into PNG bytes."""

    def png(self, figure: go.Figure, width: int, height: int) -> bytes:
        """The figure as a PNG of ``width`` × ``height`` pixels."""
        ...


class KaleidoRenderer:
    """PNGs through one Kaleido sync server per process, started on first use."""

    _lock = threading.Lock()
    _render_lock = threading.Lock()
    _started_pid: int | None = None

    def _ensure_started(self) -> None:
        import kaleido

        with self._lock:
            if KaleidoRenderer._started_pid == os.getpid():
                return
            if "BROWSER_PATH" not in os.environ:
                found = next((p for p in CHROMIUM_CANDIDATES if shutil.which(p)), None)
                if found is not None:
                    os.environ["BROWSER_PATH"] = found
            kaleido.start_sync_server(silence_warnings=True)
            KaleidoRenderer._started_pid = os.getpid()
            atexit.register(stop_renderer)

    def png(self, figure: go.Figure, width: int, height: int) -> bytes:
        """The figure as a PNG (starts the shared server the first time)."""
        import kaleido

        self._ensure_started()
        opts = {"format": "png", "width": width, "height": height, "scale": 1}
        # The sync server answers through one shared queue: one caller at a time per process.
        with self._render_lock:
            data: bytes = kaleido.calc_fig_sync(figure, opts=opts)
        return data


def stop_renderer() -> None:
    """Stop this process's Kaleido server (at exit; it restarts on the next chart)."""
    import kaleido

    if KaleidoRenderer._started_pid == os.getpid():
        kaleido.stop_sync_server(silence_warnings=True)
        KaleidoRenderer._started_pid = None


def latin1(text: str) -> str:
    """``text`` in the PDF core fonts' character set (dashes, minus and ∞ spelled out)."""
    replaced = (
        text.replace("\u2212", "-")
        .replace("\u2013", "-")
        .replace("\u2014", "-")
        .replace("\u221e", "inf")
        .replace("\u2192", "->")
    )
    return replaced.encode("latin-1", "replace").decode("latin-1")


def local_text(value: dt.datetime | None, zone: ZoneInfo) -> str:
    """``2026-11-23 07:00 GMT`` in ``zone`` (``no data`` for None)."""
    if value is None:
        return "no data"
    return value.astimezone(zone).strftime("%Y-%m-%d %H:%M %Z")


def period_text(content: ReportContent, zone: ZoneInfo) -> str:
    """The covered period ``[start, end)`` on the wall clock of ``zone``."""
    f = content.flt
    return f"{local_text(f.start, zone)} to {local_text(f.end, zone)} ({zone.key})"


def filters_text(content: ReportContent) -> str:
    """The dimension filters in one line (``all`` when none)."""
    f = content.flt
    parts = [
        f"{label}: {', '.join(values)}"
        for label, values in (
            ("Symbols", f.symbols),
            ("LPs", f.lps),
            ("Books", f.books),
            ("Rules", f.rule_ids),
        )
        if values
    ]
    return "; ".join(parts) or "all symbols, LPs, books and rules"


class _Document(FPDF):
    footer_text = ""

    def footer(self) -> None:
        self.set_y(-12)
        self.set_font("Helvetica", size=7)
        self.set_text_color(*_MUTED)
        self.cell(0, 5, latin1(self.footer_text), align="L")
        self.set_x(self.l_margin)
        self.cell(0, 5, f"Page {self.page_no()} of {{nb}}", align="R")


def render_pdf(
    content: ReportContent,
    *,
    zone: ZoneInfo,
    generated_at: dt.datetime,
    renderer: ChartRenderer,
) -> bytes:
    """The report as PDF bytes, times shown in ``zone``."""
    pdf = _Document(orientation="portrait", unit="mm", format="A4")
    pdf.set_title(latin1(content.title))
    pdf.set_creator("TradeDash")
    pdf.set_auto_page_break(auto=True, margin=16)
    pdf.footer_text = (
        f"{content.title} | generated {local_text(generated_at, zone)} | "
        f"data to {local_text(content.last_event_ts, zone)}"
    )
    _cover(pdf, content, zone, generated_at)
    _kpis(pdf, content)
    _charts(pdf, content, renderer)
    _tables(pdf, content.tables)
    return bytes(pdf.output())


def _cover(pdf: FPDF, content: ReportContent, zone: ZoneInfo, generated_at: dt.datetime) -> None:
    pdf.add_page()
    pdf.set_y(60)
    pdf.set_font("Helvetica", "B", 26)
    pdf.set_text_color(*_INK)
    pdf.multi_cell(0, 12, latin1(content.title), new_x="LMARGIN", new_y="NEXT")
    pdf.ln(6)
    lines = [
        ("Period", period_text(content, zone)),
        ("Filters", filters_text(content)),
        ("Currency", content.currency),
        ("Generated at", local_text(generated_at, zone)),
        ("Data's last event", local_text(content.last_event_ts, zone)),
    ]
    for label, value in lines:
        pdf.set_font("Helvetica", "B", 11)
        pdf.set_text_color(*_MUTED)
        pdf.cell(45, 8, latin1(label))
        pdf.set_font("Helvetica", size=11)
        pdf.set_text_color(*_INK)
        pdf.multi_cell(0, 8, latin1(value), new_x="LMARGIN", new_y="NEXT")
    for note in content.notes:
        pdf.ln(4)
        pdf.set_text_color(180, 60, 40)
        pdf.multi_cell(0, 6, latin1(note), new_x="LMARGIN", new_y="NEXT")


def _heading(pdf: FPDF, text: str) -> None:
    pdf.set_font("Helvetica", "B", 14)
    pdf.set_text_color(*_INK)
    pdf.cell(0, 10, latin1(text), new_x="LMARGIN", new_y="NEXT")


def _kpis(pdf: FPDF, content: ReportContent) -> None:
    pdf.add_page()
    _heading(pdf, "Summary")
    box_w, box_h, per_row = 58.0, 24.0, 3
    top = pdf.get_y() + 2
    for index, kpi in enumerate(content.kpis):
        x = pdf.l_margin + (index % per_row) * (box_w + 4)
        y = top + (index // per_row) * (box_h + 4)
        pdf.set_fill_color(*_LIGHT)
        pdf.rect(x, y, box_w, box_h, style="F")
        pdf.set_xy(x + 3, y + 3)
        pdf.set_font("Helvetica", size=9)
        pdf.set_text_color(*_MUTED)
        pdf.cell(box_w - 6, 5, latin1(kpi.label))
        pdf.set_xy(x + 3, y + 10)
        pdf.set_font("Helvetica", "B", 15)
        pdf.set_text_color(*_ACCENT)
        pdf.cell(box_w - 6, 9, latin1(kpi.text))
    rows = (len(content.kpis) + per_row - 1) // per_row
    pdf.set_xy(pdf.l_margin, top + rows * (box_h + 4) + 4)


def _charts(pdf: FPDF, content: ReportContent, renderer: ChartRenderer) -> None:
    width = pdf.w - pdf.l_margin - pdf.r_margin
    height = width * CHART_HEIGHT_PX / CHART_WIDTH_PX
    for chart in content.charts:
        if pdf.get_y() + height + 12 > pdf.h - pdf.b_margin:
            pdf.add_page()
        _heading(pdf, chart.title)
        png = renderer.png(chart.figure, CHART_WIDTH_PX, CHART_HEIGHT_PX)
        pdf.image(io.BytesIO(png), x=pdf.l_margin, w=width, h=height)
        pdf.ln(4)


def _tables(pdf: FPDF, tables: Sequence[Table]) -> None:
    for table in tables:
        pdf.add_page()
        _heading(pdf, table.title)
        if not table.rows:
            pdf.set_font("Helvetica", size=10)
            pdf.cell(0, 8, "No data in this period.", new_x="LMARGIN", new_y="NEXT")
            continue
        pdf.set_font("Helvetica", size=8)
        pdf.set_text_color(*_INK)
        heading = FontFace(emphasis="BOLD", fill_color=_LIGHT)
        with pdf.table(headings_style=heading, line_height=5.5, text_align="LEFT") as grid:
            header = grid.row()
            for column in table.columns:
                header.cell(latin1(column))
            for values in table.rows:
                row = grid.row()
                for value in values:
                    row.cell(latin1(value))
