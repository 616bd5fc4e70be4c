"""The filter bar's query string: parsed leniently (bad values dropped with a notice), written
back in a fixed order, and the user's stored look read defensively."""

from __future__ import annotations

import pytest

from app.db.models.auth import User
from app.filter_state import (
    FilterState,
    has_filters,
    keep_known,
    parse_query,
    parse_query_string,
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
