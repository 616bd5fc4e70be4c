"""The analytics pages' filter bar as a URL query string, both ways.

``?window=1h&symbols=EURUSD,GBPUSD&lps=LP1&books=B&rules=r1&bucket=5m``: lists are
comma-separated, an empty or absent key means "all". Parsing never raises: a value that is not
valid is dropped and reported in a notice the page shows, so a mistyped or outdated link still
opens the page with everything else applied.

The window is a preset (``1h``) or a custom range as an ISO 8601 interval of UTC minutes,
``window=2026-11-20T08:00Z/2026-11-21T08:00Z``: a shared link shows the same instants to every
reader, whatever their timezone; the user enters and reads the range in their own timezone.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass, replace
from urllib.parse import parse_qsl, urlencode

from app.formatting import zone

WINDOWS = {
    "15m": "Last 15 minutes",
    "1h": "Last hour",
    "24h": "Last 24 hours",
    "7d": "Last 7 days",
    "30d": "Last 30 days",
}
"""Time presets of the filter bar: URL value → label."""
BUCKETS = {"1m": "1 minute", "5m": "5 minutes", "15m": "15 minutes", "1h": "1 hour", "1d": "1 day"}
"""Bucket widths of the time-series charts: URL value → label."""
BOOKS = ("A", "B")
LIST_FIELDS = ("symbols", "lps", "books", "rules")
FIELDS = ("window", *LIST_FIELDS, "bucket")
"""Every key the filter bar reads from and writes to the query string, in URL order."""
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:/-]{0,63}$")
MAX_VALUES = 50
MAX_RANGE = dt.timedelta(days=90)
"""The longest custom range: the pages read minute and hour rollups, not years of them."""
FUTURE_SLACK = dt.timedelta(minutes=1)
"""How far past now a custom range may end (the minute being typed in)."""
_RANGE = re.compile(r"^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2})Z/(\d{4}-\d{2}-\d{2}T\d{2}:\d{2})Z$")
_UTC_MINUTE = "%Y-%m-%dT%H:%MZ"


@dataclass(frozen=True)
class TimeRange:
    """A custom window ``[start, end)``, aware UTC times."""

    start: dt.datetime
    end: dt.datetime

    @property
    def text(self) -> str:
        """The window's URL value: ``2026-11-20T08:00Z/2026-11-21T08:00Z``."""
        return f"{self.start.strftime(_UTC_MINUTE)}/{self.end.strftime(_UTC_MINUTE)}"


def parse_range(window: str | None) -> TimeRange | None:
    """The custom range a window value holds; None for a preset or anything malformed."""
    match = _RANGE.match(window or "")
    if match is None:
        return None
    try:
        start, end = (
            dt.datetime.fromisoformat(part).replace(tzinfo=dt.UTC) for part in match.groups()
        )
    except ValueError:  # 2026-02-30T25:00
        return None
    return TimeRange(start, end)


def range_problem(span: TimeRange, now: dt.datetime | None = None) -> str | None:
    """Why ``span`` cannot be shown (its start not before its end, longer than
    :data:`MAX_RANGE`, ending after ``now``), or None when it can."""
    if span.start >= span.end:
        return "The start must be before the end."
    if span.end - span.start > MAX_RANGE:
        return f"A custom range spans at most {MAX_RANGE.days} days."
    if now is not None and span.end > now + FUTURE_SLACK:
        return "The end cannot be in the future."
    return None


def local_range(
    start: str | None, end: str | None, timezone: str, now: dt.datetime
) -> tuple[TimeRange | None, str | None]:
    """The range of two ``datetime-local`` values (``2026-11-20T08:00``) read in ``timezone``,
    or None and the message to show next to the fields."""
    if not start or not end:
        return None, "Enter both a start and an end."
    try:
        local = [dt.datetime.fromisoformat(value) for value in (start, end)]
    except ValueError:
        return None, "Enter dates and times as YYYY-MM-DD HH:MM."
    tz = zone(timezone)
    span = TimeRange(
        *(value.replace(tzinfo=tz, second=0, microsecond=0).astimezone(dt.UTC) for value in local)
    )
    problem = range_problem(span, now)
    return (None, problem) if problem else (span, None)


def range_inputs(span: TimeRange, timezone: str) -> tuple[str, str]:
    """``span`` as the two ``datetime-local`` values a user in ``timezone`` reads."""
    tz = zone(timezone)
    start, end = (
        value.astimezone(tz).strftime("%Y-%m-%dT%H:%M") for value in (span.start, span.end)
    )
    return start, end


