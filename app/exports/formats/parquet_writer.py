"""Parquet (pyarrow): one record batch per chunk of rows, typed columns, times as
``timestamp[us, tz=<requested timezone>]``, the export's facts in the file's metadata."""

from __future__ import annotations

import io
from collections.abc import Iterator
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from app.exports.datasets import Kind
from app.exports.formats import ExportMeta, ExportWriter, register
from app.exports.rows import RowSource


class _Drain(io.RawIOBase):
    """A write-only file that hands out what was written since the last :meth:`take`."""

    def __init__(self) -> None:
        self._parts: list[bytes] = []
        self._position = 0

    def writable(self) -> bool:
        return True

    def write(self, data: Any) -> int:
        block = bytes(data)
        self._parts.append(block)
        self._position += len(block)
        return len(block)

    def tell(self) -> int:
        return self._position

    def take(self) -> bytes:
        block = b"".join(self._parts)
        self._parts = []
        return block


def arrow_type(kind: Kind, tz: str) -> pa.DataType:
    """The Arrow type of a column kind."""
    return {
        "text": pa.string(),
        "int": pa.int64(),
        "float": pa.float64(),
        "money": pa.float64(),
        "time": pa.timestamp("us", tz=tz),
        "bool": pa.bool_(),
    }[kind]


class ParquetWriter(ExportWriter):
    name = "parquet"
    media_type = "application/vnd.apache.parquet"
    extension = "parquet"

    def write(self, source: RowSource, meta: ExportMeta) -> Iterator[bytes]:
        tz = source.request.tz
        schema = pa.schema(
            [
                pa.field(n, arrow_type(k, tz))
                for n, k in zip(source.header, source.kinds, strict=True)
            ],
            metadata={
                "tradedash.dataset": meta.dataset,
                **{f"tradedash.{k}": v for k, v in meta.facts.items()},
            },
        )
        sink = _Drain()
        with pq.ParquetWriter(pa.PythonFile(sink, mode="w"), schema, compression="zstd") as writer:
            for chunk in source.chunks():
                columns = list(zip(*chunk, strict=True)) if chunk else [() for _ in schema]
                arrays = [
                    pa.array(list(values), type=f.type)
                    for values, f in zip(columns, schema, strict=True)
                ]
                writer.write_batch(pa.record_batch(arrays, schema=schema))
                yield sink.take()
        yield sink.take()


register(ParquetWriter())
