"""Routing and exposure through the API, end to end: simulator → real Kafka → consumers →
PostgreSQL → /api/v1. Expected numbers are computed here, in pandas, from the raw ``orders``,
``executions`` and ``quote_mid_1s`` rows, not through the read models under test.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
import pandas as pd
import pytest
import sqlalchemy as sa
from flask.testing import FlaskClient
from ingest.conftest import produce, run_ingest_process
from page_data import empty_tables
from sqlalchemy.orm import Session

from app.audit import Actor
from app.auth.api_tokens import issue_token
from app.config import Settings
from app.db.models.audit import AuditEntry
from app.metrics.routing import final_outcome
from tradedash.web import create_server
from workers.kafka_topics import delete_topics, ensure_topics
from workers.simulator import SimulatorOptions
from workers.simulator.messages import generate_messages

pytestmark = pytest.mark.integration

NOW = dt.datetime(2026, 11, 24, 14, 0, tzinfo=dt.UTC)
STREAM = SimulatorOptions(
    seed=23, duration=5, rate=1000, realtime=False, backfill_days=0.1, now=NOW
)
START, END = NOW - dt.timedelta(days=1), NOW + dt.timedelta(hours=1)
MIDWAY = NOW - dt.timedelta(minutes=47)  # a minute boundary inside the stream
SETUP = Actor("rx-setup", "admin")


def _rfc3339(t: dt.datetime) -> str:
    return t.isoformat().replace("+00:00", "Z")


WINDOW = {"start": _rfc3339(START), "end": _rfc3339(END)}


@dataclass
class Raw:
    orders: pd.DataFrame
    executions: pd.DataFrame
    mids: pd.DataFrame

    def mids_of(self, symbol: str) -> pd.Series:
        rows = self.mids[self.mids["symbol"] == symbol]
        return pd.Series(rows["mid"].to_numpy(), index=pd.DatetimeIndex(rows["ts"]))


@pytest.fixture(scope="module")
def rx_settings(base_settings: Settings, database_url: str) -> Iterator[Settings]:
    run = uuid.uuid4().hex[:8]
    settings = base_settings.model_copy(
        update={
            "database_url": database_url,
            "topic_prefix": f"rx{run}.",
            "consumer_group": f"rx-{run}",
        }
    )
    settings.__dict__.pop("topics", None)  # cached_property computed from the old prefix
    ensure_topics(settings)
    yield settings
    delete_topics(settings)


@pytest.fixture(scope="module")
def rx_raw(rx_settings: Settings, engine: sa.Engine) -> Iterator[Raw]:
    """The simulated stream, produced to Kafka and ingested by the real consumer process."""
    empty_tables(engine)
    produce(rx_settings, list(generate_messages(STREAM, NOW.timestamp())))
    run_ingest_process(rx_settings)
    with engine.connect() as conn:
        raw = Raw(
            pd.read_sql(sa.text("SELECT * FROM orders"), conn),
            pd.read_sql(sa.text("SELECT * FROM executions"), conn),
            pd.read_sql(sa.text("SELECT symbol, ts, mid FROM quote_mid_1s ORDER BY ts"), conn),
        )
    yield raw
    empty_tables(engine)


@pytest.fixture(scope="module")
def rx_client(rx_settings: Settings, rx_raw: Raw) -> Iterator[FlaskClient]:
    server = create_server(rx_settings)
    yield server.test_client()
    server.extensions["tradedash"].close()


@pytest.fixture(scope="module")
def rx_tokens(rx_raw: Raw, engine: sa.Engine) -> dict[str, dict[str, str]]:
    with Session(engine) as db, db.begin():
        secrets = {
            role: issue_token(db, SETUP, name=f"rx-{role}", role=role).secret
            for role in ("analyst", "admin")
        }
    return {role: {"Authorization": f"Bearer {secret}"} for role, secret in secrets.items()}


# ------------------------------------------------------------ independent expectations


def expected_positions(raw: Raw, at: dt.datetime) -> pd.Series:
    """−Σ s × fill_qty of B-book fills before ``at`` (a minute boundary), per symbol."""
    fills = raw.executions[
        (raw.executions["lp"] == "INTERNAL")
        & raw.executions["status"].isin(["filled", "partially_filled"])
        & (raw.executions["ts"] < at)
    ]
    orders = raw.orders.drop_duplicates("order_id")[["order_id", "symbol", "side"]]
    joined = fills.merge(orders, on="order_id")
    sign = np.where(joined["side"] == "buy", 1.0, -1.0)
    return (-sign * joined["fill_qty"]).groupby(joined["symbol"]).sum()


def latest_mid(raw: Raw, symbol: str, at: dt.datetime) -> float | None:
    """The last stored mid at or before ``at`` and less than 7 days old."""
    quotes = raw.mids_of(symbol)
    i = int(quotes.index.searchsorted(pd.Timestamp(at), side="right")) - 1
    if i < 0 or quotes.index[i] <= pd.Timestamp(at) - pd.Timedelta(days=7):
        return None
    return float(quotes.iloc[i])


def usd_rate(raw: Raw, currency: str | None, at: dt.datetime) -> float | None:
    if currency == "USD":
        return 1.0
    if currency is None:
        return None
    direct = latest_mid(raw, currency + "USD", at)
    if direct is not None:
        return direct
    inverse = latest_mid(raw, "USD" + currency, at)
    return None if inverse is None else 1.0 / inverse


QUOTE_CCY = {"GER40": "EUR", "UK100": "GBP", "JP225": "JPY"}


def quote_ccy(symbol: str) -> str | None:
    if symbol in QUOTE_CCY:
        return QUOTE_CCY[symbol]
    return symbol[3:] if len(symbol) == 6 and symbol.isalpha() else "USD"


def expected_outcomes(raw: Raw) -> pd.Series:
    attempts = raw.executions.sort_values(["ts", "exec_id"])
    statuses = attempts.groupby("order_id")["status"].apply(list)
    orders = raw.orders[(raw.orders["ts"] >= START) & (raw.orders["ts"] < END)]
    outcome = orders["order_id"].map(lambda oid: final_outcome(statuses.get(oid, [])))
    return outcome.value_counts()


# ------------------------------------------------------------ routing


def test_routing_shares_match_the_raw_orders(
    rx_client: FlaskClient, rx_tokens: dict[str, dict[str, str]], rx_raw: Raw
) -> None:
    response = rx_client.get(
        "/api/v1/metrics/routing", query_string=WINDOW, headers=rx_tokens["analyst"]
    )
    assert response.status_code == 200, response.get_data(as_text=True)
    body = response.get_json()
    orders = rx_raw.orders
    by_book = orders["book"].value_counts()
    assert len(orders) > 500 and set(by_book.index) == {"A", "B"}
    assert body["orders"] == len(orders)
    assert body["orders_by_book"] == {"A": by_book["A"], "B": by_book["B"]}
    assert body["share_by_count"] == pytest.approx(
        {"A": by_book["A"] / len(orders), "B": by_book["B"] / len(orders)}, rel=1e-12
    )
    assert sum(body["share_by_count"].values()) == pytest.approx(1.0)

    a_book = orders[orders["book"] == "A"]["lp"].value_counts()
    lp_rows = {row["lp"]: row for row in body["lp_share"]}
    assert {lp: row["orders"] for lp, row in lp_rows.items()} == a_book.to_dict()
    for lp, count in a_book.items():
        assert lp_rows[lp]["share"] == pytest.approx(count / a_book.sum(), rel=1e-12)

    mids = (orders["arrival_bid"] + orders["arrival_ask"]) / 2
    pairs = zip(orders["symbol"], orders["ts"], strict=True)
    rates = [usd_rate(rx_raw, quote_ccy(symbol), t) for symbol, t in pairs]
    notional = orders["qty"] * mids * pd.Series(rates, index=orders.index, dtype="float64")
    per_book = notional.groupby(orders["book"]).sum()
    assert body["unconverted_orders"] == int(notional.isna().sum())
    assert body["notional_usd_by_book"] == pytest.approx(per_book.to_dict(), rel=1e-9)
    total = per_book.sum()
    assert body["share_by_notional"] == pytest.approx(
        {"A": per_book["A"] / total, "B": per_book["B"] / total}, rel=1e-9
    )


def test_routing_flow_ends_in_each_orders_final_outcome(
    rx_client: FlaskClient, rx_tokens: dict[str, dict[str, str]], rx_raw: Raw
) -> None:
    body = rx_client.get(
        "/api/v1/metrics/routing", query_string=WINDOW, headers=rx_tokens["analyst"]
    ).get_json()
    nodes, links = body["flow"]["nodes"], body["flow"]["links"]
    into_outcome: dict[str, int] = {}
    for link in links:
        target = nodes[link["target"]]
        if target["stage"] == "outcome":
            into_outcome[target["label"]] = into_outcome.get(target["label"], 0) + link["value"]
    assert into_outcome == expected_outcomes(rx_raw).to_dict()
    out_of_segments = sum(k["value"] for k in links if nodes[k["source"]]["stage"] == "segment")
    assert out_of_segments == len(rx_raw.orders)


def test_routing_over_time_and_filters(
    rx_client: FlaskClient, rx_tokens: dict[str, dict[str, str]], rx_raw: Raw
) -> None:
    body = rx_client.get(
        "/api/v1/metrics/routing",
        query_string={**WINDOW, "bucket": "15m", "book": "B"},
        headers=rx_tokens["analyst"],
    ).get_json()
    assert body["share_by_count"] == {"A": 0.0, "B": 1.0}
    assert sum(row["orders"]["B"] for row in body["over_time"]) == body["orders"]
    assert body["orders"] == int((rx_raw.orders["book"] == "B").sum())


# ------------------------------------------------------------ exposure


@pytest.mark.parametrize("at", [END, MIDWAY])
def test_exposure_per_symbol_matches_the_raw_b_book_fills(
    rx_client: FlaskClient, rx_tokens: dict[str, dict[str, str]], rx_raw: Raw, at: dt.datetime
) -> None:
    response = rx_client.get(
        "/api/v1/exposure",
        query_string={"start": _rfc3339(at - dt.timedelta(hours=4)), "end": _rfc3339(at)},
        headers=rx_tokens["analyst"],
    )
    assert response.status_code == 200, response.get_data(as_text=True)
    rows = {row["symbol"]: row for row in response.get_json()["rows"]}
    expected = expected_positions(rx_raw, at)
    assert len(expected) >= 5
    assert {s: r["net_position"] for s, r in rows.items()} == pytest.approx(
        expected.to_dict(), rel=1e-12, abs=1e-6
    )
    known = {}
    for symbol, net in expected.items():
        rate = usd_rate(rx_raw, quote_ccy(symbol), at)
        mid = latest_mid(rx_raw, symbol, at)
        notional = None if rate is None or mid is None else abs(net) * mid * rate
        assert rows[symbol]["notional_usd"] == pytest.approx(notional, rel=1e-9)
        assert rows[symbol]["unconverted"] is (notional is None)
        if notional is not None:
            known[symbol] = notional
        assert rows[symbol]["limit_usd"] is None and rows[symbol]["utilisation"] is None
    total = sum(known.values())
    for symbol, notional in known.items():
        assert rows[symbol]["concentration"] == pytest.approx(notional / total, rel=1e-9)


def test_exposure_heatmap_carries_positions_to_each_bucket_end(
    rx_client: FlaskClient, rx_tokens: dict[str, dict[str, str]], rx_raw: Raw
) -> None:
    start = NOW - dt.timedelta(hours=3)
    response = rx_client.get(
        "/api/v1/exposure",
        query_string={"start": _rfc3339(start), "end": _rfc3339(END), "bucket": "5m"},
        headers=rx_tokens["analyst"],
    )
    assert response.status_code == 200, response.get_data(as_text=True)
    heatmap = response.get_json()["heatmap"]
    assert heatmap["buckets"][0] == _rfc3339(start)
    assert len(heatmap["buckets"]) == (END - start) // dt.timedelta(minutes=5)
    matrix = pd.DataFrame(heatmap["values"], index=heatmap["symbols"])
    for column, bucket in enumerate(heatmap["buckets"]):
        bucket_end = dt.datetime.fromisoformat(bucket) + dt.timedelta(minutes=5)
        expected = expected_positions(rx_raw, bucket_end)
        symbols = sorted(set(matrix.index) | set(expected.index))
        got = matrix[column].reindex(symbols, fill_value=0.0)  # a flat symbol may be absent
        assert got.to_dict() == pytest.approx(
            expected.reindex(symbols, fill_value=0.0).to_dict(), rel=1e-12, abs=1e-6
        )


def test_admin_sets_a_limit_and_it_is_audited(
    rx_client: FlaskClient, rx_tokens: dict[str, dict[str, str]], rx_raw: Raw, engine: sa.Engine
) -> None:
    positions = expected_positions(rx_raw, END)
    symbol = positions.abs().idxmax()
    response = rx_client.put(
        f"/api/v1/exposure/limits/{symbol}",
        json={"limit_usd": 2_500_000},
        headers=rx_tokens["admin"],
    )
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.get_json()["limit_usd"] == 2_500_000

    body = rx_client.get(
        "/api/v1/exposure",
        query_string={**WINDOW, "bucket": "1h", "measure": "utilisation"},
        headers=rx_tokens["analyst"],
    ).get_json()
    row = next(r for r in body["rows"] if r["symbol"] == symbol)
    assert row["limit_usd"] == 2_500_000
    assert row["utilisation"] == pytest.approx(row["notional_usd"] / 2_500_000, rel=1e-12)
    heatmap = body["heatmap"]
    assert heatmap["values"][heatmap["symbols"].index(symbol)][-1] == pytest.approx(
        row["utilisation"], rel=1e-12
    )
    with Session(engine) as db:
        entry = db.scalars(
            sa.select(AuditEntry).where(AuditEntry.action == "limit.set").order_by(AuditEntry.id)
        ).all()[-1]
    assert (entry.actor, entry.role, entry.target) == ("rx-admin", "admin", symbol)
    assert entry.details["limit_usd"] == "2500000.00"


@pytest.mark.parametrize(
    "body",
    [{"limit_usd": -5}, {"limit_usd": 0}, {"limit_usd": "100"}, {"limit_usd": True}, {}, [1],
     {"limit_usd": 1, "extra": 2}, {"limit_usd": 1e30}],
)  # fmt: skip
def test_bad_limits_are_refused_with_a_reason(
    rx_client: FlaskClient, rx_tokens: dict[str, dict[str, str]], body: object
) -> None:
    response = rx_client.put(
        "/api/v1/exposure/limits/EURUSD", json=body, headers=rx_tokens["admin"]
    )
    assert response.status_code == 400
    assert "limit_usd" in response.get_json()["error"]["message"]


def test_limit_update_needs_admin_and_a_token(
    rx_client: FlaskClient, rx_tokens: dict[str, dict[str, str]]
) -> None:
    path, body = "/api/v1/exposure/limits/EURUSD", {"limit_usd": 1_000_000}
    assert rx_client.put(path, json=body, headers=rx_tokens["analyst"]).status_code == 403
    assert rx_client.put(path, json=body).status_code == 401
    assert rx_client.put(
        "/api/v1/exposure/limits/eur usd", json=body, headers=rx_tokens["admin"]
    ).status_code in (400, 404)


@pytest.mark.parametrize(
    ("path", "params", "reason"),
    [
        ("/api/v1/exposure", {"bucket": "7m"}, "bucket"),
        ("/api/v1/exposure", {"measure": "pnl", "bucket": "5m"}, "measure"),
        ("/api/v1/exposure", {"lp": "LP_ALPHA"}, "lps"),
        ("/api/v1/exposure", {"currency": "euro"}, "currency"),
        ("/api/v1/exposure", {"bucket": "1m", "start": "2026-11-01T00:00:00Z"}, "bucket"),
        ("/api/v1/metrics/routing", {"bucket": "2h"}, "bucket"),
        ("/api/v1/metrics/routing", {"start": "yesterday"}, "start"),
    ],
)
def test_bad_parameters_are_400s_with_a_reason(
    rx_client: FlaskClient,
    rx_tokens: dict[str, dict[str, str]],
    path: str,
    params: dict[str, str],
    reason: str,
) -> None:
    response = rx_client.get(path, query_string=params, headers=rx_tokens["analyst"])
    assert response.status_code == 400
    assert response.get_json()["error"]["message"].startswith(reason)


@pytest.mark.parametrize("path", ["/api/v1/exposure", "/api/v1/metrics/routing"])
def test_reads_need_a_token(rx_client: FlaskClient, path: str) -> None:
    assert rx_client.get(path).status_code == 401
