"""Signed-in people keep working while PostgreSQL is unreachable: the session is served from the
user's short-lived snapshot in Redis and the overview from its last good values under the
"stale since" banner. Sign-in itself, and the "remember me" cookie, still need the database.

The outage is real for the app, not mocked: its engine and its sign-in sessions are pointed at
a port nothing listens on (the shared PostgreSQL keeps running for the other tests).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import orjson
import pytest
import redis
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient
from page_data import (
    ANALYST,
    PASSWORD,
    add_analyst,
    dash_app,
    empty_tables,
    fire,
    login,
    new_client,
    signed_in,
    updates,
)
from sqlalchemy.orm import Session

import callbacks.overview
from app.audit import Actor
from app.auth.session_snapshots import PREFIX, UserSnapshot, UserSnapshots, snapshot_key
from app.auth.users import find_user, update_user
from app.config import Settings
from app.db.engine import make_session_factory
from app.stale_cache import PREFIX as STALE_PREFIX
from pages.ids import overview as overview_ids
from tradedash.auth.principal import fingerprint
from tradedash.auth.state import EXTENSION_KEY
from tradedash.auth.views import SERVICE_UNAVAILABLE

pytestmark = pytest.mark.integration

SETUP = Actor("test-setup", "system")
AT = dt.datetime(2026, 11, 24, 10, 0, tzinfo=dt.UTC)
CLOSED = "127.0.0.1:1"
"""Nothing listens on port 1: connecting fails at once, as with a database that is down."""


@pytest.fixture(scope="module")
def server(base_settings: Settings, database_url: str, engine: sa.Engine) -> Iterator[Flask]:
    add_analyst(engine)
    with dash_app(base_settings.model_copy(update={"database_url": database_url})) as app:
        yield app.server
    empty_tables(engine)


@pytest.fixture
def cache(server: Flask) -> Iterator[redis.Redis]:
    client: redis.Redis = server.extensions["tradedash"].redis
    yield client
    for prefix in (PREFIX, STALE_PREFIX):
        keys = client.keys(prefix + "*")
        if keys:
            client.delete(*keys)


@pytest.fixture
def outage(
    server: Flask, base_settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Any]:
    """A context manager: inside it the app's database (reads and sign-in) is unreachable."""
    down = sa.create_engine(
        base_settings.database_url.rsplit("@", 1)[0] + f"@{CLOSED}/tradedash",
        connect_args={"connect_timeout": 1},
    )
    resources = server.extensions["tradedash"]

    @contextmanager
    def unreachable() -> Iterator[None]:
        up_engine, up_state = resources.engine, server.extensions[EXTENSION_KEY]
        resources.engine = down
        server.extensions[EXTENSION_KEY] = dataclasses.replace(
            up_state, sessions=make_session_factory(down)
        )
        try:
            yield
        finally:
            resources.engine = up_engine
            server.extensions[EXTENSION_KEY] = up_state

    monkeypatch.setattr(callbacks.overview, "clock", lambda: AT)
    yield unreachable
    down.dispose()


def refresh(client: FlaskClient) -> dict[str, Any]:
    values = {f"{overview_ids.TICK}.n_intervals": 1, f"{overview_ids.WINDOW}.value": "1h"}
    return updates(
        fire(client, f"{overview_ids.VOLUME}.figure", values, f"{overview_ids.TICK}.n_intervals")
    )


def analyst_key(engine: sa.Engine) -> str:
    with Session(engine) as db:
        user = find_user(db, ANALYST)
        assert user is not None
        return snapshot_key(user.id, fingerprint(user))


