"""Events through the real Kafka and ingest consumer, the evaluator running: an alert fires
within 2 s of the events' arrival, and the page's pub/sub channel hears it."""

from __future__ import annotations

import datetime as dt
import subprocess
import threading
import time
import uuid
from collections.abc import Iterator

import orjson
import pytest
import redis
import sqlalchemy as sa
from ingest.conftest import cli_env, ingest_cli, ingest_settings  # noqa: F401 - fixture
from sqlalchemy.orm import Session

from app.config import Settings
from app.events import ExecutionReport, OrderRouted
from app.events.codec import encode, key_of
from workers.alerts.evaluator import alert_keys, run_evaluator
from workers.simulator.messages import SimMessage
from workers.simulator.producer import EventProducer

from .conftest import make_rule

pytestmark = pytest.mark.integration

LIMIT_S = 2.0


def _order(order_id: str, account: str, now: dt.datetime) -> OrderRouted:
    return OrderRouted(
        event_id=uuid.uuid4(), event_type="order.routed", schema_version=1, ts=now,
        order_id=order_id, client_id="C1", account_id=account, symbol="EURUSD",
        asset_class="fx", pip_size=0.0001, side="buy", qty=10_000.0, order_type="market",
        limit_price=None, arrival_bid=1.1, arrival_ask=1.1002, book="A", lp="LPX",
        rule_id="R1", rule_version=1, client_segment=None,
    )  # fmt: skip


def _reject(order_id: str, now: dt.datetime) -> ExecutionReport:
    return ExecutionReport(
        event_id=uuid.uuid4(), event_type="execution.report", schema_version=1, ts=now,
        exec_id=f"X{order_id}", order_id=order_id, lp="LPX", status="rejected",
        requested_qty=10_000.0, fill_qty=0.0, requested_price=1.1002, fill_price=None,
        sent_ts=now, market_bid=1.1, market_ask=1.1002, reject_reason="last_look",
        commission=0.0, pfof=0.0, currency="USD",
    )  # fmt: skip


def _send(producer: EventProducer, *events: OrderRouted | ExecutionReport) -> None:
    for event in events:
        producer.send(SimMessage(event.topic_key, key_of(event), encode(event), time.time()))
    producer.flush()


@pytest.fixture
def pipeline(ingest_settings: Settings, committed_db: sa.Engine) -> Iterator[Settings]:  # noqa: F811
    """The ingest consumer (a process) and the alert evaluator (a thread) running."""
    ingest = subprocess.Popen(
        ingest_cli(ingest_settings, idle_exit=60), env=cli_env(ingest_settings),
        stdout=subprocess.DEVNULL,
    )  # fmt: skip
    stop = threading.Event()
    evaluator = threading.Thread(target=run_evaluator, args=(ingest_settings,),
                                 kwargs={"stop": stop}, daemon=True)  # fmt: skip
    evaluator.start()
    try:
        yield ingest_settings
    finally:
        stop.set()
        ingest.terminate()
        ingest.wait(timeout=30)
        evaluator.join(timeout=15)


def _wait_stored(engine: sa.Engine, sql: str, count: int, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with engine.connect() as conn:
            if conn.execute(sa.text(sql)).scalar_one() >= count:
                return
        time.sleep(0.05)
    raise AssertionError(f"not stored within {timeout} s: {sql}")


def test_three_rejects_in_a_minute_fire_within_two_seconds(
    pipeline: Settings, committed_db: sa.Engine
) -> None:
    with Session(committed_db) as session:
        make_rule(
            session,
            name="LP circuit breaker",
            type="pattern",
            severity="critical",
            spec={"metric": "failed_orders", "count": 3, "window_s": 60},
        )
        session.commit()
    client = redis.Redis.from_url(pipeline.redis_url)
    toast = client.pubsub(ignore_subscribe_messages=True)  # type: ignore[no-untyped-call]
    toast.subscribe(alert_keys(pipeline.consumer_group)["channel"])
    producer = EventProducer(pipeline)
    # warm up: the consumer has its partitions and the evaluator its connections
    _send(producer, _order("WARM", "A0", dt.datetime.now(dt.UTC)))
    _wait_stored(committed_db, "SELECT count(*) FROM orders", 1, timeout=60)
    time.sleep(1.0)

    now = dt.datetime.now(dt.UTC)
    orders = [_order(f"O{i}", "A1", now) for i in range(3)]
    _send(producer, *orders)
    _wait_stored(committed_db, "SELECT count(*) FROM orders", 4, timeout=10)
    sent_at = time.time()
    _send(producer, *(_reject(order.order_id, now) for order in orders))

    message = None
    deadline = time.monotonic() + 10
    while message is None and time.monotonic() < deadline:
        message = toast.get_message(timeout=0.1)
    heard_at = time.time()
    assert message is not None, "no alert was published"
    change = orjson.loads(message["data"])
    assert (change["rule_name"], change["instance"], change["to"]) == (
        "LP circuit breaker",
        "LPX",
        "firing",
    )
    latency = heard_at - sent_at
    fired_at = dt.datetime.fromisoformat(change["at"]).timestamp()
    print(f"event -> firing {fired_at - sent_at:.3f} s, -> published {latency:.3f} s")
    assert fired_at - sent_at < LIMIT_S
    assert latency < LIMIT_S
    with committed_db.connect() as conn:
        state, value = conn.execute(
            sa.text("SELECT state, value FROM alert_events WHERE instance_key = 'LPX'")
        ).one()
    assert (state, value) == ("firing", 3.0)
    toast.close()
    client.close()
