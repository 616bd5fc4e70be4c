"""Helpers for the analytics page tests: the simulated stream stored by the real ingest, an
analyst signed in through the login form, and Dash callbacks fired as dash-renderer does.

Not fixtures: each test module builds its own module-scoped fixtures from these, so that the
stream is ingested once per module (``committed_db`` would empty the tables after every test).
"""

from __future__ import annotations

import base64
import datetime as dt
import re
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import dash
import numpy as np
import orjson
import sqlalchemy as sa
from dash._utils import split_callback_id
from flask import Flask
from flask.testing import FlaskClient
from ingest.conftest import NOW, STREAM, produce, run_ingest_process
from sqlalchemy.orm import Session
from werkzeug.test import TestResponse

from app.audit import Actor
from app.auth.users import create_user
from app.config import Settings
from app.db.derived import refresh_derived
from app.queries.markouts import compute_markouts
from tradedash.web import create_app
from workers.kafka_topics import delete_topics, ensure_topics
from workers.simulator.messages import generate_messages

PASSWORD = "analyst-page-password"
ANALYST = "page-analyst@desk.example"
STREAM_NOW = NOW
"""The simulated stream's present: its events lie in the 72 minutes before it (+10 s)."""


def clear_pages() -> None:
    """What Dash's own ``clear_pages_state`` fixture does: pages live in module-level state."""
    dash._pages.PAGE_REGISTRY.clear()
    dash._pages.CONFIG.clear()
    dash._pages.CONFIG.__dict__.clear()


@contextmanager
def dash_app(settings: Settings, **options: Any) -> Iterator[dash.Dash]:
    """The real app (``create_app(settings, **options)``) on a clean page registry; closed and
    the registry cleared again afterwards. Module fixtures yield its ``.server``."""
    clear_pages()
    app = create_app(settings, **options)
    try:
        yield app
    finally:
        app.server.extensions["tradedash"].close()
        clear_pages()


def forget_login_failures(server: Flask) -> None:
    """Drop the login-failure counters in Redis, so earlier tests' failures do not lock out."""
    redis = server.extensions["tradedash"].redis
    stale = list(redis.scan_iter("tradedash:login-failures:*"))
    if stale:
        redis.delete(*stale)


def ingest_stream(base_settings: Settings, database_url: str, engine: sa.Engine) -> None:
    """The simulated stream through private Kafka topics and the real ingest process, then
    candles and every due markout computed as the beat tasks would."""
    run = uuid.uuid4().hex[:8]
    settings = base_settings.model_copy(
        update={
            "database_url": database_url,
            "topic_prefix": f"pg{run}.",
            "consumer_group": f"pages-{run}",
        }
    )
    settings.__dict__.pop("topics", None)  # cached_property computed from the old prefix
    ensure_topics(settings)
    try:
        produce(settings, list(generate_messages(STREAM, NOW.timestamp())))
        run_ingest_process(settings)
    finally:
        delete_topics(settings)
    refresh_derived(engine, NOW - dt.timedelta(days=1), NOW + dt.timedelta(hours=1))
    with engine.begin() as conn:
        while compute_markouts(conn, batch_size=1000, now=NOW + dt.timedelta(minutes=5)) > 0:
            pass


def add_analyst(engine: sa.Engine) -> str:
    with Session(engine) as db, db.begin():
        create_user(
            db, Actor("test-setup", "system"), email=ANALYST, role="analyst",
            password=PASSWORD, display_name="Page Analyst",
        )  # fmt: skip
    return ANALYST


def empty_tables(engine: sa.Engine) -> None:
    """Truncate every table that holds rows (as the ``committed_db`` fixture does)."""
    with engine.begin() as conn:
        tables = conn.execute(
            sa.text(
                "SELECT format('%I', c.relname) FROM pg_class c "
                "WHERE c.relnamespace = 'public'::regnamespace AND c.relkind IN ('r', 'p') "
                "AND NOT c.relispartition "
                "AND c.relname NOT IN ('alembic_version', 'instrument_currencies')"
            )
        ).scalars()
        filled = [
            t
            for t in tables
            if conn.execute(sa.text(f"SELECT EXISTS (SELECT 1 FROM {t})")).scalar()
        ]
        if filled:
            conn.execute(sa.text(f"TRUNCATE {', '.join(filled)} RESTART IDENTITY CASCADE"))


def new_client(server: Flask) -> FlaskClient:
    """A test client with its own client address, so per-IP failure counts do not leak."""
    client = server.test_client()
    client.environ_base["REMOTE_ADDR"] = f"10.9.{uuid.uuid4().int % 250}.{uuid.uuid4().int % 250}"
    return client


def csrf_token(client: FlaskClient, path: str = "/login") -> str:
    """The CSRF token of the form at ``path``."""
    page = client.get(path).get_data(as_text=True)
    match = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert match, page
    return match.group(1)


