"""The compliance endpoints: role compliance only, bodies valid against the OpenAPI document."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterator
from typing import Any
from xml.etree import ElementTree as ET

import pytest
from compliance_rows import T0, execution, insert, order
from flask import Flask
from flask.testing import FlaskClient
from jsonschema import Draft202012Validator
from referencing import Registry
from referencing.jsonschema import DRAFT202012
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from app.audit import Actor
from app.auth.api_tokens import issue_token
from app.config import Settings
from tradedash.api.openapi import document
from tradedash.web import create_server

pytestmark = pytest.mark.integration

DOC = "urn:tradedash:openapi"
WINDOW = {
    "start": (T0 - dt.timedelta(hours=1)).isoformat().replace("+00:00", "Z"),
    "end": (T0 + dt.timedelta(hours=1)).isoformat().replace("+00:00", "Z"),
}
QUARTER = f"{T0.year}Q{(T0.month - 1) // 3 + 1}"
CALLS: list[tuple[str, dict[str, Any]]] = [
    ("/compliance/best-execution", WINDOW),
    ("/compliance/order-routing", {"quarter": QUARTER}),
    ("/compliance/transactions", {**WINDOW, "format": "xml"}),
    ("/compliance/completeness", WINDOW),
    ("/audit", {"q": "report", "page_size": 2}),
]


@pytest.fixture(scope="module")
def server(base_settings: Settings, database_url: str) -> Iterator[Flask]:
    app = create_server(base_settings.model_copy(update={"database_url": database_url}))
    yield app
    app.extensions["tradedash"].close()


def _token(engine: Engine, role: str) -> dict[str, str]:
    with Session(engine) as db, db.begin():
        secret = issue_token(
            db, Actor("test-setup", "system"), name=f"t-{uuid.uuid4().hex[:8]}", role=role
        ).secret
    return {"Authorization": f"Bearer {secret}"}


def _valid(path: str, status: int, body: Any) -> None:
    operation = document()["paths"][path]["get"]
    response = operation["responses"][str(status)]
    if "$ref" in response:
        response = document()["components"]["responses"][response["$ref"].rsplit("/", 1)[-1]]
    schema = response["content"]["application/json"]["schema"]
    registry: Registry[Any] = Registry().with_resource(DOC, DRAFT202012.create_resource(document()))
    validator = Draft202012Validator({"$ref": DOC + schema["$ref"]}, registry=registry)
    errors = [f"{list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(body)]
    assert not errors, (path, errors[:5])


def test_analysts_are_refused_and_compliance_gets_documented_bodies(
    server: Flask, committed_db: Engine
) -> None:
    with committed_db.begin() as conn:
        insert(
            conn,
            [
                order(order_id="o1", client_ref="c" * 32),
                order(order_id="o2", ts=T0 + dt.timedelta(seconds=1)),
            ],  # noqa: E501
            [
                execution(order_id="o1"),
                execution(
                    exec_id="x2",
                    order_id="o2",
                    fill_qty=0.0,
                    fill_price=None,
                    status="rejected",
                    reject_reason="timeout",
                ),
            ],  # noqa: E501
        )
    client: FlaskClient = server.test_client()
    analyst, compliance = _token(committed_db, "analyst"), _token(committed_db, "compliance")
    for path, params in CALLS:
        refused = client.get(f"/api/v1{path}", query_string=params, headers=analyst)
        assert refused.status_code == 403, path
        _valid(path, 403, refused.get_json())

    bodies = {}
    for path, params in CALLS:
        answer = client.get(f"/api/v1{path}", query_string=params, headers=compliance)
        assert answer.status_code == 200, (path, answer.get_data(as_text=True)[:300])
        if answer.mimetype == "application/json":
            _valid(path, 200, answer.get_json())
            bodies[path] = answer.get_json()
        else:
            bodies[path] = answer.get_data()
    [top] = bodies["/compliance/best-execution"]["top_venues"]
    assert (top["venue"], top["volume_share_pct"], top["passive_pct"]) == ("LP1", 100.0, 0.0)
    [quality] = bodies["/compliance/best-execution"]["venue_quality"]
    assert (quality["attempts"], quality["fill_ratio_pct"]) == (2, 50.0)
    months = bodies["/compliance/order-routing"]["months"]
    assert len(months) == 3 and sum(len(m["venues"]) for m in months) == 1
    xml = ET.fromstring(bodies["/compliance/transactions"])
    assert len(xml) == 1
    assert bodies["/compliance/completeness"]["findings"] == []
    audit = bodies["/audit"]
    # Best execution, order routing, the export and completeness: four "report." records.
    assert audit["total"] == 4 and len(audit["rows"]) == 2 and audit["page_size"] == 2
    assert [r["target"] for r in audit["rows"]] == ["completeness", "transactions"]


@pytest.mark.parametrize(
    ("path", "params"),
    [
        ("/compliance/order-routing", {"quarter": "2026Q7"}),
        ("/compliance/transactions", {**WINDOW, "format": "pdf"}),
        ("/compliance/best-execution", {**WINDOW, "rule_id": "r1"}),
        ("/audit", {"page_size": "0"}),
        ("/audit", {"start": "yesterday"}),
    ],
)
def test_bad_parameters_are_400(
    server: Flask, committed_db: Engine, path: str, params: dict[str, str]
) -> None:
    answer = server.test_client().get(
        f"/api/v1{path}", query_string=params, headers=_token(committed_db, "compliance")
    )
    assert answer.status_code == 400, answer.get_data(as_text=True)
    assert answer.get_json()["error"]["code"] == "bad_parameter"
