"""The analytics pages' filter bar as a URL query string, both ways.

``?window=1h&symbols=EURUSD,GBPUSD&lps=LP1&books=B&rules=r1&bucket=5m``: lists are
comma-separated, an empty or absent key means "all". Parsing never raises: a value that is not
valid is dropped and reported in a notice the page shows, so a mistyped or outdated link still
opens the page with everything else applied.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, replace
from urllib.parse import parse_qsl, urlencode

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


def parse_query(query: Mapping[str, object]) -> tuple[FilterState, list[str]]:
    """The filter state in ``query`` (page query parameters) and a notice per ignored value."""
    notices: list[str] = []
    window = _text(query.get("window")) or None
    if window is not None and window not in WINDOWS:
        notices.append(f"Unknown time window {window!r} in the link: the default is shown.")
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
