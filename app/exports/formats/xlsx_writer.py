"""Excel (openpyxl, write-only mode so that big exports stream to disk): a Summary sheet (what
was exported, by whom, when), the Data sheet (frozen header, autofilter, number formats), a
Per LP sheet (rows and sums per LP, when the export has an LP column) and a native bar chart
of it. Excel has no timezones: times are written as local times of the requested zone, which
the summary names.

openpyxl builds the workbook (sheets, styles, chart); the Data sheet's rows, the bulk of the
file, are written as SpreadsheetML by :class:`_RowXml` into a temporary file and spliced into
the saved workbook's sheet part, which keeps 100,000 rows within seconds rather than minutes."""

from __future__ import annotations

import datetime as dt
import math
import tempfile
import zipfile
from collections.abc import Iterator
from typing import IO, Any
from xml.sax.saxutils import escape

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.chart import BarChart, Reference
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet._write_only import WriteOnlyWorksheet

from app.exports.datasets import Kind
from app.exports.formats import ExportMeta, ExportWriter, register
from app.exports.rows import RowSource

NUMBER_FORMATS: dict[Kind, str] = {"money": "#,##0.00", "time": "yyyy-mm-dd hh:mm:ss.000"}
"""Formats of money and times; prices, quantities and ratios keep Excel's General format,
which shows every digit (a fixed number of decimals would hide a price's last pip)."""
MAX_ROWS = 1_048_575
"""Rows an Excel sheet holds below its header."""
BLOCK = 1024 * 1024
_SUMMED = ("qty", "fill_qty", "filled_qty", "requested_qty")


class _PerLp:
    """Rows and sums of the money and quantity columns per LP, gathered while streaming."""

    def __init__(self, source: RowSource, lp_index: int) -> None:
        self.lp_index = lp_index
        self.summed = [
            i
            for i, (name, kind) in enumerate(zip(source.header, source.kinds, strict=True))
            if kind == "money" or name in _SUMMED
        ]
        self.names = [source.header[i] for i in self.summed]
        self.totals: dict[str, list[float]] = {}

    def add(self, row: tuple[Any, ...]) -> None:
        totals = self.totals.setdefault(str(row[self.lp_index]), [0.0] * (len(self.summed) + 1))
        totals[0] += 1
        for slot, i in enumerate(self.summed, start=1):
            value = row[i]
            if value is not None:
                totals[slot] += value


def _header(ws: WriteOnlyWorksheet, names: list[str]) -> None:
    cells = []
    for name in names:
        cell = WriteOnlyCell(ws, value=name)
        cell.font = Font(bold=True)
        cells.append(cell)
    ws.append(cells)


_EPOCH = dt.datetime(1899, 12, 30)
_DAY_S = 86_400.0


class _RowXml:
    """The Data sheet's rows as SpreadsheetML, written straight to a file: openpyxl builds an
    element per cell, four times slower than this on 100,000 rows. Styles (number formats)
    are registered in the workbook so its styles part lists them."""

    def __init__(self, wb: Workbook, ws: WriteOnlyWorksheet, kinds: list[Kind]) -> None:
        self.kinds = kinds
        self.letters = [get_column_letter(i + 1) for i in range(len(kinds))]
        self.styles: list[str] = []
        for kind in kinds:
            number_format = NUMBER_FORMATS.get(kind)
            if number_format is None:
                self.styles.append("")
                continue
            template = WriteOnlyCell(ws)
            template.number_format = number_format
            # The style's index in the workbook (what openpyxl writes as the cell's "s").
            self.styles.append(f' s="{wb._cell_styles.add(template._style)}"')

    def rows(self, rows: list[tuple[Any, ...]], first_row: int) -> bytes:
        out: list[str] = []
        for r, row in enumerate(rows, start=first_row):
            out.append(f'<row r="{r}">')
            for value, letter, style in zip(row, self.letters, self.styles, strict=True):
                if value is None:
                    continue
                ref = f"{letter}{r}"
                if value is True or value is False:
                    out.append(f'<c r="{ref}" t="b"><v>{int(value)}</v></c>')
                elif isinstance(value, int | float):
                    if math.isfinite(value):
                        out.append(f'<c r="{ref}"{style}><v>{value!r}</v></c>')
                    else:
                        out.append(_text(ref, "inf" if value > 0 else "-inf"))
                elif isinstance(value, dt.datetime):
                    serial = (value.replace(tzinfo=None) - _EPOCH).total_seconds() / _DAY_S
                    out.append(f'<c r="{ref}"{style}><v>{serial!r}</v></c>')
                else:
                    out.append(_text(ref, str(value)))
            out.append("</row>")
        return "".join(out).encode()