def login(client: FlaskClient, email: str, password: str = PASSWORD, **extra: str) -> TestResponse:
    """POST the login form (with its CSRF token and any ``extra`` fields)."""
    form = {"email": email, "password": password, "csrf_token": csrf_token(client), **extra}
    return client.post("/login", data=form)


def signed_in(server: Flask, email: str = ANALYST, password: str = PASSWORD) -> FlaskClient:
    """A test client signed in through the login form."""
    client = new_client(server)
    assert login(client, email, password).status_code == 302
    return client


def assert_forbidden(client: FlaskClient, *paths: str) -> None:
    """Every page at ``paths`` answers 403 to this client."""
    for path in paths:
        assert client.get(path).status_code == 403, path


def fire(client: FlaskClient, output: str, values: dict[str, Any], trigger: str) -> Any:
    """POST the callback whose outputs include ``output`` (``id.property``), as dash-renderer
    would, with ``values`` (``id.property`` → value) for its inputs and states."""
    [callback] = [
        dep
        for dep in _dependencies(client)
        if output in (f"{o['id']}.{o['property']}" for o in _outputs(dep["output"]))
    ]
    return _post(client, callback, values, trigger)


def fire_input(client: FlaskClient, trigger: str, values: dict[str, Any]) -> Any:
    """POST the callback whose inputs include ``trigger`` (``id.property``), as dash-renderer
    would, with ``values`` (``id.property`` → value) for its inputs and states."""
    [callback] = [
        dep
        for dep in _dependencies(client)
        if trigger in (f"{i['id']}.{i['property']}" for i in dep["inputs"])
    ]
    return _post(client, callback, values, trigger)


def _dependencies(client: FlaskClient) -> list[dict[str, Any]]:
    dependencies: list[dict[str, Any]] = orjson.loads(client.get("/_dash-dependencies").get_data())
    return dependencies


def _post(
    client: FlaskClient, callback: dict[str, Any], values: dict[str, Any], trigger: str
) -> Any:
    def current(items: list[dict[str, str]]) -> list[dict[str, Any]]:
        return [{**item, "value": values.get(f"{item['id']}.{item['property']}")} for item in items]

    body = {
        "output": callback["output"],
        "outputs": split_callback_id(callback["output"]),  # type: ignore[no-untyped-call]
        "inputs": current(callback["inputs"]),
        "state": current(callback["state"]),
        "changedPropIds": [trigger],
    }
    return client.post("/_dash-update-component", json=body)


def _outputs(output: str) -> list[dict[str, str]]:
    parts = split_callback_id(output)  # type: ignore[no-untyped-call]
    return parts if isinstance(parts, list) else [parts]


def updates(response: Any) -> dict[str, Any]:
    """``{"id.property": value}`` of a callback's answer (properties without ``@hash``)."""
    assert response.status_code == 200, response.get_data(as_text=True)
    answer = orjson.loads(response.get_data())["response"]
    return {
        f"{component}.{prop.split('@')[0]}": value
        for component, props in answer.items()
        for prop, value in props.items()
    }


def array(data: Any) -> np.ndarray:
    """A figure's numeric array: plotly sends lists or typed arrays (``bdata``, ``shape``)."""
    if isinstance(data, dict):
        raw = base64.b64decode(data["bdata"])
        values = np.frombuffer(raw, dtype=np.dtype(data["dtype"]))
        shape = data.get("shape")
        if shape is not None:
            dims = shape if isinstance(shape, list) else str(shape).split(",")
            values = values.reshape([int(d) for d in dims])
        return values.astype(float)
    return np.asarray(data, dtype=float)


def numbers(data: Any) -> list[float]:
    """A figure's 1-d numeric array as floats (None as NaN)."""
    return [float(x) for x in array(data)]


def add_people(
    engine: sa.Engine, roles: tuple[str, ...], *, domain: str = "desk.example", suffix: str = ""
) -> dict[str, str]:
    """One user per role, ``<role>@<domain>`` named ``<Role><suffix>``, with ``PASSWORD``;
    their e-mail addresses by role."""
    emails = {role: f"{role}@{domain}" for role in roles}
    with Session(engine) as db, db.begin():
        for role, email in emails.items():
            create_user(
                db, Actor("test-setup", "system"), email=email, role=role, password=PASSWORD,
                display_name=f"{role.title()}{suffix}",
            )  # fmt: skip
    return emails


@contextmanager
def viewing_as(
    engine: sa.Engine, email: str, *, timezone: str = "UTC", currency: str = "USD"
) -> Iterator[None]:
    """The user ``email`` reads times in ``timezone`` and money in ``currency`` inside the
    block (their Settings), UTC and USD again afterwards."""

    def settle(zone: str, money: str) -> None:
        with engine.begin() as conn:
            conn.execute(
                sa.text("UPDATE users SET timezone = :z, reporting_currency = :c WHERE email = :e"),
                {"z": zone, "c": money, "e": email},
            )

    settle(timezone, currency)
    try:
        yield
    finally:
        settle("UTC", "USD")
