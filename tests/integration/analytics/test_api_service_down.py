"""A backing service that is down answers 503 naming it (API conventions: "say which").

The app is pointed at a closed loopback port for one service at a time; the others are the real
running ones. The Redis case is checked on the exception the real client raises: every API path
that reads Redis (rate limit, events/s) deliberately carries on without it.
"""

from __future__ import annotations

import socket
from collections.abc import Iterator

import pytest
import redis
import sqlalchemy as sa
from flask import Flask
from ingest.conftest import api_token
from redis.backoff import NoBackoff
from redis.retry import Retry

from app.config import Settings
from tradedash.api.errors import unavailable_service
from tradedash.web import create_server

pytestmark = pytest.mark.integration


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port  # nothing listens once the probe is closed


@pytest.fixture
def server_with(base_settings: Settings, database_url: str) -> Iterator[object]:
    servers: list[Flask] = []

    def build(**update: object) -> Flask:
        settings = base_settings.model_copy(update={"database_url": database_url, **update})
        server = create_server(settings)
        servers.append(server)
        return server

    yield build
    for server in servers:
        server.extensions["tradedash"].close()


def _assert_unavailable(response: object, service: str) -> None:
    assert response.status_code == 503, response.get_data(as_text=True)  # type: ignore[attr-defined]
    error = response.get_json()["error"]  # type: ignore[attr-defined]
    assert error["code"] == "service_unavailable"
    assert error["service"] == service
    assert service in error["message"] and "127.0.0.1" not in error["message"]
    assert int(response.headers["Retry-After"]) > 0  # type: ignore[attr-defined]


def test_database_down_is_a_503_naming_the_database(server_with: object) -> None:
    url = f"postgresql+psycopg://tradedash@127.0.0.1:{_closed_port()}/tradedash"
    server = server_with(database_url=url)  # type: ignore[operator]
    client = server.test_client()
    headers = {"Authorization": "Bearer td_some-token"}
    for path in ("/api/v1/metrics/lp", "/api/v1/me", "/api/v1/exposure"):
        _assert_unavailable(client.get(path, headers=headers), "database")


def test_kafka_down_is_a_503_naming_kafka(server_with: object, engine: sa.Engine) -> None:
    server = server_with(kafka_bootstrap_servers=f"127.0.0.1:{_closed_port()}")  # type: ignore[operator]
    headers = {"Authorization": f"Bearer {api_token(engine)}"}
    response = server.test_client().get("/api/v1/ingest/status", headers=headers)
    _assert_unavailable(response, "kafka")


def test_a_redis_outage_is_attributed_to_redis() -> None:
    client = redis.Redis(
        host="127.0.0.1", port=_closed_port(), socket_connect_timeout=1, retry=Retry(NoBackoff(), 0)
    )
    with pytest.raises(redis.ConnectionError) as caught:
        client.ping()
    assert unavailable_service(caught.value) == "redis"
    try:
        raise RuntimeError("wrapped") from caught.value
    except RuntimeError as wrapped:
        assert unavailable_service(wrapped) == "redis"
    assert unavailable_service(ValueError("a bug")) is None
