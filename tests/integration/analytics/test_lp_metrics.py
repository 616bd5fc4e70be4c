"""/api/v1/metrics/lp and /api/v1/drilldown/* end to end: a simulated stream through the real
Kafka and the ingest consumers, markouts computed by the task's function, then the API's numbers
compared with the same metrics worked out here with pandas from the raw rows."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterator
from typing import Any

import numpy as np
import pandas as pd
import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient
from ingest.conftest import NOW, STREAM, produce, run_ingest_process
from sqlalchemy.orm import Session

from app.audit import Actor
from app.auth.api_tokens import issue_token
from app.config import Settings
from app.db.models.events import REJECT_REASONS
from app.queries import drilldown, execution
from app.queries.filters import Filter
from app.queries.markouts import compute_markouts
from tradedash.web import create_server
from workers.kafka_topics import delete_topics, ensure_topics
from workers.simulator.messages import generate_messages

pytestmark = pytest.mark.integration

START, END = NOW - dt.timedelta(days=1), NOW + dt.timedelta(hours=1)
WINDOW = {"start": "2026-11-23T14:00:00Z", "end": "2026-11-24T15:00:00Z"}
HORIZONS = (0, 1, 5, 30, 60)


@pytest.fixture
def lp_settings(base_settings: Settings, database_url: str) -> Iterator[Settings]:
    run = uuid.uuid4().hex[:8]
    settings = base_settings.model_copy(
        update={
            "database_url": database_url,
            "topic_prefix": f"lp{run}.",
            "consumer_group": f"lp-metrics-{run}",
        }
    )
    settings.__dict__.pop("topics", None)  # cached_property computed from the old prefix
    ensure_topics(settings)
    yield settings
    delete_topics(settings)


@pytest.fixture
def lp_server(lp_settings: Settings) -> Iterator[Flask]:
    server = create_server(lp_settings)
    yield server
    server.extensions["tradedash"].close()


@pytest.fixture
def lp_token(committed_db: sa.Engine) -> str:
    with Session(committed_db) as db, db.begin():
        issued = issue_token(db, Actor("test-setup", "system"), name="lp-metrics", role="analyst")
        return issued.secret


@pytest.fixture
def lp_ingested(lp_settings: Settings, committed_db: sa.Engine) -> sa.Engine:
    """The stream stored by the real consumers and every due markout computed."""
    produce(lp_settings, list(generate_messages(STREAM, NOW.timestamp())))
    run_ingest_process(lp_settings)
    with committed_db.begin() as conn:
        while compute_markouts(conn, batch_size=500, now=NOW) > 0:
            pass
    return committed_db


def _frame(conn: sa.Connection, sql: str) -> pd.DataFrame:
    result = conn.execute(sa.text(sql))
    return pd.DataFrame(result.all(), columns=list(result.keys()))


def raw_attempts(engine: sa.Engine) -> pd.DataFrame:
    """Every stored execution report joined with its order (the first one by time)."""
    with engine.connect() as conn:
        executions = _frame(conn, "SELECT * FROM executions")
        orders = _frame(
            conn, "SELECT order_id, ts AS order_ts, symbol, side, pip_size, book FROM orders"
        )
    orders = orders.sort_values("order_ts").drop_duplicates("order_id")
    frame = executions.merge(orders, on="order_id", how="inner")
    frame["s"] = np.where(frame["side"] == "buy", 1.0, -1.0)
    frame["latency_ms"] = (frame["ts"] - frame["sent_ts"]) / pd.Timedelta(milliseconds=1)
    frame["is_fill"] = frame["status"].isin(["filled", "partially_filled"])
    return frame[(frame["ts"] >= START) & (frame["ts"] < END)]


def expected_markouts(engine: sa.Engine, fills: pd.DataFrame) -> dict[str, dict[str, Any]]:
    """Fill-qty-weighted markouts per LP from the per-second mids, by pandas' as-of merge."""
    with engine.connect() as conn:
        mids = _frame(conn, "SELECT symbol, ts AS mid_ts, mid FROM quote_mid_1s")
    newest = mids.groupby("symbol")["mid_ts"].max()
    due = fills[fills["ts"] + pd.Timedelta(seconds=60) < fills["symbol"].map(newest)].copy()
    mids = mids.sort_values("mid_ts")
    for h in HORIZONS:
        due["at"] = due["ts"] + pd.Timedelta(seconds=h)
        matched = pd.merge_asof(
            due.sort_values("at"),
            mids,
            left_on="at",
            right_on="mid_ts",
            by="symbol",
            direction="backward",
            tolerance=pd.Timedelta(seconds=5),
        ).set_index("event_id")
        mid = matched["mid"].reindex(due["event_id"]).to_numpy()
        due[f"m{h}"] = due["s"].to_numpy() * (mid - due["fill_price"]) / due["pip_size"]
    result: dict[str, dict[str, Any]] = {}
    for lp, group in due.groupby("lp"):
        result[str(lp)] = {}
        for h in HORIZONS:
            known = group[group[f"m{h}"].notna()]
            weight = known["fill_qty"].sum()
            value = (known[f"m{h}"] * known["fill_qty"]).sum() / weight if weight else None
            result[str(lp)][str(h)] = value
    return result


