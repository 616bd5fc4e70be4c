"""Best-execution shares on a small hand-computed fixture."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest
from compliance_factories import T0, attempt, frame

from app.compliance.best_execution import RTS28_NOTE, report, top_venues, venue_quality
from app.compliance.render import to_csv, to_pdf
from app.queries.filters import Filter

pytestmark = pytest.mark.unit


def fixture() -> pd.DataFrame:
    passive = {"order_type": "limit", "limit_price": 0.9, "side": "buy"}  # below the ask: rests
    return frame(
        attempt(exec_id="e1", order_id="o1", lp="LP1", fill_qty=600.0),
        attempt(exec_id="e2", order_id="o2", lp="LP1", fill_qty=400.0, **passive),
        attempt(exec_id="e3", order_id="o3", lp="LP2", fill_qty=300.0),
        attempt(exec_id="e4", order_id="o4", lp="LP3", fill_qty=250.0),
        attempt(exec_id="e5", order_id="o5", lp="LP4", fill_qty=200.0),
        # 75 units converted at 2 USD per unit of the quote currency: 150 USD.
        attempt(exec_id="e6", order_id="o6", lp="LP5", fill_qty=75.0, price_rate=2.0),
        attempt(exec_id="e7", order_id="o7", lp="LP6", fill_qty=100.0),
        attempt(
            exec_id="e8",
            order_id="o1",
            lp="LP6",
            status="rejected",
            fill_qty=0.0,
            fill_price=None,
            reject_reason="last_look",
        ),  # fmt: skip
        attempt(
            exec_id="m1",
            order_id="m1",
            lp="INTERNAL",
            asset_class="metal",
            symbol="XAUUSD",
            fill_qty=10.0,
            fill_price=2000.0,
            book="B",
        ),  # fmt: skip
    )


def test_top_five_venues_per_class_with_their_shares() -> None:
    top = top_venues(fixture())
    fx = top[top["asset_class"] == "fx"]
    # Volume in USD: 1000, 300, 250, 200, 150 and LP6's 100 (sixth, left out); total 2000.
    assert fx["venue"].tolist() == ["LP1", "LP2", "LP3", "LP4", "LP5"]
    assert fx["rank"].tolist() == [1, 2, 3, 4, 5]
    assert fx["volume_usd"].tolist() == [1000.0, 300.0, 250.0, 200.0, 150.0]
    assert fx["volume_share_pct"].tolist() == pytest.approx([50.0, 15.0, 12.5, 10.0, 7.5])
    # Seven fx orders were executed; LP1 executed two of them.
    assert fx["orders"].tolist() == [2, 1, 1, 1, 1]
    assert fx["order_share_pct"].iloc[0] == pytest.approx(200 / 7)
    assert fx["passive_pct"].tolist() == [50.0, 0.0, 0.0, 0.0, 0.0]
    assert fx["aggressive_pct"].tolist() == [50.0, 100.0, 100.0, 100.0, 100.0]
    assert fx["directed_pct"].tolist() == [0.0] * 5
    metal = top[top["asset_class"] == "metal"]
    assert metal["venue"].tolist() == ["INTERNAL"]
    assert metal["volume_usd"].tolist() == [20_000.0]
    assert metal["volume_share_pct"].tolist() == [100.0]


def test_venue_quality_price_cost_speed_and_likelihood() -> None:
    attempts = frame(
        attempt(exec_id="q1", order_id="q1", fill_qty=100_000.0, fill_price=1.0001,
                requested_price=1.0002, market_bid=1.0001, market_ask=1.0002,
                commission=5.0, exec_ts=T0 + dt.timedelta(milliseconds=10)),
        attempt(exec_id="q2", order_id="q2", status="rejected", fill_qty=0.0, fill_price=None,
                reject_reason="price_moved", pfof=2.0, fee_rate=1.5,
                exec_ts=T0 + dt.timedelta(milliseconds=30)),
    )  # fmt: skip
    [row] = venue_quality(attempts).to_dict("records")
    assert row["attempts"] == 2 and row["fills"] == 1
    assert row["fill_ratio_pct"] == 50.0
    # A buy filled at 1.0001 with the mid at 1.00015: half a pip better than mid; one pip
    # better than the 1.0002 asked for.
    assert row["price_improvement_pips"] == pytest.approx(0.5)
    assert row["slippage_pips"] == pytest.approx(1.0)
    notional = 100_000 * 1.0001
    assert row["commission_per_million_usd"] == pytest.approx(5.0 / notional * 1e6)
    assert row["pfof_per_million_usd"] == pytest.approx(3.0 / notional * 1e6)
    assert row["latency_median_ms"] == pytest.approx(20.0)
    assert row["latency_p95_ms"] == pytest.approx(29.0)


def test_csv_and_pdf_renderings_carry_the_note_and_tables() -> None:
    attempts = fixture()
    flt = Filter(start=T0 - dt.timedelta(days=1), end=T0 + dt.timedelta(days=1))
    top = top_venues(attempts)
    csv = to_csv(top).decode()
    assert csv.splitlines()[0].startswith("asset_class,rank,venue,volume_usd")
    assert len(csv.splitlines()) == 1 + 6
    rendered = report(top, venue_quality(attempts), flt)
    assert rendered.notes == (RTS28_NOTE,)
    assert [s.heading for s in rendered.sections][:2] == [
        "Top five venues - fx",
        "Top five venues - metal",
    ]
    pdf = to_pdf(rendered)
    assert pdf.startswith(b"%PDF-") and len(pdf) > 1000


def test_no_fills_give_empty_tables() -> None:
    assert top_venues(frame()).empty
    assert venue_quality(frame()).empty
