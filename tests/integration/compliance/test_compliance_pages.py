"""The compliance, audit trail, client data and retention pages, driven through the Flask test
client with the requests dash-renderer sends, against the real PostgreSQL and Redis."""

from __future__ import annotations

import base64
import datetime as dt
import re
import uuid
from collections.abc import Iterator
from typing import Any
from xml.etree import ElementTree as ET

import dash
import orjson
import pytest
from compliance_rows import T0, execution, insert, order
from dash._utils import split_callback_id
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import Engine, select, text
from sqlalchemy.orm import Session

from app.audit import Actor, record
from app.auth.users import create_user
from app.config import Settings
from app.db.models.audit import AuditEntry
from app.db.models.compliance import ClientIdentity
from pages.ids import admin_retention as retention_ids
from pages.ids import audit_trail as audit_ids
from pages.ids import compliance as ids
from pages.ids import compliance_clients as client_ids
from tradedash.web import create_app

pytestmark = pytest.mark.integration

PASSWORD = "compliance-page-password"
SETUP = Actor("test-setup", "system")
TODAY = dt.datetime.now(dt.UTC).date()


def _clear_pages() -> None:
    dash._pages.PAGE_REGISTRY.clear()
    dash._pages.CONFIG.clear()
    dash._pages.CONFIG.__dict__.clear()


@pytest.fixture(scope="module")
def server(base_settings: Settings, database_url: str) -> Iterator[Flask]:
    _clear_pages()
    app = create_app(base_settings.model_copy(update={"database_url": database_url}))
    yield app.server
    app.server.extensions["tradedash"].close()
    _clear_pages()


@pytest.fixture
def accounts(server: Flask, committed_db: Engine) -> dict[str, str]:
    redis = server.extensions["tradedash"].redis
    stale = list(redis.scan_iter("tradedash:login-failures:*"))
    if stale:
        redis.delete(*stale)
    with Session(committed_db) as db, db.begin():
        for role in ("analyst", "compliance", "admin"):
            create_user(db, SETUP, email=f"{role}@desk.example", role=role, password=PASSWORD,
                        display_name=role.title())  # fmt: skip
    return {role: f"{role}@desk.example" for role in ("analyst", "compliance", "admin")}


def _signed_in(server: Flask, email: str) -> FlaskClient:
    client = server.test_client()
    client.environ_base["REMOTE_ADDR"] = f"10.7.{uuid.uuid4().int % 250}.{uuid.uuid4().int % 250}"
    page = client.get("/login").get_data(as_text=True)
    match = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert match
    form = {"email": email, "password": PASSWORD, "csrf_token": match.group(1)}
    assert client.post("/login", data=form).status_code == 302
    return client


def _fire(client: FlaskClient, trigger: str, values: dict[str, Any]) -> Any:
    """POST the callback ``trigger`` (``id.property``) fires, as dash-renderer would."""
    dependencies = orjson.loads(client.get("/_dash-dependencies").get_data())
    [callback] = [
        dep for dep in dependencies
        if trigger in (f"{i['id']}.{i['property']}" for i in dep["inputs"])
    ]  # fmt: skip

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


def _updates(response: Any) -> dict[str, Any]:
    assert response.status_code == 200, response.get_data(as_text=True)
    answer = orjson.loads(response.get_data())["response"]
    return {
        f"{component}.{prop.split('@')[0]}": value
        for component, props in answer.items()
        for prop, value in props.items()
    }


def _actions(engine: Engine) -> list[str]:
    with Session(engine) as db:
        return list(db.scalars(select(AuditEntry.action).order_by(AuditEntry.id)))


def _period() -> dict[str, Any]:
    return {f"{ids.START}.value": str(TODAY - dt.timedelta(days=1)), f"{ids.END}.value": str(TODAY)}


def test_only_compliance_and_admins_reach_the_pages_and_callbacks(
    server: Flask, accounts: dict[str, str]
) -> None:
    analyst = _signed_in(server, accounts["analyst"])
    for path in ("/compliance", "/compliance/audit", "/compliance/clients", "/admin/retention"):
        assert analyst.get(path).status_code == 403
    compliance = _signed_in(server, accounts["compliance"])
    for path in ("/compliance", "/compliance/audit", "/compliance/clients"):
        assert compliance.get(path).status_code == 200
    assert compliance.get("/admin/retention").status_code == 403
    # A refused callback answers 204 with no content (tradedash.auth.callbacks).
    for trigger, values in (
        (f"{ids.START}.value", _period()),
        (f"{audit_ids.VERIFY}.n_clicks", {f"{audit_ids.VERIFY}.n_clicks": 1}),
        (f"{client_ids.ACCESS}.n_clicks", {f"{client_ids.CLIENT}.value": "x"}),
        (f"{retention_ids.SAVE}.n_clicks", {f"{retention_ids.DATA_CLASS}.value": "orders"}),
    ):
        refused = _fire(analyst, trigger, values)
        assert refused.status_code == 204 and refused.get_data() == b""


