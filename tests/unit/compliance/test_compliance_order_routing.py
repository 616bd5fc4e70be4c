"""Rule 606-shaped disclosure: venue shares, order-type split and net payment per 100 units."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest
from compliance_factories import attempt, frame

from app.compliance.order_routing import (
    months_of,
    quarter_filter,
    recent_quarters,
    report,
    venue_table,
)
from app.queries.filters import FilterError

pytestmark = pytest.mark.unit

OCT = dt.datetime(2026, 10, 10, 9, 0, tzinfo=dt.UTC)
NOV = dt.datetime(2026, 11, 3, 9, 0, tzinfo=dt.UTC)


def fixture() -> pd.DataFrame:
    marketable = {"order_type": "limit", "limit_price": 1.01, "side": "buy"}  # above the ask
    resting = {"order_type": "limit", "limit_price": 0.95, "side": "buy"}
    return frame(
        # o1: market, rejected by LP1 then filled by LP2 (EUR fees at 1.25 USD).
        attempt(exec_id="a", order_id="o1", lp="LP1", exec_ts=OCT, status="rejected",
                fill_qty=0.0, fill_price=None, reject_reason="last_look"),
        attempt(exec_id="b", order_id="o1", lp="LP2", exec_ts=OCT, pfof=5.0, currency="EUR",
                fee_rate=1.25),
        # o2: marketable limit at LP1, PFOF 3 and commission 1.
        attempt(exec_id="c", order_id="o2", lp="LP1", exec_ts=OCT, pfof=3.0, commission=1.0,
                **marketable),
        # o3: a stop order ("other") at LP2 of 3,000 units, commission 2 and PFOF 1.
        attempt(exec_id="d", order_id="o3", lp="LP2", exec_ts=OCT, order_type="stop",
                limit_price=1.02, requested_qty=3000.0, pfof=1.0, commission=2.0),
        # November: one resting limit order at LP1.
        attempt(exec_id="e", order_id="o4", lp="LP1", exec_ts=NOV, **resting),
    )  # fmt: skip


def test_per_month_per_venue_shares_and_payments() -> None:
    table = venue_table(fixture())
    rows = {(r["month"], r["venue"]): r for r in table.to_dict("records")}
    assert list(rows) == [("2026-10", "LP1"), ("2026-10", "LP2"), ("2026-11", "LP1")]

    lp1 = rows[("2026-10", "LP1")]  # o1 and o2 of the month's three orders
    assert lp1["orders"] == 2
    assert lp1["non_directed_pct"] == pytest.approx(200 / 3)
    assert (lp1["market_pct"], lp1["marketable_limit_pct"]) == (50.0, 50.0)
    assert (lp1["non_marketable_limit_pct"], lp1["other_pct"]) == (0.0, 0.0)
    assert lp1["net_payment_usd"] == pytest.approx(2.0)  # 3 PFOF - 1 commission
    assert lp1["routed_units"] == 2000.0
    assert lp1["net_payment_per_hundred_units"] == pytest.approx(0.1)

    lp2 = rows[("2026-10", "LP2")]  # o1 (re-routed) and o3
    assert lp2["non_directed_pct"] == pytest.approx(200 / 3)
    assert (lp2["market_pct"], lp2["other_pct"]) == (50.0, 50.0)
    assert lp2["net_payment_usd"] == pytest.approx(5 * 1.25 + (1 - 2))  # 5.25
    assert lp2["net_payment_per_hundred_units"] == pytest.approx(5.25 / 4000 * 100)

    nov = rows[("2026-11", "LP1")]
    assert nov["non_directed_pct"] == 100.0
    assert nov["non_marketable_limit_pct"] == 100.0


def test_quarters_and_month_sections() -> None:
    flt = quarter_filter("2026Q4")
    assert (flt.start, flt.end) == (
        dt.datetime(2026, 10, 1, tzinfo=dt.UTC),
        dt.datetime(2027, 1, 1, tzinfo=dt.UTC),
    )
    assert quarter_filter("2026-q1").end == dt.datetime(2026, 4, 1, tzinfo=dt.UTC)
    assert months_of(flt) == ["2026-10", "2026-11", "2026-12"]
    sections = report(venue_table(fixture()), flt).sections
    assert [s.heading for s in sections] == ["Month 2026-10", "Month 2026-11", "Month 2026-12"]
    assert [len(s.frame) for s in sections] == [2, 1, 0]
    assert recent_quarters(dt.date(2026, 2, 1), 3) == ["2026Q1", "2025Q4", "2025Q3"]
    with pytest.raises(FilterError):
        quarter_filter("2026Q5")
