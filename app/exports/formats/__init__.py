"""Export formats behind one small interface, registered by name.

A writer turns a :class:`~app.exports.rows.RowSource` (plus a few facts about the export for
files that carry them, like the Excel summary sheet) into the file's bytes, block by block, so
that a big export never sits in memory. Register a new format with :func:`register`.
"""

from __future__ import annotations

import datetime as dt
from abc import ABC, abstractmethod
from collections.abc import Iterator
from dataclasses import dataclass, field

from app.exports.rows import RowSource


@dataclass(frozen=True)
class ExportMeta:
    """What a file says about itself (the Excel summary sheet, Parquet metadata)."""

    title: str
    dataset: str
    generated_at: dt.datetime
    requested_by: str
    facts: dict[str, str] = field(default_factory=dict)
    """Window, filters, timezone, currency, ... in display order."""


class ExportWriter(ABC):
    """One file format."""

    name: str
    media_type: str
    extension: str

    @abstractmethod
    def write(self, source: RowSource, meta: ExportMeta) -> Iterator[bytes]:
        """The file's bytes in blocks, reading ``source`` once."""


WRITERS: dict[str, ExportWriter] = {}
"""Every registered writer by format name."""


def register(writer: ExportWriter) -> ExportWriter:
    """Add ``writer`` to the registry under its name."""
    WRITERS[writer.name] = writer
    return writer


def writer_for(name: str) -> ExportWriter:
    """The writer of format ``name`` (KeyError if none is registered)."""
    _load_builtin()
    return WRITERS[name]


def _load_builtin() -> None:
    from app.exports.formats import csv_writer, json_writer, parquet_writer, xlsx_writer  # noqa: F401
