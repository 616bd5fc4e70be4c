"""Schemathesis fuzzing of every GET operation of /api/v1/openapi.json against the real app.

The app is the real Flask server (``create_server``) on a database filled by a small simulated
stream pushed through the real Kafka and ingest process; requests carry a real analyst token
(an admin token for admin-only operations). Each response must: not be a 5xx, have a documented
status code and media type, match the documented schema and headers; a request that breaks the
document (negative data) must be refused with a 4xx; and every 4xx must say why.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
import sqlalchemy as sa
from flask import Flask
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from ingest.conftest import NOW, api_token, produce, run_ingest_process
from page_data import empty_tables
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from app.config import Settings
from app.queries.markouts import compute_markouts
from tradedash.api.openapi import document
from tradedash.web import create_server
from workers.kafka_topics import delete_topics, ensure_topics
from workers.simulator import SimulatorOptions
from workers.simulator.messages import generate_messages

pytestmark = pytest.mark.integration

STREAM = SimulatorOptions(
    seed=41, duration=3, rate=1000, realtime=False, bad_ratio=0.01, backfill_days=0.02, now=NOW
)
EXAMPLES_PER_OPERATION = 25


@pytest.fixture(scope="module")
def fuzz_settings(base_settings: Settings, database_url: str) -> Iterator[Settings]:
    run = uuid.uuid4().hex[:8]
    settings = base_settings.model_copy(
        update={
            "database_url": database_url,
            "topic_prefix": f"fz{run}.",
            "consumer_group": f"fuzz-{run}",
            # The fuzzer sends hundreds of requests a minute with one token.
            "api_rate_limit_per_minute": 1_000_000,
        }
    )
    settings.__dict__.pop("topics", None)  # cached_property computed from the old prefix
    ensure_topics(settings)
    yield settings
    delete_topics(settings)


@pytest.fixture(scope="module")
def fuzz_server(fuzz_settings: Settings, engine: sa.Engine) -> Iterator[Flask]:
    """The real server on a database holding a small real ingested stream."""
    empty_tables(engine)
    produce(fuzz_settings, list(generate_messages(STREAM, NOW.timestamp())))
    run_ingest_process(fuzz_settings)
    with engine.begin() as conn:
        while compute_markouts(conn, batch_size=500, now=NOW) > 0:
            pass
    server = create_server(fuzz_settings)
    yield server
    server.extensions["tradedash"].close()
    empty_tables(engine)


@pytest.fixture(scope="module")
def fuzz_tokens(fuzz_server: Flask, engine: sa.Engine) -> dict[str, str]:
    return {role: api_token(engine, role) for role in ("analyst", "admin")}


@pytest.fixture(scope="module")
def api_schema(fuzz_server: Flask, fuzz_tokens: dict[str, str]) -> Any:
    """The document as the app serves it, read with the analyst token."""
    return schemathesis.openapi.from_wsgi(
        "/api/v1/openapi.json",
        fuzz_server,
        headers={"Authorization": f"Bearer {fuzz_tokens['analyst']}"},
    )


def error_says_why(ctx: Any, response: Any, case: Any) -> bool:
    """A 4xx answer is the API's JSON error with a non-empty code and message."""
    if 400 <= response.status_code < 500:
        error = response.json().get("error", {})
        assert error.get("code") and error.get("message"), (
            f"{response.status_code} without a reason: {response.text[:200]}"
        )
    return True


CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    response_headers_conformance,
    negative_data_rejection,
    error_says_why,
]

# Every GET operation of the document as it is when the tests are collected.
GET_OPERATIONS = sorted(
    path for path, item in document()["paths"].items() for method in item if method == "get"
)


def _strategy(operation: Any, token: str) -> Any:
    """Valid requests, plus requests that break the document where it has parameters to break;
    always with the token (the unauthenticated answers are test_openapi.py's)."""
    headers = {"Authorization": f"Bearer {token}"}
    positive = operation.as_strategy(GenerationMode.POSITIVE, headers=headers)
    if not operation.definition.raw.get("parameters"):
        return positive
    return st.one_of(positive, operation.as_strategy(GenerationMode.NEGATIVE, headers=headers))


@pytest.mark.parametrize("path", GET_OPERATIONS)
def test_get_operation_survives_fuzzing(
    api_schema: Any, fuzz_tokens: dict[str, str], path: str
) -> None:
    operation = api_schema[path]["GET"]
    description = operation.definition.raw.get("description", "")
    token = fuzz_tokens["admin" if "role admin." in description else "analyst"]

    @given(case=_strategy(operation, token))
    @settings(
        max_examples=EXAMPLES_PER_OPERATION,
        deadline=None,
        suppress_health_check=list(HealthCheck),
        derandomize=True,
        database=None,
    )
    def fuzz(case: Any) -> None:
        case.call_and_validate(checks=CHECKS)

    fuzz()
