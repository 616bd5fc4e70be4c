"""GET /api/v1/openapi.json against the real endpoints: every route documented (and nothing
more), the document valid OpenAPI 3.1, and every JSON body of a real call, made with a real
token on a database filled by a real ingest of the simulated stream, valid against the schema
the document gives for that status code."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient
from ingest.conftest import NOW, STREAM, api_token, produce, run_ingest_process
from jsonschema import Draft202012Validator
from openapi_spec_validator import validate
from page_data import empty_tables
from referencing import Registry
from referencing.jsonschema import DRAFT202012
from werkzeug.test import TestResponse

from app.config import Settings
from app.queries.markouts import compute_markouts
from app.queries.results import DIMENSION_KEYS
from tradedash.api.openapi import document
from tradedash.web import create_server
from workers.kafka_topics import delete_topics, ensure_topics
from workers.simulator.messages import generate_messages

pytestmark = pytest.mark.integration

DOC = "urn:tradedash:openapi"
WINDOW = {"start": "2026-11-24T12:00:00Z", "end": "2026-11-24T15:00:00Z"}
CATCH_ALL = "/api/v1/<path:rest>"


@pytest.fixture(scope="module")
def oa_settings(base_settings: Settings, database_url: str) -> Iterator[Settings]:
    run = uuid.uuid4().hex[:8]
    settings = base_settings.model_copy(
        update={
            "database_url": database_url,
            "topic_prefix": f"oa{run}.",
            "consumer_group": f"openapi-{run}",
        }
    )
    settings.__dict__.pop("topics", None)  # cached_property computed from the old prefix
    ensure_topics(settings)
    yield settings
    delete_topics(settings)


@pytest.fixture(scope="module")
def ingested(oa_settings: Settings, engine: sa.Engine) -> Iterator[sa.Engine]:
    """The simulated stream through Kafka and the real ingest process, markouts computed."""
    empty_tables(engine)
    produce(oa_settings, list(generate_messages(STREAM, NOW.timestamp())))
    run_ingest_process(oa_settings)
    with engine.begin() as conn:
        while compute_markouts(conn, batch_size=500, now=NOW) > 0:
            pass
    yield engine
    empty_tables(engine)


@pytest.fixture(scope="module")
def server(oa_settings: Settings) -> Iterator[Flask]:
    server = create_server(oa_settings)
    yield server
    server.extensions["tradedash"].close()


@pytest.fixture(scope="module")
def tokens(ingested: sa.Engine) -> dict[str, dict[str, str]]:
    return {
        role: {"Authorization": f"Bearer {api_token(ingested, role)}"}
        for role in ("analyst", "admin")
    }


@pytest.fixture(scope="module")
def client(server: Flask, tokens: dict[str, dict[str, str]]) -> FlaskClient:
    client = server.test_client()
    client.environ_base["HTTP_AUTHORIZATION"] = tokens["analyst"]["Authorization"]
    return client


# ------------------------------------------------------------ reading the document


def _resolve(node: dict[str, Any]) -> dict[str, Any]:
    """Follow one local ``$ref`` (parameters and responses)."""
    if "$ref" not in node:
        return node
    target: Any = document()
    for part in node["$ref"].removeprefix("#/").split("/"):
        target = target[part]
    resolved: dict[str, Any] = target
    return resolved


def _operation(method: str, path: str) -> dict[str, Any]:
    operation: dict[str, Any] = document()["paths"][path][method]
    return operation


def _schema_validator(schema: dict[str, Any]) -> Draft202012Validator:
    """A Draft 2020-12 validator for ``schema``, whose local refs point into the document."""
    registry: Registry[Any] = Registry().with_resource(DOC, DRAFT202012.create_resource(document()))
    if "$ref" in schema:
        schema = {"$ref": DOC + schema["$ref"]}
    return Draft202012Validator(
        schema, registry=registry, format_checker=Draft202012Validator.FORMAT_CHECKER
    )


def check_response(method: str, path: str, response: TestResponse) -> None:
    """The response's status and media type are documented, and the body fits the schema."""
    responses = _operation(method, path)["responses"]
    assert str(response.status_code) in responses, (path, response.status_code)
    documented = _resolve(responses[str(response.status_code)])
    media_type = response.mimetype
    assert media_type in documented["content"], (path, media_type)
    if media_type == "application/json":
        errors = [
            f"{'/'.join(map(str, e.absolute_path))}: {e.message}"
            for e in _schema_validator(documented["content"][media_type]["schema"]).iter_errors(
                response.get_json()
            )
        ]
        assert not errors, (path, errors[:10])