def test_a_signed_in_analyst_keeps_the_overview_with_the_stale_banner(
    server: Flask, engine: sa.Engine, cache: redis.Redis, outage: Any
) -> None:
    client = signed_in(server)
    fresh = refresh(client)
    assert fresh[f"{overview_ids.STALE}.is_open"] is False
    assert cache.ttl(analyst_key(engine)) > 14 * 60

    with outage():
        page = client.get("/")
        assert page.status_code == 200, page.headers.get("Location")
        assert client.get("/_dash-layout").status_code == 200
        stale = refresh(client)
    assert stale[f"{overview_ids.STALE}.is_open"] is True
    assert stale[f"{overview_ids.STALE}.children"].startswith("Stale since 2026-11-24 10:00:00 UTC")
    for name in overview_ids.KPI_NAMES:
        key = f"{overview_ids.KPI_VALUE[name]}.children"
        assert stale[key] == fresh[key]


def test_sign_in_needs_the_database_and_says_so(server: Flask, outage: Any) -> None:
    client = new_client(server)
    with outage():
        answer = login(client, ANALYST, PASSWORD)
        assert answer.status_code == 503 and answer.headers["Retry-After"] == "30"
        assert SERVICE_UNAVAILABLE in answer.get_data(as_text=True)
        assert client.get("/").status_code == 302
    assert login(client, ANALYST, PASSWORD).status_code == 302
    assert client.get("/").status_code == 200


def test_a_remember_me_cookie_alone_is_not_restored_from_a_snapshot(
    server: Flask, cache: redis.Redis, outage: Any
) -> None:
    client = new_client(server)
    assert login(client, ANALYST, PASSWORD, remember="1").status_code == 302
    assert client.get("/").status_code == 200  # the snapshot exists
    client.delete_cookie("session")  # the browser was closed: only the remember cookie is left
    with outage():
        answer = client.get("/")
        assert answer.status_code == 302 and answer.headers["Location"].startswith("/login")
    client.delete_cookie("session")
    assert client.get("/").status_code == 200  # the same cookie works once the database is back


def test_a_snapshot_is_trusted_for_fifteen_minutes_only(
    server: Flask, engine: sa.Engine, cache: redis.Redis, outage: Any
) -> None:
    client = signed_in(server)
    assert client.get("/").status_code == 200
    snapshots = server.extensions[EXTENSION_KEY].snapshots
    raw = cache.get(analyst_key(engine))
    assert isinstance(raw, bytes)
    stored = UserSnapshot(**orjson.loads(raw))
    assert stored.role == "analyst" and stored.email == ANALYST and stored.active

    snapshots.keep(dataclasses.replace(stored, confirmed_at=time.time() - 14 * 60))
    with outage():
        assert client.get("/").status_code == 200
    snapshots.keep(dataclasses.replace(stored, confirmed_at=time.time() - 16 * 60))
    with outage():
        answer = client.get("/")
        assert answer.status_code == 302 and answer.headers["Location"].startswith("/login")


def test_a_deactivation_while_the_database_is_up_also_ends_the_snapshot(
    server: Flask, engine: sa.Engine, cache: redis.Redis, outage: Any
) -> None:
    client = signed_in(server)
    assert client.get("/").status_code == 200
    key = analyst_key(engine)
    assert cache.exists(key)
    with Session(engine) as db, db.begin():
        user = find_user(db, ANALYST)
        assert user is not None
        update_user(db, SETUP, user, active=False)
    try:
        assert client.get("/").status_code == 302
        assert not cache.exists(key)
        with outage():
            assert client.get("/").status_code == 302
    finally:
        with Session(engine) as db, db.begin():
            user = find_user(db, ANALYST)
            assert user is not None
            update_user(db, SETUP, user, active=True)


def test_with_redis_down_sign_in_and_pages_work_from_the_database(
    server: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    dead = redis.Redis(host="127.0.0.1", port=1, socket_connect_timeout=1)
    state = server.extensions[EXTENSION_KEY]
    without_redis = dataclasses.replace(state, snapshots=UserSnapshots(dead))
    monkeypatch.setitem(server.extensions, EXTENSION_KEY, without_redis)
    client = signed_in(server)
    assert client.get("/").status_code == 200  # pays the failed snapshot write (client retries)
    began = time.perf_counter()
    for _ in range(3):
        assert client.get("/").status_code == 200
    # Later requests leave Redis alone for a while instead of paying the retries each time.
    assert time.perf_counter() - began < 1.0