def test_reports_run_and_download_with_an_audit_record(
    server: Flask, accounts: dict[str, str], committed_db: Engine
) -> None:
    with committed_db.begin() as conn:
        insert(conn, [order(order_id="o1", client_ref="c" * 32)], [execution(order_id="o1")])
    compliance = _signed_in(server, accounts["compliance"])
    shown = _updates(_fire(compliance, f"{ids.START}.value", _period()))
    [top] = shown[f"{ids.TOP_GRID}.rowData"]
    assert (top["venue"], top["volume_share_pct"], top["orders"]) == ("LP1", 100.0, 1)
    assert shown[f"{ids.TX_COUNT}.children"].startswith("1 transactions")
    xml = _updates(
        _fire(compliance, f"{ids.TX_XML}.n_clicks", {**_period(), f"{ids.TX_XML}.n_clicks": 1})
    )  # noqa: E501
    download = xml[f"{ids.DOWNLOAD}.data"]
    assert download["filename"].startswith("transactions_") and download["filename"].endswith(
        ".xml"
    )  # noqa: E501
    root = ET.fromstring(base64.b64decode(download["content"]))
    assert len(root) == 1 and "c" * 32 in base64.b64decode(download["content"]).decode()
    pdf = _updates(
        _fire(compliance, f"{ids.BEST_PDF}.n_clicks", {**_period(), f"{ids.BEST_PDF}.n_clicks": 1})
    )  # noqa: E501
    assert base64.b64decode(pdf[f"{ids.DOWNLOAD}.data"]["content"]).startswith(b"%PDF-")
    quarter = f"{T0.year}Q{(T0.month - 1) // 3 + 1}"
    sections = _updates(
        _fire(compliance, f"{ids.QUARTER}.value", {f"{ids.QUARTER}.value": quarter})
    )  # noqa: E501
    assert "LP1" in orjson.dumps(sections).decode()
    assert _actions(committed_db)[-4:] == [
        "report.run",
        "report.export",
        "report.export",
        "report.run",
    ]  # noqa: E501


def test_the_audit_trail_searches_pages_exports_and_verifies(
    server: Flask, accounts: dict[str, str], committed_db: Engine
) -> None:
    with Session(committed_db) as db, db.begin():
        for i in range(60):
            record(db, SETUP, "export.download", f"file-{i}", {"i": i})
        record(db, SETUP, "alert_rule.update", "100%_rule", {})
    compliance = _signed_in(server, accounts["compliance"])
    search = {f"{audit_ids.SEARCH}.value": "export", f"{audit_ids.PAGE}.data": 0}
    first = _updates(_fire(compliance, f"{audit_ids.SEARCH}.value", search))
    assert len(first[f"{audit_ids.GRID}.rowData"]) == 50
    assert first[f"{audit_ids.PAGE_LABEL}.children"] == "Page 1 of 2 (60 records)"
    second = _updates(
        _fire(compliance, f"{audit_ids.NEXT}.n_clicks", {**search, f"{audit_ids.NEXT}.n_clicks": 1})
    )  # noqa: E501
    assert [r["target"] for r in second[f"{audit_ids.GRID}.rowData"]] == [
        f"file-{i}" for i in range(9, -1, -1)
    ]  # noqa: E501
    # "%" and "_" are matched literally, and a quote cannot break out of the parameter.
    literal = {f"{audit_ids.SEARCH}.value": "100%_", f"{audit_ids.PAGE}.data": 0}
    [rule] = _updates(_fire(compliance, f"{audit_ids.SEARCH}.value", literal))[
        f"{audit_ids.GRID}.rowData"
    ]  # noqa: E501
    assert rule["target"] == "100%_rule"
    hostile = {f"{audit_ids.SEARCH}.value": "x' OR '1'='1", f"{audit_ids.PAGE}.data": 0}
    assert (
        _updates(_fire(compliance, f"{audit_ids.SEARCH}.value", hostile))[
            f"{audit_ids.GRID}.rowData"
        ]
        == []
    )  # noqa: E501
    exported = _updates(
        _fire(
            compliance,
            f"{audit_ids.EXPORT}.n_clicks",
            {**search, f"{audit_ids.EXPORT}.n_clicks": 1},
        )
    )  # noqa: E501
    csv = base64.b64decode(exported[f"{audit_ids.DOWNLOAD}.data"]["content"]).decode().splitlines()
    assert csv[0] == "id,ts,actor,role,ip,action,target,details" and len(csv) == 61
    verified = _updates(
        _fire(compliance, f"{audit_ids.VERIFY}.n_clicks", {f"{audit_ids.VERIFY}.n_clicks": 1})
    )  # noqa: E501
    assert verified[f"{audit_ids.VERIFY_STATUS}.color"] == "success"
    with committed_db.begin() as conn:
        conn.execute(text("UPDATE audit_log SET target = 'forged' WHERE target = 'file-3'"))
    broken = _updates(
        _fire(compliance, f"{audit_ids.VERIFY}.n_clicks", {f"{audit_ids.VERIFY}.n_clicks": 2})
    )  # noqa: E501
    assert broken[f"{audit_ids.VERIFY_STATUS}.color"] == "danger"
    assert "broken at record" in broken[f"{audit_ids.VERIFY_STATUS}.children"]


