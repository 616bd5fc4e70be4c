"""The Routing page's figures, built from read-model-shaped data by hand."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from app.charts.routing import book_shares_area, flow_sankey, reject_rate_lines
from app.charts.theme import is_empty
from app.metrics.routing import order_flow, shares_over_time

pytestmark = pytest.mark.unit

T0 = dt.datetime(2026, 11, 24, 13, 0, tzinfo=dt.UTC)
GROUPS = pd.DataFrame(
    [
        ("retail", "R-B", "B", None, "filled", 6),
        ("retail", "R-A", "A", "LP_ALPHA", "rejected", 3),
        (None, "R-A", "A", "LP_BETA", "filled", 1),
    ],
    columns=["client_segment", "rule_id", "book", "lp", "outcome", "orders"],
)


def test_the_sankey_draws_the_flow_links_unchanged() -> None:
    flow = order_flow(GROUPS).as_dict()
    [sankey] = flow_sankey(flow).data
    assert list(sankey.link.value) == [link["value"] for link in flow["links"]]
    assert list(sankey.link.source) == [link["source"] for link in flow["links"]]
    assert list(sankey.link.target) == [link["target"] for link in flow["links"]]
    labels = list(sankey.node.label)
    assert {"A-book", "B-book", "INTERNAL", "unknown", "rejected"} <= set(labels)
    assert labels.count("R-A") == 1
    # Every stage carries all ten orders.
    assert sum(link["value"] for link in flow["links"]) == 10 * 4


def test_no_orders_gives_a_message_not_an_error() -> None:
    assert is_empty(flow_sankey({"nodes": [], "links": []}))
    assert is_empty(book_shares_area(pd.DataFrame()))
    assert is_empty(reject_rate_lines(pd.DataFrame(columns=["bucket", "lp", "reject_rate"])))


@pytest.mark.parametrize("measure", ["count", "notional"])
def test_shares_stack_to_one_by_count_or_notional(measure: str) -> None:
    per_bucket = pd.DataFrame(
        [
            (T0, "A", 3, 300.0),
            (T0, "B", 1, 900.0),
            (T0 + dt.timedelta(minutes=5), "B", 2, 50.0),
        ],
        columns=["bucket", "book", "orders", "notional_usd"],
    )
    over_time = shares_over_time(per_bucket)
    a_book, b_book = book_shares_area(over_time, measure).data  # type: ignore[arg-type]
    assert (a_book.stackgroup, b_book.stackgroup) == ("shares", "shares")
    expected_a = [0.75, 0.0] if measure == "count" else [0.25, 0.0]
    assert list(a_book.y) == pytest.approx(expected_a)
    assert [a + b for a, b in zip(a_book.y, b_book.y, strict=True)] == pytest.approx([1, 1])


def test_reject_rates_one_line_per_lp_with_stable_colours() -> None:
    series = pd.DataFrame(
        [
            (T0, "LP_BETA", 10, 1, 0.1),
            (T0, "LP_ALPHA", 4, 2, 0.5),
            (T0 + dt.timedelta(minutes=5), "LP_ALPHA", 5, 0, 0.0),
        ],
        columns=["bucket", "lp", "attempts", "rejects", "reject_rate"],
    )
    alpha, beta = reject_rate_lines(series).data
    assert (alpha.name, beta.name) == ("LP_ALPHA", "LP_BETA")
    assert list(alpha.y) == [0.5, 0.0] and list(beta.y) == [0.1]
    assert alpha.line.color != beta.line.color