def range_label(span: TimeRange, timezone: str) -> str:
    """The window menu's label of ``span`` in ``timezone``: ``20 Nov 17:00 – 21 Nov 17:00 JST``
    (the year added when it is not the same at both ends)."""
    tz = zone(timezone)
    start, end = (value.astimezone(tz) for value in (span.start, span.end))
    fmt = "%d %b %H:%M" if start.year == end.year else "%d %b %Y %H:%M"
    return f"{start.strftime(fmt)} – {end.strftime(fmt)} {end.tzname()}"


def window_problem(window: str, now: dt.datetime | None = None) -> str | None:
    """Why the window value of a link cannot be used, or None."""
    if window in WINDOWS:
        return None
    span = parse_range(window)
    if span is None:
        return f"Unknown time window {window!r} in the link: the default is shown."
    problem = range_problem(span, now)
    return None if problem is None else f"Time range of the link not shown: {problem}"


@dataclass(frozen=True)
class FilterState:
    """What the filter bar shows: None / empty means the page's default / all."""

    window: str | None = None
    symbols: tuple[str, ...] = ()
    lps: tuple[str, ...] = ()
    books: tuple[str, ...] = ()
    rules: tuple[str, ...] = ()
    bucket: str | None = None


def has_filters(query: Mapping[str, object]) -> bool:
    """True when ``query`` sets any filter-bar key (else the user's defaults apply)."""
    return any(key in query for key in FIELDS)


def _values(raw: str) -> list[str]:
    return [part.strip() for part in raw.split(",") if part.strip()]


def _text(value: object) -> str:
    # A key repeated in the link arrives as a list (Dash's page router).
    if isinstance(value, list | tuple):
        return ",".join(str(part) for part in value)
    return "" if value is None else str(value)


def parse_query(
    query: Mapping[str, object], now: dt.datetime | None = None
) -> tuple[FilterState, list[str]]:
    """The filter state in ``query`` (page query parameters) and a notice per ignored value;
    with ``now``, a custom range ending after it is one."""
    notices: list[str] = []
    window = _text(query.get("window")) or None
    problem = None if window is None else window_problem(window, now)
    if problem is not None:
        notices.append(problem)
        window = None
    bucket = _text(query.get("bucket")) or None
    if bucket is not None and bucket not in BUCKETS:
        notices.append(f"Unknown bucket {bucket!r} in the link: the default is shown.")
        bucket = None
    lists: dict[str, tuple[str, ...]] = {}
    for name in LIST_FIELDS:
        values = _values(_text(query.get(name)))
        valid = [v for v in values if (v in BOOKS if name == "books" else bool(_NAME.match(v)))]
        bad = [v for v in values if v not in valid]
        if bad:
            notices.append(f"Ignored {name} from the link: {', '.join(repr(v) for v in bad[:5])}.")
        if len(valid) > MAX_VALUES:
            notices.append(f"Only the first {MAX_VALUES} {name} of the link are used.")
        lists[name] = tuple(dict.fromkeys(valid[:MAX_VALUES]))
    return FilterState(window=window, bucket=bucket, **lists), notices


def parse_query_string(search: str) -> tuple[FilterState, list[str]]:
    """:func:`parse_query` of a raw ``?a=b&c=d`` string (the leading ``?`` is optional)."""
    return parse_query(dict(parse_qsl(search.removeprefix("?"), keep_blank_values=True)))


def keep_known(state: FilterState, known: Mapping[str, list[str]]) -> tuple[FilterState, list[str]]:
    """``state`` without the symbols, LPs or rules absent from ``known`` (the values seen
    recently), and a notice per dimension that lost some."""
    notices: list[str] = []
    changes: dict[str, tuple[str, ...]] = {}
    for name in ("symbols", "lps", "rules"):
        if name not in known:
            continue
        allowed = set(known[name])
        values: tuple[str, ...] = getattr(state, name)
        unknown = [v for v in values if v not in allowed]
        if unknown:
            notices.append(f"No data for {name} {', '.join(unknown[:5])}: left out of the filter.")
            changes[name] = tuple(v for v in values if v in allowed)
    return replace(state, **changes), notices  # type: ignore[arg-type]  # only tuple fields


def to_query(state: FilterState) -> str:
    """The query string (without ``?``) of ``state``; empty fields are left out."""
    pairs: list[tuple[str, str]] = []
    for name in FIELDS:
        value = getattr(state, name)
        if isinstance(value, tuple):
            if value:
                pairs.append((name, ",".join(value)))
        elif value:
            pairs.append((name, value))
    return urlencode(pairs, safe=",:/")