def test_subject_access_and_erasure_with_confirmation(
    server: Flask, accounts: dict[str, str], committed_db: Engine
) -> None:
    with committed_db.begin() as conn:
        conn.execute(
            text("INSERT INTO client_identities VALUES (:p, 'CL-7', :t, :t)"),
            {"p": "e" * 32, "t": T0},
        )  # noqa: E501
        insert(conn, [order(order_id="c7", client_ref="e" * 32)], [])
    compliance = _signed_in(server, accounts["compliance"])
    client = {f"{client_ids.CLIENT}.value": "CL-7", f"{client_ids.ACCESS}.n_clicks": 1}
    access = _updates(_fire(compliance, f"{client_ids.ACCESS}.n_clicks", client))
    document = orjson.loads(base64.b64decode(access[f"{client_ids.DOWNLOAD}.data"]["content"]))
    assert document["client_id"] == "CL-7" and [o["order_id"] for o in document["orders"]] == ["c7"]  # noqa: E501
    asked = _updates(
        _fire(
            compliance,
            f"{client_ids.ERASE}.n_clicks",
            {**client, f"{client_ids.ERASE}.n_clicks": 1},
        )
    )  # noqa: E501
    assert asked[f"{client_ids.CONFIRM}.is_open"] is True
    with Session(committed_db) as db:
        assert db.get(ClientIdentity, "e" * 32) is not None  # nothing erased before "Erase"
    done = _updates(
        _fire(
            compliance,
            f"{client_ids.CONFIRM_YES}.n_clicks",
            {**client, f"{client_ids.CONFIRM_YES}.n_clicks": 1},
        )
    )  # noqa: E501
    assert done[f"{client_ids.STATUS}.color"] == "success"
    with Session(committed_db) as db:
        assert db.get(ClientIdentity, "e" * 32) is None
    again = _updates(_fire(compliance, f"{client_ids.ACCESS}.n_clicks", client))
    assert again[f"{client_ids.CLIENT}.invalid"] is True
    assert _actions(committed_db)[-2:] == ["client.subject_access", "client.erase"]


def test_admins_edit_retention_with_validation_next_to_the_field(
    server: Flask, accounts: dict[str, str], committed_db: Engine
) -> None:
    admin = _signed_in(server, accounts["admin"])

    def save(data_class: str, days: str) -> dict[str, Any]:
        values = {
            f"{retention_ids.SAVE}.n_clicks": 1,
            f"{retention_ids.DATA_CLASS}.value": data_class,
            f"{retention_ids.KEEP_DAYS}.value": days,
            f"{retention_ids.CHANGES}.data": 0,
        }
        return _updates(_fire(admin, f"{retention_ids.SAVE}.n_clicks", values))

    refused = save("orders", "30")
    assert refused[f"{retention_ids.KEEP_DAYS}.invalid"] is True
    assert "at least 1826 days" in refused[f"{retention_ids.KEEP_DAYS_FEEDBACK}.children"]
    saved = save("quote_mids", "45")
    assert saved[f"{retention_ids.STATUS}.color"] == "success"
    listed = _updates(
        _fire(admin, f"{retention_ids.CHANGES}.data", {f"{retention_ids.CHANGES}.data": 1})
    )  # noqa: E501
    rows = {r["data_class"]: r for r in listed[f"{retention_ids.GRID}.rowData"]}
    assert (
        rows["quote_mids"]["keep_days"] == 45
        and rows["quote_mids"]["updated_by"] == "admin@desk.example"
    )  # noqa: E501
    assert _actions(committed_db)[-1] == "retention.update"