def _text(ref: str, value: str) -> str:
    clean = escape(ILLEGAL_CHARACTERS_RE.sub("", value))
    return f'<c r="{ref}" t="inlineStr"><is><t xml:space="preserve">{clean}</t></is></c>'


def _with_rows(book: IO[bytes], sheet_path: str, rows: IO[bytes]) -> Iterator[bytes]:
    """The saved workbook with the Data sheet's rows put in after its header, in blocks."""
    book.seek(0)
    rows.seek(0)
    with tempfile.TemporaryFile() as out:
        with (
            zipfile.ZipFile(book) as source,
            zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target,
        ):
            for item in source.infolist():
                if item.filename != sheet_path:
                    target.writestr(item, source.read(item.filename))
                    continue
                head, tail = source.read(item.filename).split(b"</sheetData>", 1)
                with target.open(sheet_path, "w", force_zip64=True) as sheet:
                    sheet.write(head)
                    while block := rows.read(BLOCK):
                        sheet.write(block)
                    sheet.write(b"</sheetData>" + tail)
        out.seek(0)
        while block := out.read(BLOCK):
            yield block


class XlsxWriter(ExportWriter):
    name = "xlsx"
    media_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    extension = "xlsx"

    def write(self, source: RowSource, meta: ExportMeta) -> Iterator[bytes]:
        wb = Workbook(write_only=True)
        summary = wb.create_sheet("Summary")
        data = wb.create_sheet("Data")
        data.freeze_panes = "A2"
        _header(data, source.header)
        lp_column = source.request.spec.lp_column
        per_lp = (
            _PerLp(source, source.header.index(lp_column)) if lp_column in source.header else None
        )
        cells = _RowXml(wb, data, source.kinds)
        with tempfile.TemporaryFile() as rows_file, tempfile.TemporaryFile() as book_file:
            written = 0
            for chunk in source.chunks():
                take = chunk[: max(MAX_ROWS - written, 0)]
                rows_file.write(cells.rows(take, first_row=written + 2))
                written += len(take)
                if per_lp is not None:
                    for row in chunk:
                        per_lp.add(row)
            last = get_column_letter(max(len(source.header), 1))
            data.auto_filter.ref = f"A1:{last}{written + 1}"
            self._summary(summary, meta, written, source.rows)
            if per_lp is not None:
                self._per_lp(wb, per_lp)
            wb.save(book_file)
            yield from _with_rows(book_file, data.path.lstrip("/"), rows_file)

    @staticmethod
    def _summary(ws: WriteOnlyWorksheet, meta: ExportMeta, written: int, rows: int) -> None:
        ws.append([WriteOnlyCell(ws, value=meta.title)])
        facts = {
            "Dataset": meta.dataset,
            "Generated (UTC)": meta.generated_at.strftime("%Y-%m-%d %H:%M:%S"),
            "Requested by": meta.requested_by,
            **meta.facts,
            "Rows": str(rows),
        }
        if written < rows:
            facts["Note"] = f"Excel holds {MAX_ROWS:,} rows: only the first {written:,} are here."
        for key, value in facts.items():
            ws.append([key, value])
        ws.column_dimensions["A"].width = 22
        ws.column_dimensions["B"].width = 60

    @staticmethod
    def _per_lp(wb: Workbook, per_lp: _PerLp) -> None:
        ws = wb.create_sheet("Per LP")
        ws.freeze_panes = "A2"
        _header(ws, ["lp", "rows", *per_lp.names])
        for lp, totals in sorted(per_lp.totals.items()):
            ws.append([lp, int(totals[0]), *totals[1:]])
        n = len(per_lp.totals)
        ws.auto_filter.ref = f"A1:{get_column_letter(len(per_lp.names) + 2)}{n + 1}"
        chart = BarChart()
        chart.title = "Rows per LP"
        chart.y_axis.title = "rows"
        chart.add_data(Reference(ws, min_col=2, min_row=1, max_row=n + 1), titles_from_data=True)
        chart.set_categories(Reference(ws, min_col=1, min_row=2, max_row=n + 1))
        sheet = wb.create_chartsheet("Chart")
        sheet.add_chart(chart)


register(XlsxWriter())
