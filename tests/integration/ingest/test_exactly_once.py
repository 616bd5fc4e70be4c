"""The ingest pipeline end to end: simulator → real Kafka → consumers → PostgreSQL.

Expected numbers come from the simulator's own labels of what it sent (valid, invalid,
duplicate), not from the code under test.
"""

from __future__ import annotations

import os
import signal
import subprocess
import time

import pytest
import sqlalchemy as sa

from app.config import Settings

from .conftest import (
    Expected,
    cli_env,
    expected_of,
    ingest_cli,
    produce,
    run_ingest_process,
    stored_counts,
)

pytestmark = pytest.mark.integration


def partitions_with_messages(settings: Settings) -> int:
    from confluent_kafka import Consumer, TopicPartition

    consumer = Consumer(
        {"bootstrap.servers": settings.kafka_bootstrap_servers, "group.id": "watermarks"}
    )
    try:
        return sum(
            1
            for topic in settings.topics.values()
            for partition in range(settings.topic_partitions)
            if consumer.get_watermark_offsets(TopicPartition(topic, partition), timeout=10)[1] > 0
        )
    finally:
        consumer.close()


def assert_stored_once(engine: sa.Engine, expected: Expected) -> None:
    counts = stored_counts(engine)
    assert counts["orders"] == expected.valid["orders"]
    assert counts["executions"] == expected.valid["executions"]
    assert counts["positions"] == expected.valid["positions"]
    assert counts["account_snapshots"] == expected.valid["accounts"]
    assert counts["lp_status"] == expected.valid["lp_status"]
    assert counts["rules"] == expected.valid["rules"]
    assert counts["dead_letters"] == expected.invalid
    assert counts["quote_count"] == expected.valid["quotes"]
    assert counts["lp_quote_count"] == expected.valid["quotes"]
    assert counts["attempts"] == expected.attempts
    assert counts["exec_pending"] == expected.valid["executions"] - expected.attempts
    with engine.connect() as conn:
        net = dict(
            conn.execute(
                sa.text("SELECT symbol, sum(net_qty_delta) FROM exposure_1m GROUP BY symbol")
            ).all()
        )
        stats = conn.execute(
            sa.text(
                "SELECT sum(events_stored), sum(duplicates_ignored), sum(dead_letters) "
                "FROM ingest_stats"
            )
        ).one()
    assert net == pytest.approx(expected.b_book_net)
    assert stats == (sum(expected.valid.values()), expected.duplicates, expected.invalid)


def test_stream_with_bad_messages_and_duplicates_is_stored_exactly_once(
    ingest_settings: Settings, stream: list, committed_db: sa.Engine
) -> None:
    expected = expected_of(stream)
    assert expected.invalid > 100 and expected.duplicates > 100
    produce(ingest_settings, stream)
    run_ingest_process(ingest_settings)
    assert_stored_once(committed_db, expected)
    with committed_db.connect() as conn:
        reasons = (
            conn.execute(sa.text("SELECT DISTINCT split_part(reason, ':', 1) FROM dead_letters"))
            .scalars()
            .all()
        )
        raw = conn.execute(sa.text("SELECT raw FROM dead_letters LIMIT 1")).scalar_one()
    assert len({r.split(" ")[0] for r in reasons}) >= 12  # every kind of defect is kept
    assert isinstance(raw, bytes) and raw

    # A restarted consumer of the same group finds nothing new to apply.
    run_ingest_process(ingest_settings)
    assert_stored_once(committed_db, expected)


def test_consumer_killed_mid_stream_loses_and_doubles_nothing(
    ingest_settings: Settings, stream: list, committed_db: sa.Engine
) -> None:
    expected = expected_of(stream)
    produce(ingest_settings, stream)
    proc = subprocess.Popen(
        ingest_cli(ingest_settings),
        env=cli_env(ingest_settings),
        stdout=subprocess.DEVNULL,
        start_new_session=True,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:  # wait until some, but not all, batches are stored
        if 0 < stored_counts(committed_db)["quote_count"] < expected.valid["quotes"] // 2:
            break
        time.sleep(0.05)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait(timeout=10)
    partial = stored_counts(committed_db)["quote_count"]
    assert partial < expected.valid["quotes"]
    run_ingest_process(ingest_settings)
    assert_stored_once(committed_db, expected)


def test_two_consumer_processes_share_the_partitions_with_the_same_result(
    ingest_settings: Settings, stream: list, committed_db: sa.Engine
) -> None:
    expected = expected_of(stream)
    produce(ingest_settings, stream)
    run_ingest_process(ingest_settings, "--processes", "2")
    assert_stored_once(committed_db, expected)
    with committed_db.connect() as conn:
        partitions = conn.execute(
            sa.text("SELECT count(*) FROM ingest_offsets WHERE consumer_group = :g"),
            {"g": ingest_settings.consumer_group},
        ).scalar_one()
    assert partitions == partitions_with_messages(ingest_settings)
