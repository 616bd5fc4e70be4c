"""GET /api/v1/ingest/status and the Prometheus metrics after a real ingest."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from app.config import Settings
from tradedash.web import create_server

from .conftest import api_token, expected_of, produce, run_ingest_process

pytestmark = pytest.mark.integration


def test_status_reports_lag_counters_and_dead_letters(
    ingest_settings: Settings, stream: list, committed_db: sa.Engine
) -> None:
    expected = expected_of(stream)
    produce(ingest_settings, stream)
    server = create_server(ingest_settings)
    client = server.test_client()
    token = {"Authorization": f"Bearer {api_token(committed_db)}"}
    try:
        before = client.get("/api/v1/ingest/status", headers=token).get_json()
        assert before["lag"] == len(stream)  # nothing consumed yet: every message is lag

        run_ingest_process(ingest_settings)

        body = client.get("/api/v1/ingest/status", headers=token).get_json()
        assert body["lag"] == 0
        by_topic = {t["topic"].split("te.")[1]: t for t in body["topics"]}
        assert by_topic["orders.v1"]["events_stored"] == expected.valid["orders"]
        assert sum(t["dead_letters"] for t in body["topics"]) == expected.invalid
        assert sum(t["duplicates_ignored"] for t in body["topics"]) == expected.duplicates
        assert by_topic["quotes.v1"]["last_event_ts"].endswith("Z")
        assert len(by_topic["quotes.v1"]["partitions"]) == ingest_settings.topic_partitions

        metrics = client.get("/api/v1/ingest/metrics", headers=token)
        assert metrics.status_code == 200
        text = metrics.get_data(as_text=True)
        orders_topic = ingest_settings.topics["orders"]
        assert (
            f'tradedash_ingest_events_stored{{topic="{orders_topic}"}} '
            f"{float(expected.valid['orders'])}" in text
        )
        assert client.get("/api/v1/ingest/status").status_code == 401

        # The live state in Redis agrees with the database.
        import redis

        from workers.ingest.live import keys

        live = keys(ingest_settings.consumer_group)
        r = redis.Redis.from_url(ingest_settings.redis_url)
        with committed_db.connect() as conn:
            attempts = dict(
                conn.execute(sa.text("SELECT lp, count(*) FROM executions GROUP BY lp")).all()
            )
            net = dict(
                conn.execute(
                    sa.text("SELECT symbol, sum(net_qty_delta) FROM exposure_1m GROUP BY symbol")
                ).all()
            )
        for lp, count in attempts.items():
            assert int(r.hget(live["lp"] + lp, "attempts")) == count
        stored_net = {k.decode(): float(v) for k, v in r.hgetall(live["exposure"]).items()}
        assert stored_net == pytest.approx(net)
        assert r.hlen(live["quotes"]) > 0
        assert isinstance(body["events_per_second"], float)
        r.close()
    finally:
        server.extensions["tradedash"].close()
