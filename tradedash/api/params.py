"""Request parameters of the API turned into a Filter, or a 400 with the reason."""

from __future__ import annotations

import datetime as dt

from flask import request

from app.queries.filters import DEFAULT_WINDOW, Filter, FilterError, parse_time

from .errors import bad_request


def filter_from_request() -> Filter:
    """``start``/``end`` (RFC 3339, default: the last 24 h) and the repeatable dimension
    parameters ``symbol``, ``lp``, ``book``, ``rule_id``, ``segment``."""
    args = request.args
    try:
        end = parse_time("end", args["end"]) if "end" in args else dt.datetime.now(dt.UTC)
        start = parse_time("start", args["start"]) if "start" in args else end - DEFAULT_WINDOW
        return Filter(
            start=start,
            end=end,
            symbols=tuple(args.getlist("symbol")),
            lps=tuple(args.getlist("lp")),
            books=tuple(args.getlist("book")),
            rule_ids=tuple(args.getlist("rule_id")),
            segments=tuple(args.getlist("segment")),
        )
    except FilterError as exc:
        raise bad_request(str(exc)) from None
    except OverflowError:
        # e.g. end=0001-01-01T00:00:00Z: the default 24 h before it is before year 1.
        raise bad_request(
            f"end: the default window of {DEFAULT_WINDOW} before it is out of range; give start"
        ) from None


def reject_unstorable_parameters() -> None:
    """A 400 for a query value or path holding a NUL character: no symbol, LP or rule id
    contains one, and PostgreSQL text cannot hold it (the query would fail with a 500)."""
    for name, value in request.args.items(multi=True):
        if "\x00" in value:
            raise bad_request(f"{name}: contains a NUL character, got {value!r}")
    if "\x00" in request.path:
        raise bad_request(f"the path contains a NUL character: {request.path!r}")
