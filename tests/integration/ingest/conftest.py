"""Fixtures for the ingest tests: a private topic set, a simulated stream and its expectation."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
import uuid
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field

import pytest
import sqlalchemy as sa

from app.config import Settings
from app.events import ExecutionReport, OrderRouted, decode
from workers.kafka_topics import delete_topics, ensure_topics
from workers.simulator import SimulatorOptions
from workers.simulator.messages import SimMessage, generate_messages
from workers.simulator.producer import EventProducer

NOW = dt.datetime(2026, 11, 24, 14, 0, tzinfo=dt.UTC)
STREAM = SimulatorOptions(
    seed=11, duration=10, rate=2000, realtime=False, bad_ratio=0.01, backfill_days=0.05, now=NOW
)


@dataclass
class Expected:
    """What storing the stream once must give, from the simulator's own labels."""

    valid: Counter[str] = field(default_factory=Counter)
    invalid: int = 0
    duplicates: int = 0
    messages: int = 0
    b_book_net: dict[str, float] = field(default_factory=dict)
    attempts: int = 0


def expected_of(messages: list[SimMessage]) -> Expected:
    expected = Expected(messages=len(messages))
    orders: dict[str, OrderRouted] = {}
    executions: list[ExecutionReport] = []
    for message in messages:
        if message.defect == "duplicate":
            expected.duplicates += 1
        elif message.defect is not None:
            expected.invalid += 1
        else:
            expected.valid[message.topic] += 1
            if message.topic == "orders":
                order = decode("orders", message.value)
                assert isinstance(order, OrderRouted)
                orders[order.order_id] = order
            elif message.topic == "executions":
                report = decode("executions", message.value)
                assert isinstance(report, ExecutionReport)
                executions.append(report)
    net: dict[str, float] = {}
    for report in executions:
        order = orders.get(report.order_id)
        if order is None:
            continue
        expected.attempts += 1
        if report.lp == "INTERNAL" and report.fill_qty > 0:
            sign = 1 if order.side == "buy" else -1
            net[order.symbol] = net.get(order.symbol, 0.0) - sign * report.fill_qty
    expected.b_book_net = net
    return expected


@pytest.fixture
def ingest_settings(base_settings: Settings, database_url: str) -> Iterator[Settings]:
    """Private topics and consumer group per test, on the migrated test database."""
    run = uuid.uuid4().hex[:8]
    settings = base_settings.model_copy(
        update={
            "database_url": database_url,
            "topic_prefix": f"t{run}.",
            "consumer_group": f"ingest-{run}",
        }
    )
    settings.__dict__.pop("topics", None)  # cached_property computed from the old prefix
    ensure_topics(settings)
    yield settings
    delete_topics(settings)


@pytest.fixture(scope="session")
def stream() -> list[SimMessage]:
    return list(generate_messages(STREAM, NOW.timestamp()))


def produce(settings: Settings, messages: list[SimMessage]) -> None:
    producer = EventProducer(settings)
    for message in messages:
        producer.send(message)
    producer.flush()


def ingest_cli(settings: Settings, *extra: str, idle_exit: float = 6) -> list[str]:
    return [
        sys.executable,
        "-m",
        "tradedash.cli",
        "ingest",
        "--idle-exit",
        str(idle_exit),
        "--loglevel",
        "WARNING",
        *extra,
    ]


def cli_env(settings: Settings) -> dict[str, str]:
    import os

    return {
        **os.environ,
        "TRADEDASH_DATABASE_URL": settings.database_url,
        "TRADEDASH_REDIS_URL": settings.redis_url,
        "TRADEDASH_TOPIC_PREFIX": settings.topic_prefix,
        "TRADEDASH_CONSUMER_GROUP": settings.consumer_group,
    }


def run_ingest_process(settings: Settings, *extra: str, timeout: float = 240) -> None:
    subprocess.run(
        ingest_cli(settings, *extra),
        env=cli_env(settings),
        check=True,
        timeout=timeout,
        stdout=subprocess.DEVNULL,
    )


def stored_counts(engine: sa.Engine) -> dict[str, int]:
    tables = (
        "orders",
        "executions",
        "positions",
        "account_snapshots",
        "lp_status",
        "rules",
        "dead_letters",
        "exec_pending",
    )
    with engine.connect() as conn:
        counts = {
            t: conn.execute(sa.text(f"SELECT count(*) FROM {t}")).scalar_one() for t in tables
        }
        counts["quote_count"] = conn.execute(
            sa.text("SELECT coalesce(sum(quote_count), 0) FROM quote_mid_1s")
        ).scalar_one()
        counts["lp_quote_count"] = conn.execute(
            sa.text("SELECT coalesce(sum(quote_count), 0) FROM lp_quote_stats_1m")
        ).scalar_one()
        counts["attempts"] = conn.execute(
            sa.text("SELECT coalesce(sum(attempts), 0) FROM exec_rollup_1m")
        ).scalar_one()
    return counts


def api_token(engine: sa.Engine, role: str = "analyst") -> str:
    """A real API token, issued through the app's own function."""
    from sqlalchemy.orm import Session

    from app.audit.chain import Actor
    from app.auth.api_tokens import issue_token

    with Session(engine) as db, db.begin():
        return issue_token(
            db, Actor("test-setup", "system"), name=f"t-{uuid.uuid4().hex[:8]}", role=role
        ).secret
