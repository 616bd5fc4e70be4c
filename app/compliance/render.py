"""CSV and PDF renderings of report frames (plain dataclasses in, bytes out)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import pandas as pd
from fpdf import FPDF
from fpdf.fonts import FontFace


@dataclass(frozen=True)
class Section:
    """One titled table of a report."""

    heading: str
    frame: pd.DataFrame


@dataclass(frozen=True)
class Report:
    """A report to render: title, notes shown under it, sections."""

    title: str
    sections: Sequence[Section]
    notes: Sequence[str] = field(default_factory=tuple)


def to_csv(frame: pd.DataFrame) -> bytes:
    """``frame`` as UTF-8 CSV with a header row and no index."""
    return str(frame.to_csv(index=False, lineterminator="\n")).encode()


def _cell(value: object) -> str:
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return ""
    if isinstance(value, float):
        return f"{value:,.2f}"
    return str(value)


def _latin1(value: str) -> str:
    # The core PDF fonts are Latin-1 only; anything else becomes "?" rather than an error.
    return value.encode("latin-1", "replace").decode("latin-1")


def to_pdf(report: Report) -> bytes:
    """A landscape A4 PDF: the title, the notes, then one table per section."""
    pdf = FPDF(orientation="L", format="A4")
    pdf.set_auto_page_break(auto=True, margin=12)
    pdf.add_page()
    pdf.set_font("Helvetica", "B", 14)
    pdf.multi_cell(0, 8, _latin1(report.title), new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Helvetica", "", 8)
    for note in report.notes:
        pdf.multi_cell(0, 4, _latin1(note), new_x="LMARGIN", new_y="NEXT")
    for section in report.sections:
        pdf.ln(3)
        pdf.set_font("Helvetica", "B", 10)
        pdf.multi_cell(0, 6, _latin1(section.heading), new_x="LMARGIN", new_y="NEXT")
        pdf.set_font("Helvetica", "", 7)
        if section.frame.empty:
            pdf.multi_cell(0, 5, "No data.", new_x="LMARGIN", new_y="NEXT")
            continue
        with pdf.table(headings_style=FontFace(emphasis="BOLD"), line_height=4) as table:
            table.row([_latin1(str(c)) for c in section.frame.columns])
            for values in section.frame.itertuples(index=False):
                table.row([_latin1(_cell(v)) for v in values])
    return bytes(pdf.output())
