"""JSON: one array of objects (column → value), streamed a chunk of rows at a time.

Times are RFC 3339 with the requested timezone's offset, null for missing values, and an
infinite ratio (a profit factor without losses) is the string ``"inf"``, as in the API.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from typing import Any

import orjson

from app.exports.formats import ExportMeta, ExportWriter, register
from app.exports.rows import RowSource


def _json_value(value: Any) -> Any:
    if isinstance(value, float) and math.isinf(value):
        return "inf" if value > 0 else "-inf"
    return value


class JsonWriter(ExportWriter):
    name = "json"
    media_type = "application/json"
    extension = "json"

    def write(self, source: RowSource, meta: ExportMeta) -> Iterator[bytes]:
        header = source.header
        first = True
        yield b"["
        for chunk in source.chunks():
            objects = [
                orjson.dumps(dict(zip(header, map(_json_value, row), strict=True))) for row in chunk
            ]
            if objects:
                yield (b"\n" if first else b",\n") + b",\n".join(objects)
                first = False
        yield b"\n]\n" if not first else b"]\n"


register(JsonWriter())
