"""The service controllers against the real servers started by `tradedash services up`."""

from __future__ import annotations

import shutil
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from app.config import PROJECT_ROOT, Settings, load_settings
from tradedash.services.kafka import Kafka
from tradedash.services.postgres import Postgres
from tradedash.services.process import ServiceError
from tradedash.services.redis import Redis
from tradedash.services.registry import all_services, services_up

pytestmark = pytest.mark.integration


@pytest.fixture
def busy_port() -> Iterator[int]:
    """A loopback port held by a plain socket that speaks no protocol."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen(64)
        yield sock.getsockname()[1]


@pytest.fixture
def scratch_dir() -> Iterator[Path]:
    # Under the project (world-traversable) so the postgres OS user can reach it.
    path = PROJECT_ROOT / ".local" / "test-scratch"
    shutil.rmtree(path, ignore_errors=True)
    path.mkdir(parents=True)
    path.chmod(0o755)
    yield path
    shutil.rmtree(path, ignore_errors=True)


def test_running_services_are_healthy_and_reused(base_settings: Settings) -> None:
    assert all(service.healthy() for service in all_services(base_settings))
    assert services_up(base_settings) == []  # nothing started twice


def test_status_command_lists_each_service() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "tradedash.cli", "services", "status"],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    lines = result.stdout.splitlines()
    assert [line.split()[0] for line in lines] == ["postgres", "redis", "kafka"]
    assert all(line.split()[1] == "up" for line in lines)


@pytest.mark.parametrize(
    ("controller", "setting"),
    [
        (Redis, "TRADEDASH_REDIS_PORT"),
        (Kafka, "TRADEDASH_KAFKA_PORT"),
        (Postgres, "TRADEDASH_PG_PORT"),
    ],
)
def test_a_port_taken_by_another_program_is_named(
    busy_port: int, scratch_dir: Path, controller: type, setting: str
) -> None:
    settings = load_settings(
        data_dir=scratch_dir,
        redis_port=busy_port,
        kafka_port=busy_port,
        kafka_controller_port=busy_port,
        pg_port=busy_port,
    )
    with pytest.raises(ServiceError) as info:
        controller(settings).up()
    message = str(info.value)
    assert f"port {busy_port} is already in use" in message
    assert setting in message


def test_a_server_that_fails_to_start_shows_its_log(scratch_dir: Path) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    settings = load_settings(data_dir=scratch_dir, pg_port=port)
    postgres = Postgres(settings)
    postgres._init_cluster()
    with (postgres.data / "postgresql.conf").open("a") as conf:
        conf.write("shared_buffers = 'not a size'\n")
    with pytest.raises(ServiceError) as info:
        postgres.up()
    message = str(info.value)
    assert "PostgreSQL" in message
    assert "shared_buffers" in message  # the server's own complaint, from its log
    assert "hint:" in message
    assert not postgres.healthy()


def test_a_checkout_the_postgres_user_cannot_reach_gets_its_cluster_elsewhere(
    scratch_dir: Path,
) -> None:
    from tradedash.services.postgres import cluster_root

    assert cluster_root(scratch_dir / ".local") == scratch_dir / ".local" / "pg"
    private = scratch_dir / "private"
    private.mkdir(mode=0o700)
    private.chmod(0o700)
    root = cluster_root(private / ".local")
    assert root.parent.parent == Path("/var/lib/tradedash")
    assert root == cluster_root(private / ".local")  # stable for the same checkout


def test_stopping_an_empty_list_of_services_stops_nothing(base_settings: Settings) -> None:
    # The demo passes the services it started itself; when it reused running ones, that list
    # is empty and must not mean "all".
    from tradedash.services.registry import services_down

    assert services_down(base_settings, []) == []
    assert all(service.healthy() for service in all_services(base_settings))
