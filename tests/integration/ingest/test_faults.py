"""The consumers survive their database or broker restarting mid-stream, losing nothing.

Each test restarts a private server (its own PostgreSQL cluster or Kafka broker on free
ports), never the shared ones the rest of the suite uses.
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from app.config import PROJECT_ROOT, Settings
from app.db.migrate import upgrade
from tradedash.services.kafka import Kafka
from tradedash.services.postgres import Postgres
from workers.kafka_topics import ensure_topics

from .conftest import cli_env, expected_of, ingest_cli, produce, stored_counts
from .test_exactly_once import assert_stored_once

pytestmark = pytest.mark.integration


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def scratch() -> Iterator[Path]:
    path = PROJECT_ROOT / ".local" / f"faults-{uuid.uuid4().hex[:6]}"
    path.mkdir(parents=True)
    path.chmod(0o755)
    yield path
    shutil.rmtree(path, ignore_errors=True)


def wait_for_progress(engine: sa.Engine, total_quotes: int, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if 0 < stored_counts(engine)["quote_count"] < total_quotes:
            return
        time.sleep(0.05)
    raise AssertionError("the consumer stored nothing, or everything, before the restart")


def test_postgres_restart_while_consuming(
    base_settings: Settings, scratch: Path, stream: list
) -> None:
    run = uuid.uuid4().hex[:8]
    settings = base_settings.model_copy(
        update={
            "data_dir": scratch,
            "pg_port": free_port(),
            "database_name": "faults",
            "database_url": "",
            "topic_prefix": f"f{run}.",
            "consumer_group": f"faults-{run}",
        }
    )
    settings = Settings(**{k: v for k, v in settings.model_dump().items() if k != "topics"})
    postgres = Postgres(settings)
    postgres.up()
    engine = sa.create_engine(settings.database_url, pool_pre_ping=True)
    try:
        upgrade(settings)
        ensure_topics(settings)
        expected = expected_of(stream)
        produce(settings, stream)
        proc = subprocess.Popen(
            ingest_cli(settings, idle_exit=15),
            env=cli_env(settings),
            stdout=subprocess.DEVNULL,
        )
        wait_for_progress(engine, expected.valid["quotes"])
        postgres.down()
        time.sleep(4)  # the consumer retries with backoff meanwhile, committing nothing
        assert proc.poll() is None, "the consumer must not give up while the database is down"
        postgres.up()
        assert proc.wait(timeout=240) == 0
        assert_stored_once(engine, expected)
    finally:
        engine.dispose()
        postgres.down()
        from workers.kafka_topics import delete_topics

        delete_topics(settings)


def test_kafka_restart_while_consuming(
    base_settings: Settings,
    scratch: Path,
    stream: list,
    database_url: str,
    committed_db: sa.Engine,
) -> None:
    run = uuid.uuid4().hex[:8]
    (scratch / "kafka").mkdir()
    (scratch / "kafka" / "libs").symlink_to(base_settings.data_dir / "kafka" / "libs")
    port, controller = free_port(), free_port()
    settings = Settings(
        **{
            **{k: v for k, v in base_settings.model_dump().items() if k != "topics"},
            "data_dir": scratch,
            "kafka_port": port,
            "kafka_controller_port": controller,
            "kafka_bootstrap_servers": f"127.0.0.1:{port}",
            "database_url": database_url,
            "topic_prefix": f"k{run}.",
            "consumer_group": f"kfaults-{run}",
        }
    )
    kafka = Kafka(settings)
    kafka.up()
    try:
        ensure_topics(settings)
        expected = expected_of(stream)
        produce(settings, stream)
        proc = subprocess.Popen(
            ingest_cli(settings)[:-4] + ["--idle-exit", "20"],
            env=cli_env(settings) | {"TRADEDASH_KAFKA_BOOTSTRAP_SERVERS": f"127.0.0.1:{port}"},
            stdout=subprocess.DEVNULL,
        )
        wait_for_progress(committed_db, expected.valid["quotes"])
        kafka.down()
        time.sleep(3)
        assert proc.poll() is None, "the consumer must wait for the broker to come back"
        kafka.up()
        assert proc.wait(timeout=240) == 0
        assert_stored_once(committed_db, expected)
    finally:
        kafka.down()
