"""The read cache's key: equal for the callbacks of one page load, different as soon as the
filter the user chose, the query's arguments or the time-to-live bucket differ."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from app.cache import PREFIX, ReadCache, filter_digest
from app.queries.filters import Filter

pytestmark = pytest.mark.unit

END = dt.datetime(2026, 11, 24, 10, 0, 3, tzinfo=dt.UTC)
"""3 s into an 8 s bucket (1_795_514_403 s = 8 × 224_439_300 + 3)."""


def last(
    hours: float,
    end: dt.datetime = END,
    symbols: tuple[str, ...] = (),
    lps: tuple[str, ...] = (),
    books: tuple[str, ...] = (),
) -> Filter:
    start = end - dt.timedelta(hours=hours)
    return Filter(start=start, end=end, symbols=symbols, lps=lps, books=books)


def test_two_callbacks_of_one_page_load_share_the_key() -> None:
    later = END + dt.timedelta(milliseconds=4_900)  # 7.9 s into the same bucket
    assert filter_digest(last(24), 8) == filter_digest(last(24, later), 8)


def test_the_next_ttl_bucket_is_a_new_key() -> None:
    next_bucket = END + dt.timedelta(seconds=5)  # 8 s in: the next bucket
    assert filter_digest(last(24), 8) != filter_digest(last(24, next_bucket), 8)


def test_dimension_order_does_not_matter_but_values_do() -> None:
    a = last(1, symbols=("EURUSD", "XAUUSD"), lps=("LP1",))
    b = last(1, symbols=("XAUUSD", "EURUSD"), lps=("LP1",))
    assert filter_digest(a, 8) == filter_digest(b, 8)
    assert filter_digest(a, 8) != filter_digest(last(1, symbols=("EURUSD",), lps=("LP1",)), 8)
    # The same values in another dimension are another filter.
    assert filter_digest(last(1, lps=("A",)), 8) != filter_digest(last(1, books=("A",)), 8)


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ((last(24),), (last(1),)),  # window length
        ((last(24), "lp"), (last(24), "symbol")),  # arguments
        ((last(24),), (last(24), "lp")),
    ],
)
def test_window_and_arguments_are_part_of_the_key(a: tuple[Any, ...], b: tuple[Any, ...]) -> None:
    assert filter_digest(a[0], 8, *a[1:]) != filter_digest(b[0], 8, *b[1:])


def test_the_key_names_scope_and_query() -> None:
    cache = ReadCache(None, "scope1", 8)
    key = cache.key("rule_report", last(24))
    assert key == f"{PREFIX}scope1:rule_report:{filter_digest(last(24), 8)}"
    assert len(key.rsplit(":", 1)[1]) == 32


def test_without_a_client_or_with_ttl_0_every_read_computes() -> None:
    calls: list[int] = []

    def compute() -> int:
        calls.append(1)
        return len(calls)

    assert [ReadCache(None, "s", 8).read("q", last(1), compute) for _ in range(2)] == [1, 2]
