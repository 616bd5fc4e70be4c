"""Each file format from the same hand-made rows, read back with its own library."""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import math
from collections.abc import Iterator
from zoneinfo import ZoneInfo

import openpyxl
import orjson
import pyarrow.parquet as pq
import pytest

from app.exports.formats import ExportMeta, writer_for
from app.exports.request import build_request
from app.exports.rows import Row, RowSource, csv_value
from app.queries.filters import Filter

pytestmark = pytest.mark.unit

LONDON = ZoneInfo("Europe/London")
START = dt.datetime(2026, 3, 29, tzinfo=dt.UTC)
F = Filter(START, START + dt.timedelta(hours=2))


def london(hour: int, minute: int) -> dt.datetime:
    return dt.datetime(2026, 3, 29, hour, minute, tzinfo=dt.UTC).astimezone(LONDON)


ROWS: list[Row] = [
    (london(0, 30), "E1", "LP_A", 100_000.0, 2.5, False),
    (london(1, 30), "E2", "LP_B", 50_000.0, 2.25, False),
    (london(1, 40), "E3", "LP_A", 20_000.0, None, True),
]
META = ExportMeta("Executions export", "executions", START, "someone", {"Currency": "USD"})


class Rows(RowSource):
    """The rows above in two chunks, as a SQL source would hand them over."""

    def chunks(self) -> Iterator[list[Row]]:
        for chunk in (ROWS[:2], ROWS[2:]):
            self._counted(len(chunk))
            yield chunk


def source() -> Rows:
    request = build_request(
        "executions", "csv", ["ts", "exec_id", "lp", "fill_qty", "commission"], F,
        tz="Europe/London", currency="USD",
    )  # fmt: skip
    return Rows(request)


def produce(fmt: str) -> tuple[bytes, Rows]:
    rows = source()
    return b"".join(writer_for(fmt).write(rows, META)), rows


def test_csv() -> None:
    data, rows = produce("csv")
    assert data.decode() == (
        "ts,exec_id,lp,fill_qty,commission,fx_rate_unknown\n"
        "2026-03-29T00:30:00.000000+00:00,E1,LP_A,100000.0,2.5,false\n"
        "2026-03-29T02:30:00.000000+01:00,E2,LP_B,50000.0,2.25,false\n"
        "2026-03-29T02:40:00.000000+01:00,E3,LP_A,20000.0,,true\n"
    )
    assert rows.rows == 3
    assert len(list(csv.reader(io.StringIO(data.decode())))) == 4


def test_json() -> None:
    data, _ = produce("json")
    body = orjson.loads(data)
    assert body[1] == {
        "ts": "2026-03-29T02:30:00+01:00",
        "exec_id": "E2",
        "lp": "LP_B",
        "fill_qty": 50000.0,
        "commission": 2.25,
        "fx_rate_unknown": False,
    }
    assert body[2]["commission"] is None and len(body) == 3


def test_parquet() -> None:
    data, _ = produce("parquet")
    table = pq.read_table(io.BytesIO(data))
    assert table.column_names == [
        "ts",
        "exec_id",
        "lp",
        "fill_qty",
        "commission",
        "fx_rate_unknown",
    ]
    assert str(table.schema.field("ts").type) == "timestamp[us, tz=Europe/London]"
    assert table.column("commission").to_pylist() == [2.5, 2.25, None]
    assert table.column("fx_rate_unknown").to_pylist() == [False, False, True]
    assert table.schema.metadata[b"tradedash.Currency"] == b"USD"


def test_xlsx() -> None:
    data, _ = produce("xlsx")
    book = openpyxl.load_workbook(io.BytesIO(data))
    assert book.sheetnames == ["Summary", "Data", "Per LP", "Chart"]
    sheet = book["Data"]
    assert sheet.freeze_panes == "A2" and sheet.auto_filter.ref == "A1:F4"
    assert [c.value for c in sheet[1]] == [
        "ts",
        "exec_id",
        "lp",
        "fill_qty",
        "commission",
        "fx_rate_unknown",
    ]
    assert sheet["A3"].value == dt.datetime(2026, 3, 29, 2, 30)  # London local time
    assert sheet["A3"].number_format == "yyyy-mm-dd hh:mm:ss.000"
    assert (sheet["E2"].value, sheet["E2"].number_format) == (2.5, "#,##0.00")
    assert sheet["E4"].value is None and sheet["F4"].value is True
    assert list(book["Per LP"].values) == [
        ("lp", "rows", "fill_qty", "commission"),
        ("LP_A", 2, 120000, 2.5),
        ("LP_B", 1, 50000, 2.25),
    ]
    assert book["Chart"]._charts  # a native bar chart of the per-LP rows
    summary = dict(list(book["Summary"].values)[1:])
    assert summary["Requested by"] == "someone" and summary["Rows"] == "3"


def test_blocks_hash_like_the_whole_file() -> None:
    first, _ = produce("csv")
    assert hashlib.sha256(first).hexdigest() == hashlib.sha256(produce("csv")[0]).hexdigest()


@pytest.mark.parametrize(
    ("value", "text"),
    [(None, ""), (True, "true"), (math.inf, "inf"), (1.5, 1.5), ("x", "x")],
)
def test_csv_values(value: object, text: object) -> None:
    assert csv_value(value) == text