def call(
    client: FlaskClient, method: str, path: str, *, expect: int = 200, **params: Any
) -> TestResponse:
    """Call a documented operation with documented parameters only, check what comes back."""
    operation = _operation(method, path)
    declared = {_resolve(p)["name"]: _resolve(p)["in"] for p in operation["parameters"]}
    body = params.pop("json", None)
    for name in params:
        assert name in declared, f"{name} is not documented for {method.upper()} {path}"
    in_path = {name for name, where in declared.items() if where == "path"}
    url = "/api/v1" + path.format(
        **{name: quote(str(params.pop(name)), safe="") for name in in_path}
    )
    response = client.open(url, method=method.upper(), query_string=params, json=body)
    assert response.status_code == expect, response.get_data(as_text=True)[:500]
    check_response(method, path, response)
    return response


# ------------------------------------------------------------ the document itself


def _api_routes(server: Flask) -> set[tuple[str, str]]:
    routes = set()
    for rule in server.url_map.iter_rules():
        if not rule.rule.startswith("/api/v1/") or rule.rule == CATCH_ALL:
            continue
        path = re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", r"{\1}", rule.rule.removeprefix("/api/v1"))
        for method in (rule.methods or set()) - {"HEAD", "OPTIONS"}:
            routes.add((method.lower(), path))
    return routes


def test_every_route_is_documented_and_nothing_else(server: Flask) -> None:
    documented = {(method, path) for path, item in document()["paths"].items() for method in item}
    routes = _api_routes(server)
    assert routes - documented == set(), "routes missing from the document"
    assert documented - routes == set(), "documented operations without a route"
    assert document()["servers"] == [{"url": "/api/v1"}]


def test_the_served_document_is_valid_openapi_31(client: FlaskClient) -> None:
    response = call(client, "get", "/openapi.json")
    body = response.get_json()
    assert body == document()
    validate(body)  # openapi-spec-validator picks the 3.1 validator from "openapi"
    assert body["openapi"].startswith("3.1")


def test_security_is_documented_as_enforced(server: Flask) -> None:
    """Only /health is open; everything else answers 401 without a token, as documented."""
    anonymous = server.test_client()
    for path, item in document()["paths"].items():
        for method, operation in item.items():
            open_ = operation.get("security") == []
            url = "/api/v1" + path.format(rule_id="R1", symbol="EURUSD", dataset="orders", job_id=1)
            if open_:
                assert path == "/health"
                continue
            response = anonymous.open(url, method=method.upper(), json={"limit_usd": 1})
            assert response.status_code == 401, (method, path)
            assert response.headers["WWW-Authenticate"].startswith("Bearer")
            check_response(method, path, response)


# ------------------------------------------------------------ real bodies against the schemas


def test_health_and_service_endpoints(client: FlaskClient, server: Flask) -> None:
    response = server.test_client().get("/api/v1/health")
    assert response.status_code in (200, 503)
    check_response("get", "/health", response)
    me = call(client, "get", "/me").get_json()
    assert (me["kind"], me["role"]) == ("token", "analyst")
    status = call(client, "get", "/ingest/status").get_json()
    assert status["lag"] == 0 and status["topics"]
    metrics = call(client, "get", "/ingest/metrics")
    assert "tradedash_ingest_lag" in metrics.get_data(as_text=True)


def test_admin_endpoints(client: FlaskClient, tokens: dict[str, dict[str, str]]) -> None:
    call(client, "get", "/admin/tokens", expect=403)
    admin = client.application.test_client()
    admin.environ_base["HTTP_AUTHORIZATION"] = tokens["admin"]["Authorization"]
    assert call(admin, "get", "/admin/tokens").get_json()["tokens"]
    limit = call(
        admin, "put", "/exposure/limits/{symbol}", symbol="EURUSD", json={"limit_usd": 5e6}
    )
    assert limit.get_json()["limit_usd"] == 5e6
    call(admin, "put", "/exposure/limits/{symbol}", symbol="EURUSD", json={"limit": 1}, expect=400)
    call(
        client,
        "put",
        "/exposure/limits/{symbol}",
        symbol="EURUSD",
        json={"limit_usd": 1},
        expect=403,
    )


def test_execution_endpoints(client: FlaskClient) -> None:
    rows = call(client, "get", "/metrics/lp", **WINDOW).get_json()["rows"]
    assert len(rows) >= 4 and any(r["markout_pips"]["60"] is not None for r in rows)
    assert any(r["best_execution_pct"] is not None for r in rows)
    call(client, "get", "/metrics/lp", **WINDOW, lp=[rows[0]["lp"], rows[1]["lp"]], book="A")
    for path in ("/drilldown/executions", "/drilldown/orders"):
        page = call(client, "get", path, **WINDOW, page=2, page_size=50, sort="symbol,-ts")
        assert len(page.get_json()["rows"]) == 50
    call(client, "get", "/drilldown/orders", **WINDOW, book="B", segment="retail", page_size=5)


