"""The alerts API through the real Flask app: admin-only writes, 400 with per-field reasons,
alerts and actions, every body valid against the OpenAPI document."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient
from ingest.conftest import api_token
from sqlalchemy.orm import Session
from test_openapi import check_response

from app.alerts.engine import evaluate_all
from app.config import Settings
from app.db.models.audit import AuditEntry
from tradedash.web import create_server

from .conftest import insert_rollups, rollup

pytestmark = pytest.mark.integration

RULE: dict[str, Any] = {
    "name": "LP rejects",
    "type": "threshold",
    "scope": "lp",
    "severity": "critical",
    "runbook_url": "https://wiki.example.com/runbooks/rejects",
    "spec": {"metric": "reject_rate", "operator": ">", "value": 50, "recovery_value": 40},
}


@pytest.fixture
def server(base_settings: Settings, database_url: str) -> Iterator[Flask]:
    server = create_server(base_settings.model_copy(update={"database_url": database_url}))
    yield server
    server.extensions["tradedash"].close()


@pytest.fixture
def clients(server: Flask, committed_db: sa.Engine) -> dict[str, FlaskClient]:
    made = {}
    for role in ("analyst", "admin"):
        client = server.test_client()
        client.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {api_token(committed_db, role)}"
        made[role] = client
    return made


def call(client: FlaskClient, method: str, path: str, expect: int = 200, **kwargs: Any) -> Any:
    url = "/api/v1" + path.replace("{rule_id}", str(kwargs.pop("rule_id", "")))
    response = client.open(url, method=method.upper(), **kwargs)
    assert response.status_code == expect, response.get_json()
    check_response(method, path, response)
    return response.get_json()


def test_rules_are_written_by_admins_with_reasons_for_bad_fields(
    clients: dict[str, FlaskClient], committed_db: sa.Engine
) -> None:
    analyst, admin = clients["analyst"], clients["admin"]
    catalogue = call(analyst, "get", "/alerts/catalogue")
    assert "reject_rate" in {metric["name"] for metric in catalogue["metrics"]}
    call(analyst, "post", "/alerts/rules", 403, json=RULE)
    bad = {**RULE, "severity": "loud", "spec": {"metric": "reject_rate", "value": "x"}}
    error = call(admin, "post", "/alerts/rules", 400, json=bad)["error"]
    assert error["code"] == "invalid_rule"
    assert error["fields"] == {
        "spec.value": "must be a number",
        "severity": ("must be one of info, warning, critical"),
    }
    created = call(admin, "post", "/alerts/rules", json=RULE)
    assert (created["version"], created["enabled"]) == (1, True)
    duplicate = call(admin, "post", "/alerts/rules", 400, json=RULE)["error"]["fields"]
    assert duplicate == {"name": "another rule already has this name"}
    changed = {**RULE, "severity": "warning", "enabled": False}
    updated = call(admin, "put", "/alerts/rules/{rule_id}", json=changed, rule_id=created["id"])
    assert (updated["version"], updated["enabled"]) == (2, False)
    assert updated["definition"]["severity"] == "warning"
    assert call(analyst, "get", "/alerts/rules")["rules"][0]["version"] == 2
    call(analyst, "get", "/alerts/rules/{rule_id}", 404, rule_id=999)
    call(
        admin,
        "post",
        "/alerts/rules/{rule_id}/snooze",
        400,
        json={"minutes": 3},
        rule_id=created["id"],
    )
    call(
        admin, "post", "/alerts/rules/{rule_id}/snooze", json={"minutes": 10}, rule_id=created["id"]
    )
    preview = call(admin, "post", "/alerts/rules/preview", json=RULE)
    assert preview["fired_count"] == 0
    with Session(committed_db) as session:
        actions = session.scalars(
            sa.select(AuditEntry.action).where(AuditEntry.action.like("alert%"))
        ).all()
    assert actions == ["alert_rule.create", "alert_rule.update", "alert.snooze"]


def test_alerts_are_listed_acknowledged_snoozed_and_rated(
    clients: dict[str, FlaskClient], committed_db: sa.Engine
) -> None:
    analyst, admin = clients["analyst"], clients["admin"]
    call(admin, "post", "/alerts/rules", json=RULE)
    now = dt.datetime.now(dt.UTC).replace(second=30, microsecond=0)
    with Session(committed_db) as session:
        insert_rollups(session.connection(), [rollup(now.replace(second=0), rejects=9)])
        evaluate_all(session, now)
        session.commit()
    listed = call(analyst, "get", "/alerts/events", query_string={"state": "open"})
    assert listed["unacknowledged"] == 1
    (alert,) = listed["alerts"]
    assert (alert["instance"], alert["value"], alert["severity"]) == ("LP1", 90.0, "critical")
    assert alert["runbook_url"] == RULE["runbook_url"]
    call(analyst, "get", "/alerts/events", 400, query_string={"state": "loud"})
    acked = call(analyst, "post", "/alerts/events/ack", json={"alert_id": alert["id"]})
    assert acked["acknowledged_at"] is not None
    assert call(analyst, "get", "/alerts/events")["unacknowledged"] == 0
    snoozed = call(
        analyst, "post", "/alerts/events/snooze", json={"alert_id": alert["id"], "minutes": 30}
    )
    assert snoozed["snoozed_until"] is not None
    rated = call(
        analyst,
        "post",
        "/alerts/events/feedback",
        json={"alert_id": alert["id"], "false_positive": True},
    )
    assert rated["feedback"] == "false_positive"
    call(analyst, "post", "/alerts/events/ack", 404, json={"alert_id": alert["id"] + 100})
    call(analyst, "post", "/alerts/events/ack", 400, json={"alert_id": "one"})
