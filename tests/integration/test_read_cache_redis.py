"""The read cache against the real Redis (database 15): one read per filter within the
time-to-live, pandas frames back as they went in, expiry, scopes kept apart, and every read
going to the database while Redis cannot be reached."""

from __future__ import annotations

import datetime as dt
import socket
import time
import uuid
from collections.abc import Iterator

import pandas as pd
import pytest
import redis

import app.cache
from app.cache import PREFIX, ReadCache
from app.config import Settings
from app.queries.filters import Filter

pytestmark = pytest.mark.integration

END = dt.datetime(2026, 11, 24, 10, 0, 3, tzinfo=dt.UTC)
DAY = Filter(start=END - dt.timedelta(hours=24), end=END)


@pytest.fixture
def client(base_settings: Settings) -> Iterator[redis.Redis]:
    client = redis.Redis.from_url(base_settings.redis_url)
    yield client
    client.close()


@pytest.fixture
def scope(client: redis.Redis) -> Iterator[str]:
    name = f"test-{uuid.uuid4().hex[:8]}"
    yield name
    keys = client.keys(f"{PREFIX}{name}:*")
    if keys:
        client.delete(*keys)


@pytest.fixture(autouse=True)
def redis_not_paused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(app.cache, "_paused_until", 0.0)


class Counted:
    """A read that counts how often it ran."""

    def __init__(self, value: object) -> None:
        self.value, self.runs = value, 0

    def __call__(self) -> object:
        self.runs += 1
        return self.value


def test_one_read_per_filter_within_the_ttl(client: redis.Redis, scope: str) -> None:
    frame = pd.DataFrame({"lp": ["LP1", "LP2"], "trades": [3, 5], "pnl": [1.5, -2.25]})
    read = Counted(frame)
    cache = ReadCache(client, scope, 8)
    first = cache.read("results_by", DAY, read, "lp")
    second = cache.read("results_by", DAY, read, "lp")
    assert read.runs == 1
    pd.testing.assert_frame_equal(second, frame)
    pd.testing.assert_frame_equal(first, frame)
    assert 0 < client.pttl(cache.key("results_by", DAY, "lp")) <= 8_000
    # Another argument, another query or another scope is another read.
    cache.read("results_by", DAY, read, "symbol")
    cache.read("lp_scorecard", DAY, read)
    ReadCache(client, scope + "-other", 8).read("results_by", DAY, read, "lp")
    assert read.runs == 4
    client.delete(ReadCache(client, scope + "-other", 8).key("results_by", DAY, "lp"))


def test_an_answer_expires_after_the_ttl(client: redis.Redis, scope: str) -> None:
    read = Counted([{"rule_id": "R1", "trades": 2}])
    cache = ReadCache(client, scope, 0.2)
    assert cache.read("rule_report", DAY, read) == [{"rule_id": "R1", "trades": 2}]
    time.sleep(0.3)
    cache.read("rule_report", DAY, read)
    assert read.runs == 2


def test_ttl_0_turns_the_cache_off(client: redis.Redis, scope: str) -> None:
    read = Counted(1)
    cache = ReadCache(client, scope, 0)
    cache.read("q", DAY, read)
    cache.read("q", DAY, read)
    assert read.runs == 2
    assert client.keys(f"{PREFIX}{scope}:*") == []


def test_with_redis_unreachable_every_read_goes_to_the_database() -> None:
    with socket.socket() as sock:  # a port nothing listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    down = redis.Redis(port=port, socket_connect_timeout=0.5, socket_timeout=0.5)
    read = Counted("fresh")
    cache = ReadCache(down, "down", 8)
    assert cache.read("q", DAY, read) == "fresh"  # pays the client's retries once
    assert app.cache._paused_until > time.monotonic()
    # Then Redis is left alone: the next reads do not wait for it again.
    started = time.monotonic()
    assert [cache.read("q", DAY, read) for _ in range(2)] == ["fresh"] * 2
    assert time.monotonic() - started < 0.1
    assert read.runs == 3
