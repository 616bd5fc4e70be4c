"""GET /api/v1/health against the real services, and with one of them unreachable."""

from __future__ import annotations

import socket
import time
from collections.abc import Callable, Iterator

import pytest
from flask.testing import FlaskClient

from app.config import Settings
from tradedash.web import create_server

pytestmark = pytest.mark.integration


@pytest.fixture
def client_for() -> Iterator[Callable[[Settings], FlaskClient]]:
    servers = []

    def build(settings: Settings) -> FlaskClient:
        servers.append(create_server(settings))
        return servers[-1].test_client()

    yield build
    for server in servers:
        server.extensions["tradedash"].close()


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_health_reports_every_service_ok(
    base_settings: Settings, client_for: Callable[[Settings], FlaskClient]
) -> None:
    client = client_for(base_settings)
    response = client.get("/api/v1/health")
    assert response.status_code == 200
    body = response.get_json()
    assert body["status"] == "ok"
    assert set(body["checks"]) == {"database", "redis", "kafka"}
    assert all(check["status"] == "ok" for check in body["checks"].values())
    assert body["checks"]["database"]["detail"].startswith("PostgreSQL 15")


def test_health_is_degraded_and_names_the_service_that_is_down(
    base_settings: Settings, client_for: Callable[[Settings], FlaskClient]
) -> None:
    settings = base_settings.model_copy(
        update={"redis_url": f"redis://127.0.0.1:{_closed_port()}/0"}
    )
    client = client_for(settings)
    started = time.monotonic()
    response = client.get("/api/v1/health")
    assert time.monotonic() - started < 10
    assert response.status_code == 503
    body = response.get_json()
    assert body["status"] == "degraded"
    assert body["checks"]["redis"]["status"] == "down"
    assert "Connection" in body["checks"]["redis"]["detail"]
    assert body["checks"]["database"]["status"] == "ok"


def test_unknown_api_paths_are_json_404s(
    base_settings: Settings, client_for: Callable[[Settings], FlaskClient]
) -> None:
    client = client_for(base_settings)
    response = client.get("/api/v1/no-such-thing")
    assert response.status_code == 404
    assert response.get_json() == {
        "error": {"code": "not_found", "message": "no such endpoint: /api/v1/no-such-thing"}
    }