def expected_uptime(engine: sa.Engine) -> dict[str, float]:
    with engine.connect() as conn:
        status = _frame(conn, "SELECT lp, ts, status FROM lp_status ORDER BY lp, ts")
    uptime = {}
    for lp, group in status.groupby("lp"):
        times = list(group["ts"]) + [END]
        up = sum(
            (times[i + 1] - times[i]).total_seconds()
            for i, state in enumerate(group["status"])
            if state == "up"
        )
        uptime[str(lp)] = up / (END - times[0]).total_seconds()
    return uptime


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def test_lp_metrics_match_the_raw_rows(
    lp_ingested: sa.Engine, lp_server: Flask, lp_token: str
) -> None:
    client: FlaskClient = lp_server.test_client()
    response = client.get("/api/v1/metrics/lp", query_string=WINDOW, headers=_bearer(lp_token))
    assert response.status_code == 200, response.get_data(as_text=True)
    body = response.get_json()
    assert (body["start"], body["end"]) == (WINDOW["start"], WINDOW["end"])
    rows = {row["lp"]: row for row in body["rows"]}

    attempts = raw_attempts(lp_ingested)
    fills = attempts[attempts["is_fill"]]
    markouts = expected_markouts(lp_ingested, fills)
    uptime = expected_uptime(lp_ingested)
    assert len(attempts) > 300 and "INTERNAL" in rows and len(rows) >= 4

    for lp, group in attempts.groupby("lp"):
        row = rows[str(lp)]
        lp_fills = group[group["is_fill"]]
        rejects = group[group["status"] == "rejected"]
        assert row["attempts"] == len(group)
        assert row["fills"] == len(lp_fills)
        assert row["fill_ratio"] == pytest.approx(len(lp_fills) / len(group), abs=1e-12)
        assert row["reject_rate"] == pytest.approx(len(rejects) / len(group), abs=1e-12)
        assert row["reject_reasons"] == {
            reason: int((rejects["reject_reason"] == reason).sum()) for reason in REJECT_REASONS
        }
        assert row["fill_rate_volume"] == pytest.approx(
            group["fill_qty"].sum() / group["requested_qty"].sum(), rel=1e-12
        )
        latency = group["latency_ms"].to_numpy()
        for q in (50, 95, 99):
            assert row["latency_ms"][f"p{q}"] == pytest.approx(np.percentile(latency, q), rel=0.01)
        assert row["latency_ms"]["max"] == pytest.approx(latency.max(), rel=1e-12)
        assert row["latency_ms"]["mean"] == pytest.approx(latency.mean(), rel=1e-9)
        if len(lp_fills) == 0:
            assert row["slippage_pips_mean"] is None and row["best_execution_pct"] is None
            continue
        f = lp_fills
        slippage = f["s"] * (f["requested_price"] - f["fill_price"]) / f["pip_size"]
        expected = (slippage * f["fill_qty"]).sum() / f["fill_qty"].sum()
        assert row["slippage_pips_mean"] == pytest.approx(expected, abs=1e-9)
        improvement = f["s"] * ((f["market_bid"] + f["market_ask"]) / 2 - f["fill_price"])
        assert row["price_improvement_pips_mean"] == pytest.approx(
            (improvement / f["pip_size"]).mean(), abs=1e-9
        )
        best = np.where(
            f["s"] > 0, f["fill_price"] <= f["market_ask"], f["fill_price"] >= f["market_bid"]
        )
        assert row["best_execution_pct"] == pytest.approx(best.mean(), abs=1e-12)
        for h in HORIZONS:
            want = markouts.get(str(lp), {}).get(str(h))
            if want is None:
                assert row["markout_pips"][str(h)] is None
            else:
                assert row["markout_pips"][str(h)] == pytest.approx(want, abs=1e-9)
        assert 0 <= row["best_execution_pct"] <= 1
        assert row["notional_usd"] > 0

    for lp, row in rows.items():
        assert row["uptime_pct"] == (
            None if lp == "INTERNAL" else pytest.approx(uptime[lp], abs=1e-9)
        )
    assert any(row["markout_pips"]["60"] is not None for row in rows.values())
    shares = [row["volume_share"] for lp, row in rows.items() if lp != "INTERNAL"]
    assert sum(s or 0 for s in shares) == pytest.approx(1.0)
    assert rows["INTERNAL"]["volume_share"] is None

    one = next(lp for lp in rows if lp != "INTERNAL")
    filtered = client.get(
        "/api/v1/metrics/lp", query_string={**WINDOW, "lp": one}, headers=_bearer(lp_token)
    ).get_json()
    assert [row["lp"] for row in filtered["rows"]] == [one]
    assert filtered["rows"][0]["volume_share"] == pytest.approx(rows[one]["volume_share"])

    page = client.get(
        "/api/v1/drilldown/executions",
        query_string={**WINDOW, "page": 2, "page_size": 50, "sort": "-latency_ms"},
        headers=_bearer(lp_token),
    ).get_json()
    assert page["total"] == len(attempts)
    assert (page["page"], page["page_size"], len(page["rows"])) == (2, 50, 50)
    slowest = np.sort(attempts["latency_ms"].to_numpy())[::-1]
    got = [row["latency_ms"] for row in page["rows"]]
    assert got == pytest.approx(list(slowest[50:100]), rel=1e-9)

    check_chart_read_models(lp_ingested, rows)


