"""The filter bar's query string: parsed leniently (bad values dropped with a notice), written
back in a fixed order, and the user's stored look read defensively."""

from __future__ import annotations

import datetime as dt

import pytest

from app.db.models.auth import User
from app.filter_state import (
    FilterState,
    TimeRange,
    has_filters,
    keep_known,
    local_range,
    parse_query,
    parse_query_string,
    parse_range,
    range_inputs,
    range_label,
    to_query,
)
from app.user_settings import (
    OVERVIEW_CARDS,
    UiPreferences,
    overview_cards_problem,
    ui_preferences,
    view_name_problem,
    view_url_problem,
)

pytestmark = pytest.mark.unit


def test_a_full_query_round_trips() -> None:
    search = "window=1h&symbols=EURUSD,XAUUSD&lps=LP_ALPHA&books=B&rules=fx-core&bucket=5m"
    state, notices = parse_query_string("?" + search)
    assert notices == []
    assert state == FilterState(
        "1h", ("EURUSD", "XAUUSD"), ("LP_ALPHA",), ("B",), ("fx-core",), "5m"
    )
    assert to_query(state) == search


def test_empty_fields_are_left_out_and_order_is_fixed() -> None:
    assert to_query(FilterState(bucket="1h", window="7d", books=())) == "window=7d&bucket=1h"
    assert to_query(FilterState()) == ""


def test_invalid_values_are_dropped_with_a_notice_each() -> None:
    state, notices = parse_query_string(
        "window=2y&bucket=3m&books=A,C&symbols=EURUSD,<script>,,GBPUSD,EURUSD&utm_source=mail"
    )
    assert state == FilterState(window=None, symbols=("EURUSD", "GBPUSD"), books=("A",))
    assert notices == [
        "Unknown time window '2y' in the link: the default is shown.",
        "Unknown bucket '3m' in the link: the default is shown.",
        "Ignored symbols from the link: '<script>'.",
        "Ignored books from the link: 'C'.",
    ]


def test_only_filter_keys_count_as_filters() -> None:
    assert not has_filters({"utm_source": "mail"})
    assert has_filters({"books": ""})


def test_values_without_data_are_left_out() -> None:
    state = FilterState("1h", symbols=("EURUSD", "NOPE"), lps=("LP_ALPHA",))
    kept, notices = keep_known(state, {"symbols": ["EURUSD"], "lps": ["LP_ALPHA"]})
    assert kept == FilterState("1h", symbols=("EURUSD",), lps=("LP_ALPHA",))
    assert notices == ["No data for symbols NOPE: left out of the filter."]


def test_stored_preferences_are_read_defensively() -> None:
    user = User(ui_preferences={"theme": "neon", "overview_cards": ["pnl_today", "x", "pnl_today"],
                                "default_filters": "window=1h&books=Z"})  # fmt: skip
    assert ui_preferences(user) == UiPreferences("light", "window=1h", ("pnl_today",))
    assert ui_preferences(User(ui_preferences={})) == UiPreferences("light", "", OVERVIEW_CARDS)


def test_cards_views_and_urls_are_checked() -> None:
    assert overview_cards_problem([]) == "Choose at least one card."
    assert overview_cards_problem(["fill_ratio", "bogus"]) == "Unknown card(s): bogus."
    assert overview_cards_problem(["fill_ratio"]) is None
    assert view_name_problem("  ") == "Name the view."
    assert view_url_problem("/exposure?window=1h") is None
    for outside in ("https://evil.example/x", "//evil.example/x", "exposure"):
        assert view_url_problem(outside) is not None


def test_a_repeated_key_counts_as_a_list() -> None:
    state, notices = parse_query({"symbols": ["EURUSD", "GBPUSD"], "window": ["1h", "7d"]})
    assert state == FilterState(symbols=("EURUSD", "GBPUSD"))
    assert notices == ["Unknown time window '1h,7d' in the link: the default is shown."]


NOW = dt.datetime(2026, 11, 24, 12, 0, tzinfo=dt.UTC)
TOKYO_RANGE = "2026-11-19T23:00Z/2026-11-20T23:00Z"
"""20 Nov 08:00 – 21 Nov 08:00 in Tokyo (UTC+9, no daylight saving)."""


