"""CSV: UTF-8, a header row, RFC 3339 times; streamed in blocks (constant memory)."""

from __future__ import annotations

from collections.abc import Iterator

from app.exports.formats import ExportMeta, ExportWriter, register
from app.exports.rows import RowSource


class CsvWriter(ExportWriter):
    name = "csv"
    media_type = "text/csv"
    extension = "csv"

    def write(self, source: RowSource, meta: ExportMeta) -> Iterator[bytes]:
        return source.csv_chunks()


register(CsvWriter())
