"""Where an export's rows come from: a streamed SQL query (row datasets) or a report's rows.

Both give the same values: timestamps in the requested timezone, money converted to the
requested currency with the composite mid at the row's time (the database's ``usd_rate``, the
one implementation the ingest and read models share; reports at the window's end) and an
``fx_rate_unknown`` flag where a rate is missing (the amount is left empty, never taken at 1.0).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import math
import re
import zoneinfo
from collections.abc import Callable, Iterator, Sequence
from typing import Any

import psycopg
import sqlalchemy as sa

from app.exports.datasets import USD, Column, Dataset, Kind
from app.exports.request import ExportRequest
from app.metrics.currency import in_report_currency
from app.queries.currency import report_rate

FX_FLAG = "fx_rate_unknown"
CHUNK_ROWS = 5_000
CSV_FLUSH_BYTES = 256 * 1024
RFC3339_SQL = 'YYYY-MM-DD"T"HH24:MI:SS.USTZH:TZM'
_BIND = re.compile(r"(?<![:\w]):([a-z_][a-z0-9_]*)")

Row = tuple[Any, ...]
OnRows = Callable[[int], None]


def output_name(column: Column, currency: str | None) -> str:
    """A column's header: its name, ``_usd`` turned into the reporting currency's code."""
    if currency and column.is_money and column.name.endswith("_usd"):
        return column.name[: -len("usd")] + currency.lower()
    return column.name


class RowSource:
    """The rows of one export, in chunks, with their header and column kinds."""

    def __init__(self, request: ExportRequest, on_rows: OnRows | None = None) -> None:
        self.request = request
        spec = request.spec
        self.columns: list[Column] = [spec.column(name) for name in request.columns]
        self.header = [output_name(c, request.currency) for c in self.columns]
        self.kinds: list[Kind] = [c.kind for c in self.columns]
        if request.currency:
            self.header.append(FX_FLAG)
            self.kinds.append("bool")
        self.zone = zoneinfo.ZoneInfo(request.tz)
        self.rows = 0
        self.on_rows = on_rows

    def _counted(self, n: int) -> None:
        self.rows += n
        if self.on_rows is not None:
            self.on_rows(self.rows)

    def chunks(self) -> Iterator[list[Row]]:
        """Typed rows: aware datetimes in the request's timezone, floats, ints, bools, None."""
        raise NotImplementedError

    def csv_chunks(self) -> Iterator[bytes]:
        """The CSV file (UTF-8, header first, RFC 3339 times) in blocks."""
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(self.header)
        for chunk in self.chunks():
            writer.writerows([csv_value(v) for v in row] for row in chunk)
            yield out.getvalue().encode()
            out.seek(0)
            out.truncate()
        if out.tell():
            yield out.getvalue().encode()