def check_chart_read_models(engine: sa.Engine, rows: dict[str, dict[str, Any]]) -> None:
    """The chart series add up to the scorecard for the same filter."""
    f = Filter(start=START, end=END)
    with engine.connect() as conn:
        reasons = execution.reject_reasons(conn, f)
        series = execution.reject_rate_series(conn, f, "5m")
        latency = execution.latency_by_lp(conn, f, "15m")
        slippage = execution.slippage_histogram(conn, f)
        pfof = execution.pfof_monthly(conn, f)
        spreads = execution.lp_spreads(conn, f)
        staleness = execution.quote_staleness(conn, f, now=END)
        orders = drilldown.orders_page(conn, f, page=1, page_size=10, sort="lp,-ts")
        order_count = conn.execute(
            sa.text("SELECT count(*) FROM orders WHERE ts >= :s AND ts < :e"),
            {"s": START, "e": END},
        ).scalar_one()
    for lp, row in rows.items():
        assert reasons[reasons["lp"] == lp]["count"].sum() == sum(row["reject_reasons"].values())
        assert series[series["lp"] == lp]["attempts"].sum() == row["attempts"]
        assert latency[latency["lp"] == lp]["attempts"].sum() == row["attempts"]
        assert slippage[slippage["lp"] == lp]["fills"].sum() == row["fills"]
        assert pfof[pfof["lp"] == lp]["pfof_usd"].sum() == pytest.approx(row["pfof_usd"])
    assert (latency["p50"] <= latency["p95"]).all() and (latency["p95"] <= latency["max"]).all()
    assert series["reject_rate"].between(0, 1).all()
    assert not spreads.empty and (spreads["spread_pips"] > 0).all()
    assert not staleness.empty and (staleness["staleness_ms"] >= 0).all()
    assert orders.total == order_count and len(orders.rows) == 10


def test_lp_metrics_refuse_bad_parameters_and_missing_tokens(
    lp_server: Flask, lp_token: str
) -> None:
    client = lp_server.test_client()
    assert client.get("/api/v1/metrics/lp", query_string=WINDOW).status_code == 401
    for query in (
        {"start": "yesterday"},
        {"start": "2026-11-24T10:00:00Z", "end": "2026-11-24T09:00:00Z"},
        {**WINDOW, "book": "C"},
        {**WINDOW, "segment": "retail"},
    ):
        response = client.get("/api/v1/metrics/lp", query_string=query, headers=_bearer(lp_token))
        assert response.status_code == 400, query
        assert response.get_json()["error"]["code"] == "bad_parameter"
    for query in ({"page": "0"}, {"page_size": "5000"}, {"sort": "password"}, {"page": "x"}):
        response = client.get(
            "/api/v1/drilldown/executions",
            query_string={**WINDOW, **query},
            headers=_bearer(lp_token),
        )
        assert response.status_code == 400, query
        assert "error" in response.get_json()


def test_an_empty_window_has_rows_of_nothing_not_zeros(lp_server: Flask, lp_token: str) -> None:
    response = lp_server.test_client().get(
        "/api/v1/metrics/lp", query_string=WINDOW, headers=_bearer(lp_token)
    )
    assert response.status_code == 200
    assert response.get_json()["rows"] == []