def test_results_endpoints(client: FlaskClient) -> None:
    rules = call(client, "get", "/metrics/rules", **WINDOW, capital=100_000).get_json()["rows"]
    assert rules and any(r["trades"] > 0 for r in rules)
    call(client, "get", "/metrics/rules", **WINDOW, risk_free=0.0001)
    for by in DIMENSION_KEYS:
        assert call(client, "get", "/metrics/results", **WINDOW, by=by).get_json()["rows"]
    var = call(client, "get", "/risk/var", **WINDOW, days=5).get_json()
    assert var["book"]["trades"] > 0
    call(client, "get", "/risk/var", end=WINDOW["end"], book="B")
    rule_id = next(r["rule_id"] for r in rules if r["trades"] > 0)
    path = "/metrics/rules/{rule_id}/backtest"
    for policy in ("flip", "toxicity"):
        call(client, "get", path, rule_id=rule_id, **WINDOW, policy=policy, capital=50_000)
    call(client, "get", path, rule_id=rule_id, **WINDOW, markup_per_million=25, spread_share=0.1)
    call(client, "get", "/metrics/rules/{rule_id}/compare", rule_id=rule_id, **WINDOW, a=1, b=2)


def test_routing_and_exposure_endpoints(client: FlaskClient) -> None:
    routing = call(client, "get", "/metrics/routing", **WINDOW, bucket="5m").get_json()
    assert routing["orders"] > 0 and routing["over_time"] and routing["flow"]["links"]
    call(client, "get", "/metrics/routing", **WINDOW, segment="retail", lp="LP_ALPHA")
    exposure = call(client, "get", "/exposure", **WINDOW).get_json()
    assert exposure["rows"] and "heatmap" not in exposure
    for measure in ("net", "utilisation"):
        body = call(client, "get", "/exposure", **WINDOW, bucket="15m", measure=measure)
        assert body.get_json()["heatmap"]["values"]
    call(client, "get", "/exposure", **WINDOW, symbol="EURUSD", currency="EUR")


# ------------------------------------------------------------ errors


@pytest.mark.parametrize(
    ("path", "params"),
    [
        ("/metrics/lp", {"start": "yesterday"}),
        ("/metrics/lp", {"start": WINDOW["end"], "end": WINDOW["start"]}),
        ("/metrics/lp", {"start": "2020-01-01T00:00:00Z", "end": WINDOW["end"]}),
        ("/metrics/lp", {"end": "0001-01-01T00:00:00Z"}),  # the default window underflows
        ("/metrics/lp", {**WINDOW, "book": "C"}),
        ("/drilldown/executions", {**WINDOW, "page_size": 5000}),
        ("/drilldown/orders", {**WINDOW, "sort": "password"}),
        ("/metrics/rules", {**WINDOW, "capital": "-5"}),
        ("/metrics/results", {**WINDOW, "by": "desk"}),
        ("/risk/var", {"days": "0"}),
        ("/metrics/rules/{rule_id}/backtest", {"rule_id": "R1", "policy": "coin"}),
        ("/metrics/rules/{rule_id}/compare", {"rule_id": "R1", "a": 1}),
        ("/metrics/routing", {"bucket": "2h"}),
        ("/exposure", {"measure": "pnl"}),
    ],
)
def test_bad_parameters_answer_the_documented_error(
    client: FlaskClient, path: str, params: dict[str, Any]
) -> None:
    body = call(client, "get", path, expect=400, **params).get_json()
    assert body["error"]["code"] == "bad_parameter"


def test_unknown_endpoint_is_a_json_error(client: FlaskClient) -> None:
    response = client.get("/api/v1/no/such/thing")
    assert response.status_code == 404
    error_schema = _schema_validator({"$ref": "#/components/schemas/Error"})
    assert not list(error_schema.iter_errors(response.get_json()))


def test_the_overview_in_docs_lists_exactly_the_documented_operations() -> None:
    """docs/api.md's endpoint table, with the role each operation needs."""
    text = (Path(__file__).parents[2] / "docs" / "api.md").read_text(encoding="utf-8")
    table = {
        (method.lower(), path.removeprefix("/api/v1")): role
        for method, path, role in re.findall(
            r"^\| `(\w+) (/api/v1/\S+)` \| ([^|]+?) \|", text, re.M
        )
    }
    documented = {
        (method, path): operation["description"]
        for path, item in document()["paths"].items()
        for method, operation in item.items()
    }
    assert set(table) == set(documented)
    for key, role in table.items():
        who = documented[key]
        assert (role == "open") == who.startswith("Open"), key
        assert role == "open" or role.split()[0] in who, key