def csv_value(value: Any) -> Any:
    """A value as the SQL path writes it in CSV (true/false, RFC 3339, inf, empty for null)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dt.datetime):
        return value.isoformat(timespec="microseconds")
    if isinstance(value, float) and math.isinf(value):
        return "inf" if value > 0 else "-inf"
    return value


class SqlRowSource(RowSource):
    """A row dataset read by one query in a transaction of ``conn`` (the session timezone set
    to the request's, so PostgreSQL itself renders and converts the timestamps)."""

    def __init__(
        self,
        conn: sa.Connection,
        request: ExportRequest,
        on_rows: OnRows | None = None,
        chunk_rows: int = CHUNK_ROWS,
    ) -> None:
        super().__init__(request, on_rows)
        self.conn = conn
        self.chunk_rows = chunk_rows
        assert request.spec.scope is not None
        self.scope = request.spec.scope(request.filter)

    def _driver(self) -> psycopg.Connection[Any]:
        driver: psycopg.Connection[Any] = self.conn.connection.driver_connection  # type: ignore[assignment]
        if not self.conn.in_transaction():
            self.conn.begin()
        driver.execute("SELECT set_config('TimeZone', %s, true)", (self.request.tz,))
        return driver

    def _params(self) -> dict[str, Any]:
        return {**self.scope.params, "report_currency": self.request.currency or USD}

    def select_sql(self, *, for_csv: bool = False) -> str:
        """The export query (SQLAlchemy-style ``:name`` binds)."""
        scope, currency = self.scope, self.request.currency
        sources = sorted(
            {c.currency for c in self.columns if c.is_money and c.currency not in (None, USD)}
        )
        rate_of = {source: f"fx.r{i}" for i, source in enumerate(sources)} | {USD: "1.0"}
        items: list[str] = []
        unknown: list[str] = []
        for column in self.columns:
            expr = column.sql
            if currency and column.is_money and column.currency is not None:
                rate = rate_of[column.currency]
                expr = f"({column.sql}) * {rate} / fx.r_report"
                unknown.append(f"(({column.sql}) IS NOT NULL AND {expr} IS NULL)")
            items.append(_csv_text(expr, column.kind) if for_csv else expr)
        if currency:
            flag = " OR ".join(unknown) or "false"
            items.append(_csv_text(f"coalesce({flag}, false)", "bool") if for_csv else flag)
        select = ", ".join(f"{expr} AS c{i}" for i, expr in enumerate(items))
        lateral = ""
        if currency:
            rates = [f"usd_rate({s}, {scope.row_time}) AS r{i}" for i, s in enumerate(sources)]
            rates.append(f"usd_rate(CAST(:report_currency AS text), {scope.row_time}) AS r_report")
            lateral = f" CROSS JOIN LATERAL (SELECT {', '.join(rates)}) fx"
        return (
            f"SELECT {select} {scope.from_sql}{lateral} WHERE {scope.where_sql} "
            f"ORDER BY {scope.order_by}"
        )

    def count(self) -> int:
        """How many rows the export will have."""
        sql = f"SELECT count(*) {self.scope.from_sql} WHERE {self.scope.where_sql}"
        return int(self.conn.execute(sa.text(sql), self.scope.params).scalar_one())

    def chunks(self) -> Iterator[list[Row]]:
        driver = self._driver()
        query = _psycopg_sql(self.select_sql())
        with driver.cursor(name="tradedash_export", binary=True) as cur:
            cur.itersize = self.chunk_rows
            cur.execute(query, self._params())
            while chunk := cur.fetchmany(self.chunk_rows):
                self._counted(len(chunk))
                yield chunk

    def csv_chunks(self) -> Iterator[bytes]:
        driver = self._driver()
        query = psycopg.ClientCursor(driver).mogrify(
            _psycopg_sql(self.select_sql(for_csv=True)), self._params()
        )
        header = _csv_line(self.header)
        buffer, size, lines = [header], len(header), 0
        with (
            driver.cursor() as cur,
            cur.copy(f"COPY ({query}) TO STDOUT WITH (FORMAT csv)") as copy,
        ):
            for block in copy:
                data = bytes(block)
                buffer.append(data)
                size += len(data)
                lines += 1  # PostgreSQL sends one row per block
                if size >= CSV_FLUSH_BYTES:
                    self._counted(lines)
                    lines = 0
                    yield b"".join(buffer)
                    buffer, size = [], 0
        self._counted(lines)
        if buffer:
            yield b"".join(buffer)


def _csv_text(expr: str, kind: Kind) -> str:
    if kind == "time":
        return f"to_char({expr}, '{RFC3339_SQL}')"
    if kind == "bool":
        return f"CASE WHEN {expr} THEN 'true' WHEN NOT ({expr}) THEN 'false' END"
    if kind in ("float", "money"):
        return f"CAST({expr} AS double precision)"
    return expr


def _csv_line(values: Sequence[str]) -> bytes:
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerow(values)
    return out.getvalue().encode()


def _psycopg_sql(sql: str) -> str:
    """``:name`` binds as psycopg's ``%(name)s`` (casts like ``::text`` are left alone)."""
    return _BIND.sub(r"%(\1)s", sql.replace("%", "%%"))


class ReportRowSource(RowSource):
    """A report dataset: its read model's rows, money (USD) converted at the window's end."""

    def __init__(
        self, conn: sa.Connection, request: ExportRequest, on_rows: OnRows | None = None
    ) -> None:
        super().__init__(request, on_rows)
        self.conn = conn

    def chunks(self) -> Iterator[list[Row]]:
        spec: Dataset = self.request.spec
        assert spec.report is not None
        records = spec.report(self.conn, self.request.filter)
        currency = self.request.currency
        rate = report_rate(self.conn, currency, self.request.filter.end) if currency else None
        rows: list[Row] = []
        for record in records:
            values: list[Any] = []
            unknown = False
            for column in self.columns:
                value = _plain(record.get(column.name), column.kind)
                if currency and column.is_money and value is not None:
                    converted = in_report_currency(value, rate)
                    unknown = unknown or converted is None
                    value = converted
                if column.kind == "time" and isinstance(value, dt.datetime):
                    value = value.astimezone(self.zone)
                values.append(value)
            if currency:
                values.append(unknown)
            rows.append(tuple(values))
        self._counted(len(rows))
        yield rows


def _plain(value: Any, kind: Kind) -> Any:
    """A read model's value as a plain Python one of the column's kind (NaN as None)."""
    if value is None or isinstance(value, str | dt.datetime):
        return math.inf if value == "inf" else value
    if kind == "bool":
        return bool(value)
    if kind == "int":
        return int(value)
    if hasattr(value, "__float__"):
        number = float(value)
        return None if math.isnan(number) else number
    return value


def row_source(
    conn: sa.Connection, request: ExportRequest, on_rows: OnRows | None = None
) -> RowSource:
    """The row source of ``request``'s dataset."""
    if request.spec.scope is not None:
        return SqlRowSource(conn, request, on_rows)
    return ReportRowSource(conn, request, on_rows)
