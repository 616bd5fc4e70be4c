"""Routing metrics on small hand-built cases: shares, LP shares, outcomes, the order flow."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from app.metrics.routing import (
    book_shares,
    final_outcome,
    lp_shares,
    order_flow,
    shares_over_time,
    summarise,
)

pytestmark = pytest.mark.unit

COLUMNS = ["client_segment", "rule_id", "book", "lp", "outcome", "orders", "notional_usd",
           "unconverted"]  # fmt: skip


def groups(*rows: tuple[object, ...]) -> pd.DataFrame:
    return pd.DataFrame(list(rows), columns=COLUMNS)


SAMPLE = groups(
    ("retail", "R-B", "B", None, "filled", 6, 600_000.0, 0),
    ("pro", "R-A", "A", "LP1", "filled", 3, 900_000.0, 0),
    ("pro", "R-A", "A", "LP2", "rejected", 1, 100_000.0, 0),
    (None, "R-A", "A", "LP1", "pending", 1, 0.0, 1),
)


def test_book_shares_sum_to_one() -> None:
    shares = book_shares({"A": 3, "B": 1})
    assert shares == {"A": 0.75, "B": 0.25}
    assert sum(shares.values()) == pytest.approx(1.0)


@pytest.mark.parametrize("amounts", [{}, {"A": 0, "B": 0}])
def test_no_orders_means_no_shares(amounts: dict[str, float]) -> None:
    assert book_shares(amounts) is None


def test_one_book_only_gets_everything() -> None:
    assert book_shares({"B": 4}) == {"A": 0.0, "B": 1.0}


def test_lp_shares_largest_first() -> None:
    assert list(lp_shares({"LP2": 1, "LP1": 3}).items()) == [("LP1", 0.75), ("LP2", 0.25)]
    assert lp_shares({}) == {}


@pytest.mark.parametrize(
    ("statuses", "outcome"),
    [
        ([], "pending"),
        (["rejected", "filled"], "filled"),
        (["partially_filled"], "partially_filled"),
        (["rejected", "partially_filled", "rejected"], "partially_filled"),
        (["rejected", "rejected"], "rejected"),
        (["rejected", "cancelled"], "cancelled"),
    ],
)
def test_final_outcome(statuses: list[str], outcome: str) -> None:
    assert final_outcome(statuses) == outcome


def test_summary_by_hand() -> None:
    summary = summarise(SAMPLE)
    assert summary.orders == 11
    assert summary.orders_by_book == {"A": 5, "B": 6}
    assert summary.share_by_count == pytest.approx({"A": 5 / 11, "B": 6 / 11})
    # 1,000,000 A-book of 1,600,000 converted; the unconverted order counts only by count.
    assert summary.share_by_notional == pytest.approx({"A": 0.625, "B": 0.375})
    assert summary.unconverted_orders == 1
    assert summary.a_book_orders_by_lp == {"LP1": 4, "LP2": 1}
    assert summary.lp_share == pytest.approx({"LP1": 0.8, "LP2": 0.2})


def test_summary_of_no_orders() -> None:
    summary = summarise(groups())
    assert summary.orders == 0
    assert summary.share_by_count is None and summary.share_by_notional is None
    assert summary.lp_share == {} and summary.flow.nodes == []


def test_order_flow_conserves_orders_at_every_stage() -> None:
    flow = order_flow(SAMPLE)
    labels = [(n.stage, n.label) for n in flow.nodes]
    assert ("segment", "unknown") in labels  # no segment given
    assert ("lp", "INTERNAL") in labels  # the B-book venue
    assert ("outcome", "pending") in labels
    stages = ["segment", "rule", "book", "lp", "outcome"]
    for left, right in zip(stages, stages[1:], strict=False):
        total = sum(
            link.orders
            for link in flow.links
            if flow.nodes[link.source].stage == left and flow.nodes[link.target].stage == right
        )
        assert total == 11
    index = {label: i for i, label in enumerate(labels)}
    link = {(k.source, k.target): k.orders for k in flow.links}
    assert link[(index[("book", "A")], index[("lp", "LP1")])] == 4
    assert link[(index[("lp", "LP2")], index[("outcome", "rejected")])] == 1
    assert flow.as_dict()["links"][0].keys() == {"source", "target", "value"}


def test_shares_over_time_per_bucket() -> None:
    t0 = dt.datetime(2026, 11, 24, 10, tzinfo=dt.UTC)
    t1 = t0 + dt.timedelta(minutes=5)
    frame = pd.DataFrame(
        [(t0, "A", 1, 100.0), (t0, "B", 3, 300.0), (t1, "B", 2, 50.0)],
        columns=["bucket", "book", "orders", "notional_usd"],
    )
    out = shares_over_time(frame).set_index("bucket")
    assert out.loc[t0, "a_share_count"] == 0.25
    assert out.loc[t0, "b_share_notional"] == 0.75
    assert out.loc[t1, "a_share_count"] == 0.0 and out.loc[t1, "orders_a"] == 0
    assert (out["a_share_count"] + out["b_share_count"] == 1).all()
