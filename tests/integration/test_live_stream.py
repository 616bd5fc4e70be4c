"""The live push channel: ``/_live/stream`` behind the sign-in, forwarding the ingest's Redis
pub/sub deltas as batched Server-Sent Events."""

from __future__ import annotations

import time
from collections.abc import Iterator

import orjson
import pytest
import sqlalchemy as sa
from flask import Flask
from page_data import add_analyst, clear_pages, empty_tables, signed_in

from app.config import Settings
from tradedash.live_stream import channel_of, merge
from tradedash.web import create_app

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def server(base_settings: Settings, database_url: str, engine: sa.Engine) -> Iterator[Flask]:
    clear_pages()
    add_analyst(engine)
    app = create_app(base_settings.model_copy(update={"database_url": database_url}))
    yield app.server
    app.server.extensions["tradedash"].close()
    clear_pages()
    empty_tables(engine)


def test_deltas_are_merged_per_topic() -> None:
    merged = merge([
        {"t": 1.0, "rate": 10.0, "stored": {"orders": 2, "quotes": 5}},
        {"t": 2.0, "rate": 12.5, "stored": {"orders": 3}},
    ])  # fmt: skip
    assert merged == {"t": 2.0, "rate": 12.5, "stored": {"orders": 5, "quotes": 5}, "deltas": 2}


def test_the_stream_needs_a_sign_in(server: Flask) -> None:
    response = server.test_client().get("/_live/stream")
    assert response.status_code == 401


def test_published_deltas_arrive_batched_within_a_second(
    server: Flask, base_settings: Settings
) -> None:
    client = signed_in(server)
    response = client.get("/_live/stream", buffered=False)
    assert response.status_code == 200
    assert response.mimetype == "text/event-stream"
    chunks = response.response
    hello = next(chunks).decode()  # type: ignore[call-overload]
    assert hello.startswith("retry: 1000\nevent: hello\n")

    redis = server.extensions["tradedash"].redis
    channel = channel_of(base_settings.consumer_group)
    sent = time.monotonic()
    for orders in (1, 2, 3):
        message = {"t": time.time(), "stored": {"orders": orders}, "rate": 5.0}
        assert redis.publish(channel, orjson.dumps(message)) == 1
    delta = next(chunks).decode()  # type: ignore[call-overload]
    took = time.monotonic() - sent
    response.close()

    name, data = delta.strip().split("\n")
    assert name == "event: delta"
    payload = orjson.loads(data.removeprefix("data: "))
    assert payload["stored"] == {"orders": 6} and payload["deltas"] == 3
    assert took < 1.0, took


def test_events_are_at_least_half_a_second_apart(server: Flask, base_settings: Settings) -> None:
    client = signed_in(server)
    response = client.get("/_live/stream", buffered=False)
    chunks = response.response
    next(chunks)  # type: ignore[call-overload]  # hello
    redis = server.extensions["tradedash"].redis
    channel = channel_of(base_settings.consumer_group)
    arrivals = []
    for orders in (1, 2):
        redis.publish(channel, orjson.dumps({"t": time.time(), "stored": {"orders": orders}}))
        event = next(chunks).decode()  # type: ignore[call-overload]
        arrivals.append(time.monotonic())
        assert f'"stored":{{"orders":{orders}}}' in event
    response.close()
    assert arrivals[1] - arrivals[0] >= 0.45
