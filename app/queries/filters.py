"""The one filter every read model takes: a time window plus optional dimension filters."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Literal

Bucket = Literal["1m", "5m", "15m", "1h", "1d"]
BUCKET_WIDTHS: dict[str, dt.timedelta] = {
    "1m": dt.timedelta(minutes=1),
    "5m": dt.timedelta(minutes=5),
    "15m": dt.timedelta(minutes=15),
    "1h": dt.timedelta(hours=1),
    "1d": dt.timedelta(days=1),
}
DEFAULT_WINDOW = dt.timedelta(hours=24)
MAX_WINDOW = dt.timedelta(days=400)


class FilterError(ValueError):
    """A filter that cannot be evaluated; the message says which parameter and why."""

    def __init__(self, parameter: str, message: str) -> None:
        super().__init__(f"{parameter}: {message}")
        self.parameter = parameter


@dataclass(frozen=True)
class Filter:
    """``[start, end)`` in UTC and, for each dimension, the values to keep (empty = all)."""

    start: dt.datetime
    end: dt.datetime
    symbols: tuple[str, ...] = ()
    lps: tuple[str, ...] = ()
    books: tuple[str, ...] = ()
    rule_ids: tuple[str, ...] = ()
    segments: tuple[str, ...] = ()
    extra: dict[str, str] = field(default_factory=dict, compare=False, hash=False)

    def __post_init__(self) -> None:
        for name in ("start", "end"):
            value: dt.datetime = getattr(self, name)
            if value.tzinfo is None:
                raise FilterError(name, "must carry a timezone (RFC 3339, e.g. ...Z)")
        if self.start >= self.end:
            raise FilterError("start", "must be before end")
        if self.end - self.start > MAX_WINDOW:
            raise FilterError("end", f"window larger than the maximum of {MAX_WINDOW.days} days")
        bad_books = set(self.books) - {"A", "B"}
        if bad_books:
            raise FilterError("book", f"unknown book(s) {sorted(bad_books)}; use A or B")

    @classmethod
    def last(
        cls,
        window: dt.timedelta = DEFAULT_WINDOW,
        *,
        now: dt.datetime | None = None,
        **dimensions: tuple[str, ...],
    ) -> Filter:
        """The window ending now (or at ``now``)."""
        end = now or dt.datetime.now(dt.UTC)
        return cls(start=end - window, end=end, **dimensions)  # type: ignore[arg-type]

    def sql_params(self) -> dict[str, object]:
        """Bind parameters for the SQL fragments of :func:`where`."""
        return {
            "start": self.start,
            "end": self.end,
            "symbols": list(self.symbols),
            "lps": list(self.lps),
            "books": list(self.books),
            "rule_ids": list(self.rule_ids),
            "segments": list(self.segments),
        }


def where(
    f: Filter,
    *,
    time: str = "ts",
    symbol: str | None = "symbol",
    lp: str | None = "lp",
    book: str | None = "book",
    rule_id: str | None = "rule_id",
    segment: str | None = None,
) -> str:
    """A SQL ``WHERE`` body for ``f`` over the given column names (None: not filterable).

    Only column names chosen by the caller are interpolated; values are bind parameters
    (``:start``, ``:symbols``, ...) from :meth:`Filter.sql_params`.
    """
    parts = [f"{time} >= :start", f"{time} < :end"]
    for column, values, param in (
        (symbol, f.symbols, "symbols"),
        (lp, f.lps, "lps"),
        (book, f.books, "books"),
        (rule_id, f.rule_ids, "rule_ids"),
        (segment, f.segments, "segments"),
    ):
        if values:
            if column is None:
                raise FilterError(param, "this read model cannot filter by it")
            parts.append(f"{column} = ANY(:{param})")
    return " AND ".join(parts)


def parse_bucket(value: str) -> Bucket:
    """A bucket size name, or a FilterError listing the allowed ones."""
    if value not in BUCKET_WIDTHS:
        raise FilterError("bucket", f"must be one of {', '.join(BUCKET_WIDTHS)}")
    return value  # type: ignore[return-value]


def parse_time(parameter: str, value: str) -> dt.datetime:
    """An RFC 3339 time (``Z`` or an offset); naive times are refused."""
    text = value.strip()
    if text.endswith(("Z", "z")):
        text = text[:-1] + "+00:00"
    try:
        parsed = dt.datetime.fromisoformat(text)
    except ValueError:
        raise FilterError(parameter, f"not an RFC 3339 time: {value!r}") from None
    if parsed.tzinfo is None:
        raise FilterError(parameter, "must carry a timezone (e.g. 2026-11-24T10:00:00Z)")
    return parsed.astimezone(dt.UTC)
