"""Benchmark of the PDF report builder: a 10-page report with 8 charts through one persistent
Kaleido server (not part of the tests).

    python -m workers.reports_bench [--builds 3]

Prints the first build (which starts Kaleido's Chromium), the following warm builds, and the
cost of one chart rendered without the shared server (a browser of its own) for comparison.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import re
import time
from zoneinfo import ZoneInfo

import kaleido
import numpy as np
import plotly.graph_objects as go

from app.charts.theme import figure
from app.queries.filters import Filter
from app.reports.build import RenderContext, pdf_bytes
from app.reports.kinds import Chart, Kpi, ReportContent, Table
from app.reports.pdf import CHART_HEIGHT_PX, CHART_WIDTH_PX, KaleidoRenderer, stop_renderer

TARGET_PAGES = 10
CHARTS = 8
TABLE_ROWS = 150


def _chart(index: int, rng: np.random.Generator) -> Chart:
    fig = figure()
    x = np.arange(1440)
    for lp in range(4):
        fig.add_scatter(x=x, y=np.cumsum(rng.normal(size=x.size)), name=f"LP{lp}", mode="lines")
    return Chart(f"Chart {index + 1}", fig)


def bench_content(seed: int = 7) -> ReportContent:
    """Synthetic content: 9 KPIs, 8 line charts of 4 × 1,440 points, a 150-row table."""
    rng = np.random.default_rng(seed)
    end = dt.datetime(2026, 11, 24, tzinfo=dt.UTC)
    rows = [
        (f"LP{i:03d}", f"{rng.integers(1, 10**6):,}", f"{rng.random():.2%}", f"{rng.random():.1f}")
        for i in range(TABLE_ROWS)
    ]
    return ReportContent(
        kind="daily_desk",
        title="Benchmark report",
        flt=Filter(start=end - dt.timedelta(days=1), end=end),
        currency="USD",
        kpis=[Kpi(f"KPI {i}", float(i), f"{i:,}") for i in range(9)],
        charts=[_chart(i, rng) for i in range(CHARTS)],
        tables=[Table("Scorecard", ("LP", "Attempts", "Fill ratio", "p99"), rows)],
        last_event_ts=end,
    )


class TimedRenderer:
    """The real renderer, adding up the time spent in Kaleido."""

    def __init__(self) -> None:
        self.inner = KaleidoRenderer()
        self.seconds = 0.0

    def png(self, fig: go.Figure, width: int, height: int) -> bytes:
        started = time.perf_counter()
        try:
            return self.inner.png(fig, width, height)
        finally:
            self.seconds += time.perf_counter() - started


def pages(pdf: bytes) -> int:
    """Pages of a PDF (fpdf2 writes one ``/Type /Page`` object per page)."""
    return len(re.findall(rb"/Type /Page\b", pdf))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--builds", type=int, default=3)
    args = parser.parse_args()
    content = bench_content()
    renderer = TimedRenderer()
    ctx = RenderContext(ZoneInfo("Europe/London"), dt.datetime.now(dt.UTC), renderer)
    timings, charts = [], []
    for _ in range(args.builds + 1):
        renderer.seconds = 0.0
        started = time.perf_counter()
        pdf = pdf_bytes(content, ctx)
        timings.append(time.perf_counter() - started)
        charts.append(renderer.seconds)
    print(f"PDF: {pages(pdf)} pages, {CHARTS} charts, {len(pdf) / 1024:,.0f} KiB")
    print(f"first build (starts Kaleido's Chromium): {timings[0]:.2f} s ({charts[0]:.2f} s charts)")
    warm = timings[1:]
    print(f"warm builds: {', '.join(f'{t:.2f}' for t in warm)} s (median {np.median(warm):.2f} s)")
    print(f"  of which charts: {', '.join(f'{t:.2f}' for t in charts[1:])} s")
    print(
        f"load average: {', '.join(f'{x:.1f}' for x in os.getloadavg())} on {os.cpu_count()} CPUs"
    )
    stop_renderer()
    started = time.perf_counter()
    opts = {"format": "png", "width": CHART_WIDTH_PX, "height": CHART_HEIGHT_PX}
    kaleido.calc_fig_sync(go.Figure(content.charts[0].figure), opts=opts)
    print(f"one chart without the shared server: {time.perf_counter() - started:.2f} s")


if __name__ == "__main__":
    main()