def test_a_custom_range_typed_in_tokyo_is_kept_in_utc_and_round_trips() -> None:
    span, problem = local_range("2026-11-20T08:00", "2026-11-21T08:00", "Asia/Tokyo", NOW)
    assert problem is None
    assert span == TimeRange(
        dt.datetime(2026, 11, 19, 23, 0, tzinfo=dt.UTC),
        dt.datetime(2026, 11, 20, 23, 0, tzinfo=dt.UTC),
    )
    assert span.text == TOKYO_RANGE
    search = f"window={TOKYO_RANGE}&symbols=EURUSD"
    state, notices = parse_query_string(search)
    assert notices == []
    assert state == FilterState(window=TOKYO_RANGE, symbols=("EURUSD",))
    assert to_query(state) == search
    assert parse_range(state.window) == span
    # Read back by the same user, and by one in New York (UTC-5 in November).
    assert range_inputs(span, "Asia/Tokyo") == ("2026-11-20T08:00", "2026-11-21T08:00")
    assert range_inputs(span, "America/New_York") == ("2026-11-19T18:00", "2026-11-20T18:00")
    assert range_label(span, "Asia/Tokyo") == "20 Nov 08:00 – 21 Nov 08:00 JST"


def test_daylight_saving_is_applied_to_each_end() -> None:
    # Berlin leaves summer time on 25 Oct 2026: 08:00 CEST = 06:00Z, 08:00 CET = 07:00Z.
    span, _ = local_range("2026-10-24T08:00", "2026-10-26T08:00", "Europe/Berlin", NOW)
    assert span is not None
    assert span.text == "2026-10-24T06:00Z/2026-10-26T07:00Z"


@pytest.mark.parametrize(
    ("start", "end", "problem"),
    [
        ("2026-11-21T08:00", "2026-11-20T08:00", "The start must be before the end."),
        ("2026-11-20T08:00", "2026-11-20T08:00", "The start must be before the end."),
        ("2026-08-01T00:00", "2026-10-30T00:01", "A custom range spans at most 90 days."),
        ("2026-11-24T20:00", "2026-11-24T21:02", "The end cannot be in the future."),
        ("", "2026-11-20T08:00", "Enter both a start and an end."),
        ("2026-11-20T08:00", "yesterday", "Enter dates and times as YYYY-MM-DD HH:MM."),
    ],
)
def test_a_custom_range_is_validated(start: str, end: str, problem: str) -> None:
    # Tokyo: 2026-11-24T21:01 local is 12:01Z, one minute after NOW, still allowed.
    assert local_range(start, end, "Asia/Tokyo", NOW) == (None, problem)


def test_the_last_allowed_range_ends_a_minute_from_now_and_spans_90_days() -> None:
    span, problem = local_range("2026-08-26T21:01", "2026-11-24T21:01", "Asia/Tokyo", NOW)
    assert problem is None and span is not None
    assert span.end - span.start == dt.timedelta(days=90)


@pytest.mark.parametrize(
    ("window", "notice"),
    [
        ("2026-11-20T23:00Z/2026-11-19T23:00Z", "The start must be before the end."),
        ("2026-01-01T00:00Z/2026-11-01T00:00Z", "A custom range spans at most 90 days."),
        ("2026-11-24T12:00Z/2026-11-24T13:00Z", "The end cannot be in the future."),
    ],
)
def test_a_link_with_an_unusable_range_opens_the_default_window(window: str, notice: str) -> None:
    state, notices = parse_query({"window": window, "books": "B"}, now=NOW)
    assert state == FilterState(books=("B",))
    assert notices == [f"Time range of the link not shown: {notice}"]


@pytest.mark.parametrize(
    "window",
    ["2026-11-19T23:00/2026-11-20T23:00", "2026-02-30T00:00Z/2026-03-01T00:00Z", "1h/2h", "x"],
)
def test_malformed_ranges_are_unknown_windows(window: str) -> None:
    assert parse_range(window) is None
    _state, notices = parse_query({"window": window})
    assert notices == [f"Unknown time window {window!r} in the link: the default is shown."]
